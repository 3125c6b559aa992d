"""Bulk hold, assign and approve over the API: one reason, a result per invoice, approval only where no
control forbids it (four-eyes rules, rights, risky reasons)."""

from __future__ import annotations

from decimal import Decimal

from bench.matching_corpus.orders import PoLine
from tests.matching.test_api import world  # noqa: F401  (fixture)


def _flagged(world, number: str, quantity: int = 5) -> dict:  # noqa: F811
    line = PoLine("10", "Bureaustoel", Decimal(1000), price=Decimal("150.00"))
    world.order(f"PO-{number}", line)
    inv = world.post(world.doc(number, f"PO-{number}", line.invoice_line("1", Decimal(quantity),
                                                                         price=Decimal("160.00"))))
    assert inv["status"] == "needs_review" and [r["code"] for r in inv["reasons"]] == ["PRICE_VARIANCE"]
    return inv


def test_bulk_approve_goes_only_where_no_control_forbids_it(world):  # noqa: F811
    small, large = _flagged(world, "F-B-1"), _flagged(world, "F-B-2", quantity=200)  # 32,000: four eyes
    r = world.client.post("/v1/invoices/bulk", headers=world.reviewer, json={
        "action": "approve", "invoice_ids": [small["id"], large["id"], "00000000-0000-0000-0000-000000000000"],
        "reason": "Prijsverhoging afgesproken"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["done"], out["refused"]) == (1, 2)
    by_id = {i["invoice_id"]: i for i in out["data"]}
    assert by_id[small["id"]]["outcome"] == "done" and by_id[small["id"]]["status"] == "approved"
    assert by_id[large["id"]]["outcome"] == "refused" and by_id[large["id"]]["status"] == "needs_review"
    assert by_id[large["id"]]["problem_type"] == "/problems/bulk-approval-refused"
    assert "four-eyes" in by_id[large["id"]]["detail"]
    assert by_id["00000000-0000-0000-0000-000000000000"]["problem_type"] == "/problems/invoice-not-found"
    # nothing of the refused one reached the change feed; the approval carries the one reason
    events = world.client.get("/v1/events", headers=world.erp).json()["data"]
    assert [e["to"] for e in events if e["invoice_id"] == large["id"]] == ["received", "needs_review"]
    trail = world.client.get(f"/v1/invoices/{small['id']}/decision", headers=world.erp)
    assert trail.status_code == 200
    approved = [e for e in events if e["invoice_id"] == small["id"]][-1]
    assert approved["to"] == "approved" and approved["actor"].startswith("key:")


def test_bulk_hold_refuses_what_cannot_be_held_and_holds_the_rest(world):  # noqa: F811
    a, b = _flagged(world, "F-H-1"), _flagged(world, "F-H-2")
    world.client.post(f"/v1/invoices/{b['id']}/hold", headers=world.reviewer, json={"comment": "al"})
    r = world.client.post("/v1/invoices/bulk", headers=world.reviewer, json={
        "action": "hold", "invoice_ids": [a["id"], b["id"]], "reason": "Wacht op creditnota"})
    out = r.json()
    assert [(i["outcome"], i["status"]) for i in out["data"]] == [("done", "on_hold"), ("refused", "on_hold")]
    assert out["data"][1]["problem_type"] == "/problems/illegal-transition"
    assert world.get(a["id"])["status"] == "on_hold"


def test_bulk_needs_a_reason_and_reviewers(world):  # noqa: F811
    a = _flagged(world, "F-R-1")
    r = world.client.post("/v1/invoices/bulk", headers=world.reviewer,
                          json={"action": "hold", "invoice_ids": [a["id"]], "reason": "  "})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert world.client.post("/v1/invoices/bulk", headers=world.erp, json={
        "action": "hold", "invoice_ids": [a["id"]], "reason": "x"}).status_code == 403
    r = world.client.post("/v1/invoices/bulk", headers=world.reviewer,
                          json={"action": "assign", "invoice_ids": [a["id"]], "reason": "x"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "assignee"]


def test_bulk_assign_hands_each_to_the_colleague(world, staff, smtp):  # noqa: F811
    a, b = _flagged(world, "F-AB-1"), _flagged(world, "F-AB-2")
    r = world.client.post("/v1/invoices/bulk", headers=world.reviewer, json={
        "action": "assign", "invoice_ids": [a["id"], b["id"]], "reason": "Jouw leverancier", "assignee": "anna"})
    assert r.status_code == 200 and r.json()["done"] == 2, r.text
    for inv in (a, b):
        listed = world.client.get(f"/v1/invoices/{inv['id']}/handovers", headers=world.reviewer).json()["data"]
        assert [(h["assignee"], h["note"]) for h in listed] == [("anna", "Jouw leverancier")]
    assert len(smtp.messages(wait_for=2)) == 2
