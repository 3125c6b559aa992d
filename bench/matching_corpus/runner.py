"""Replaying a corpus against a running service over HTTP, and summarising the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.matching_corpus.orders import Step


@dataclass
class Outcome:
    step: Step
    http_status: int
    invoice_id: str | None
    status: str | None
    codes: tuple[str, ...]
    final: str | None = None
    seconds: float = 0.0

    @property
    def should_approve(self) -> bool:
        return self.step.final_status == "approved"

    @property
    def status_ok(self) -> bool:
        return self.status == self.step.expect_status and (self.final or self.status) == self.step.final_status

    @property
    def codes_ok(self) -> bool:
        return tuple(sorted(set(self.codes))) == self.step.expect_codes


class CorpusRunner:
    """Posts a corpus through the HTTP API with any client that has ``post``/``get`` (httpx, TestClient).

    The ERP's bank accounts are proposals (four eyes); ``verifier`` (a key with the right
    verify_bank_accounts, e.g. an admin key) verifies them, as the buyer's master-data staff would."""

    def __init__(self, client: Any, *, erp: dict[str, str], gateway: dict[str, str],
                 verifier: dict[str, str]) -> None:
        self.client, self.erp, self.gateway, self.verifier = client, erp, gateway, verifier
        self.supplier_ids: dict[str, str] = {}
        self.outcomes: list[Outcome] = []

    def _ok(self, response, what: str) -> dict[str, Any]:
        if response.status_code >= 300:
            raise RuntimeError(f"{what}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json()

    def run(self, steps: list[Step]) -> list[Outcome]:
        import time

        for step in steps:
            if step.kind == "supplier":
                body = self._ok(self.client.post("/v1/suppliers", json=step.payload, headers=self.erp), "supplier")
                self.supplier_ids[step.supplier] = body["id"]
                for pending in body.get("pending_bank_accounts", []):
                    self._ok(self.client.post(f"/v1/bank-account-changes/{pending['change_id']}/verify",
                                              json={"method": "callback", "note": "corpus set-up"},
                                              headers=self.verifier), "bank account")
            elif step.kind in ("order", "standing_order"):
                payload = dict(step.payload, supplier_id=self.supplier_ids[step.supplier])
                url = "/v1/purchase-orders" if step.kind == "order" else "/v1/standing-orders"
                self._ok(self.client.post(url, json=payload, headers=self.erp), step.kind)
            elif step.kind == "receipt":
                self._ok(self.client.post("/v1/goods-receipts", json=step.payload, headers=self.erp), "receipt")
            elif step.kind == "document":
                started = time.perf_counter()
                r = self.client.post("/v1/invoices", content=step.xml,
                                     headers={**self.gateway, "Content-Type": "application/xml"})
                elapsed = time.perf_counter() - started
                body = r.json()
                resource = body.get("invoice", body) if r.status_code >= 400 else body
                codes = tuple(x.get("code") for x in resource.get("reasons") or [] if x.get("code"))
                self.outcomes.append(Outcome(step, r.status_code, resource.get("id"), resource.get("status"),
                                             codes, seconds=elapsed))
        for o in self.outcomes:
            if o.invoice_id and o.step.final_status != o.step.expect_status:
                body = self._ok(self.client.get(f"/v1/invoices/{o.invoice_id}", headers=self.erp), "invoice")
                o.final = body.get("status")
        return self.outcomes


def category_of(case: str) -> str:
    """``refs.bt10_only`` -> ``refs``; the basic catalogue's cases -> ``basic``."""
    return case.split(".", 1)[0] if "." in case else "basic"


def per_category(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    """Straight-through rate, false approvals and exact reason codes (on the flagged ones) per category."""
    out: dict[str, dict[str, Any]] = {}
    for o in outcomes:
        c = out.setdefault(category_of(o.step.case), {"documents": 0, "should_approve": 0, "approved": 0,
                                                       "should_flag": 0, "false_approvals": 0, "flagged_exact": 0})
        c["documents"] += 1
        final = o.final or o.status
        if o.should_approve:
            c["should_approve"] += 1
            c["approved"] += final == "approved"
        else:
            c["should_flag"] += 1
            c["false_approvals"] += final == "approved" or o.status == "approved"
            c["flagged_exact"] += o.codes_ok and o.status_ok
    for c in out.values():
        c["straight_through_rate"] = c["approved"] / c["should_approve"] if c["should_approve"] else 1.0
        c["exact_codes_rate"] = c["flagged_exact"] / c["should_flag"] if c["should_flag"] else 1.0
    return out


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Straight-through rate, false approvals and reason-code accuracy of a run."""
    should_approve = [o for o in outcomes if o.should_approve]
    should_flag = [o for o in outcomes if not o.should_approve]
    approved = [o for o in should_approve if (o.final or o.status) == "approved"]
    false_approvals = [o for o in should_flag if (o.final or o.status) == "approved" or o.status == "approved"]
    exact = [o for o in outcomes if o.codes_ok and o.status == o.step.expect_status]
    per_case: dict[str, list[int]] = {}
    for o in outcomes:
        ok = o.codes_ok and o.status_ok
        per_case.setdefault(o.step.case, [0, 0])
        per_case[o.step.case][0] += ok
        per_case[o.step.case][1] += 1
    return {
        "documents": len(outcomes),
        "should_approve": len(should_approve),
        "approved_automatically": len(approved),
        "straight_through_rate": len(approved) / len(should_approve) if should_approve else 1.0,
        "should_flag": len(should_flag),
        "false_approvals": len(false_approvals),
        "reason_code_accuracy": len(exact) / len(outcomes) if outcomes else 1.0,
        "per_case": per_case,
        "per_category": per_category(outcomes),
        "mismatches": [(o.step.case, o.step.expect_status, o.step.expect_codes, o.status, o.final, o.codes)
                       for o in outcomes if not (o.codes_ok and o.status_ok)],
    }
