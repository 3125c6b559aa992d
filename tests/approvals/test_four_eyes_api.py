"""Four eyes over HTTP: one person cannot complete an approval a rule covers; two different people can.

Invoices are arranged in review states through the models and the lifecycle (tests/workspace/
factories.py); every action goes through the real API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from service.models.approvals import InvoiceApproval
from service.models.invoices import AuditEvent, Invoice
from tests.workspace.factories import make_invoice, price_variance


def bank_unverified() -> dict:
    return {"code": "BANK_ACCOUNT_UNVERIFIED", "line_id": None, "expected": "NL91ABNA0417164300",
            "actual": "NL20INGB0001234567", "tolerance": None,
            "message": "The payment account (BT-84) is not among the supplier's known accounts.",
            "message_nl": "De betaalrekening (BT-84) hoort niet bij de bekende rekeningen van de leverancier.",
            "message_en": "The payment account (BT-84) is not among the supplier's known accounts."}


def fresh(session) -> None:
    """Read what the app committed since: a new snapshot and no cached rows."""
    session.rollback()
    session.expire_all()


def _events(session, invoice_id):
    fresh(session)
    return session.exec(select(AuditEvent).where(AuditEvent.invoice_id == invoice_id).order_by(AuditEvent.at)).all()


def _approve(client, invoice_id, key, **body):
    return client.post(f"/v1/invoices/{invoice_id}/approve", json=body or None, headers=key)


def test_an_unverified_bank_account_needs_two_different_people(bare_client, session, make_key):
    alice, bob = make_key("reviewer", name="alice"), make_key("reviewer", name="bob")
    inv = make_invoice(session, reasons=[bank_unverified(), price_variance()])

    r = _approve(bare_client, inv.id, alice, comment="IBAN nagebeld")
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["status"] == "awaiting_approval" and first["event"]["reason_codes"] == ["SECOND_APPROVAL_REQUIRED"]
    assert first["event"]["approval"] == {"step": "first", "rule_version": "global:0",
                                          "triggers": ["BANK_ACCOUNT_UNVERIFIED"], "first_approver": None}
    shown = bare_client.get(f"/v1/invoices/{inv.id}", headers=alice).json()
    assert shown["status"] == "awaiting_approval"
    assert [x["code"] for x in shown["reasons"]] == ["SECOND_APPROVAL_REQUIRED", "BANK_ACCOUNT_UNVERIFIED",
                                                     "PRICE_VARIANCE"]
    assert "tweede" in shown["reasons"][0]["message_nl"] and "second" in shown["reasons"][0]["message_en"]

    again = _approve(bare_client, inv.id, alice)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    problem = again.json()
    assert problem["type"] == "/problems/second-approver-required"
    assert problem["first_approver"] == first["event"]["actor"] and problem["rule_version"] == "global:0"
    fresh(session)
    assert session.get(Invoice, inv.id).status.value == "awaiting_approval"

    r = _approve(bare_client, inv.id, bob, comment="akkoord")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    assert r.json()["event"]["approval"] == {"step": "second", "rule_version": "global:0",
                                             "triggers": ["BANK_ACCOUNT_UNVERIFIED"],
                                             "first_approver": first["event"]["actor"]}
    trail = [(e.from_status.value, e.to_status.value, e.actor, e.comment, (e.approval or {}).get("step"))
             for e in _events(session, inv.id)][1:]
    assert trail == [("needs_review", "awaiting_approval", first["event"]["actor"], "IBAN nagebeld", "first"),
                     ("awaiting_approval", "approved", r.json()["event"]["actor"], "akkoord", "second")]
    rows = session.exec(select(InvoiceApproval).where(InvoiceApproval.invoice_id == inv.id)
                        .order_by(InvoiceApproval.at)).all()
    assert [(a.step.value, a.overridden, a.payable_amount) for a in rows] == [
        ("first", ["BANK_ACCOUNT_UNVERIFIED", "PRICE_VARIANCE"], Decimal("1656.25")),
        ("second", ["BANK_ACCOUNT_UNVERIFIED", "PRICE_VARIANCE"], Decimal("1656.25"))]


def test_both_approvals_are_in_the_change_feed_with_the_rule_version(bare_client, session, make_key):
    alice, bob, erp = make_key("reviewer"), make_key("reviewer"), make_key("erp")
    inv = make_invoice(session, amount=Decimal("25000.00"))
    assert _approve(bare_client, inv.id, alice).json()["status"] == "awaiting_approval"
    assert _approve(bare_client, inv.id, bob).json()["status"] == "approved"
    events = [e for e in bare_client.get("/v1/events", headers=erp).json()["data"] if e["invoice_id"] == str(inv.id)]
    assert [(e["from"], e["to"]) for e in events][-2:] == [("needs_review", "awaiting_approval"),
                                                           ("awaiting_approval", "approved")]
    first, second = events[-2:]
    assert first["reason_codes"] == ["SECOND_APPROVAL_REQUIRED"]
    assert first["approval"]["triggers"] == ["AMOUNT_AT_LEAST"] and first["approval"]["rule_version"] == "global:0"
    assert second["approval"]["step"] == "second" and second["approval"]["first_approver"] == first["actor"]
    assert events[0]["approval"] is None  # the machine's transition is no approval


def test_an_invoice_no_rule_covers_is_approved_by_one_person(bare_client, session, make_key):
    inv = make_invoice(session, amount=Decimal("24999.99"))
    r = _approve(bare_client, inv.id, make_key("reviewer"))
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert r.json()["event"]["approval"] == {"step": "single", "rule_version": "global:0", "triggers": [],
                                             "first_approver": None}


def test_either_person_may_reject_or_hold_and_a_hold_starts_over(bare_client, session, make_key):
    alice, bob = make_key("reviewer"), make_key("reviewer")
    inv = make_invoice(session, reasons=[bank_unverified()])
    assert _approve(bare_client, inv.id, alice).json()["status"] == "awaiting_approval"
    r = bare_client.post(f"/v1/invoices/{inv.id}/hold", json={"comment": "eerst bellen"}, headers=alice)
    assert r.status_code == 200 and r.json()["status"] == "on_hold"
    # after the hold, bob's approval is a new first approval, not the completion of alice's
    assert _approve(bare_client, inv.id, bob).json()["status"] == "awaiting_approval"
    assert _approve(bare_client, inv.id, bob).status_code == 409
    r = bare_client.post(f"/v1/invoices/{inv.id}/reject", json={"reason": "rekening onbekend"}, headers=bob)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["event"]["reason_codes"] == ["BANK_ACCOUNT_UNVERIFIED"]


def test_rules_are_versioned_data_changed_by_an_admin(bare_client, session, make_key):
    reviewer, admin = make_key("reviewer"), make_key("admin")
    r = bare_client.get("/v1/approvals/rules", headers=reviewer)
    assert r.status_code == 200
    assert r.json()["label"] == "global:0" and r.json()["settings"] == {
        "reason_codes": ["BANK_ACCOUNT_UNVERIFIED", "CURRENCY_MISMATCH", "SUPPLIER_UNKNOWN"],
        "amount_at_least": "25000", "currency": "EUR"}
    assert bare_client.put("/v1/approvals/rules", json={}, headers=reviewer).status_code == 403
    bad = bare_client.put("/v1/approvals/rules", json={"reason_codes": ["SCHEMA_INVALID"]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["type"] == "/problems/invalid-input"
    r = bare_client.put("/v1/approvals/rules", json={"reason_codes": ["PRICE_VARIANCE"], "amount_at_least": "1000"},
                        headers=admin)
    assert r.status_code == 200 and r.json()["label"] == "global:1"

    inv = make_invoice(session)  # PRICE_VARIANCE, EUR 1,656.25: covered twice under version 1
    body = _approve(bare_client, inv.id, reviewer).json()
    assert body["status"] == "awaiting_approval"
    assert body["event"]["approval"]["rule_version"] == "global:1"
    assert body["event"]["approval"]["triggers"] == ["PRICE_VARIANCE", "AMOUNT_AT_LEAST"]

    # a later change does not alter the rule an approval in progress was judged by
    bare_client.put("/v1/approvals/rules", json={"reason_codes": [], "amount_at_least": None}, headers=admin)
    done = _approve(bare_client, inv.id, admin).json()
    assert done["status"] == "approved" and done["event"]["approval"]["rule_version"] == "global:1"
    versions = bare_client.get("/v1/approvals/rules/versions", headers=reviewer).json()["data"]
    assert [v["label"] for v in versions] == ["global:2", "global:1"]
    assert versions[0]["settings"]["amount_at_least"] is None and versions[1]["created_by"].startswith("key:")
