"""Hand-overs over the API: assign, forward to a budget holder whose confirmation counts like a goods
receipt (the invoice re-matches and passes), decline with a reason; mails through a real SMTP server."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from bench.matching_corpus.orders import PoLine
from service.models.handovers import Notification
from service.models.masterdata import GoodsReceipt
from tests.matching.test_api import world  # noqa: F401  (fixture)


def _not_received(world, number: str = "F-PV-1") -> dict:  # noqa: F811
    line = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"), receipt_required=True)
    world.order(f"PO-{number}", line)
    inv = world.post(world.doc(number, f"PO-{number}", line.invoice_line("1", Decimal(5))))
    assert inv["status"] == "needs_review" and [r["code"] for r in inv["reasons"]] == ["NOT_RECEIVED"]
    return inv


def test_a_confirmed_delivery_counts_as_a_receipt_and_the_invoice_passes(world, staff, smtp, engine):  # noqa: F811
    inv = _not_received(world)
    due = date.today() + timedelta(days=5)
    r = world.client.post(f"/v1/invoices/{inv['id']}/forward", headers=world.reviewer,
                          json={"assignee": "bert", "due_date": due.isoformat(), "note": "Stoelen geleverd?"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "confirm" and r.json()["status"] == "open" and r.json()["assignee_name"] == "Bert Budget"
    # Bert reads English: the mail is in English, with a link to the invoice
    [mail] = smtp.messages(wait_for=1)
    assert mail["To"] == "bert@gemeente.example" and mail["Subject"] == "E-invoices: invoice F-PV-1"
    body = mail.get_payload(decode=True).decode()
    assert "confirm by" in body and "F-PV-1" in body and "Kantoor B.V." in body
    assert f"https://efacturen.gemeente.example/ui/invoices/{inv['id']}" in body

    c = world.client.post(f"/v1/invoices/{inv['id']}/delivery/confirm", headers=world.reviewer, json={"note": "ok"})
    assert c.status_code == 200, c.text
    out = c.json()
    assert out["invoice_status"] == "approved" and out["reason_codes"] == []
    assert out["handover"]["status"] == "confirmed" and out["handover"]["receipt_id"].startswith("PV-F-PV-1-")
    # the receipt: source prestatieverklaring, the shortfall of 5, by the confirming key
    receipt = world.client.get(f"/v1/goods-receipts/{out['handover']['receipt_id']}", headers=world.erp).json()
    assert receipt["source"] == "prestatieverklaring"
    assert [(ln["po_line_id"], Decimal(ln["quantity"])) for ln in receipt["lines"]] == [("10", Decimal(5))]
    with Session(engine) as s:
        assert s.exec(select(GoodsReceipt.created_by)).all() == ["key:" + world.reviewer["Authorization"].split("_")[1]]
    decision = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert decision["trigger"] == "prestatieverklaring" and decision["outcome"] == "approve"
    events = world.client.get("/v1/events", headers=world.erp).json()["data"]
    assert [e["to"] for e in events if e["invoice_id"] == inv["id"]][-1] == "approved"
    # asking again: nothing open any more
    again = world.client.post(f"/v1/invoices/{inv['id']}/delivery/confirm", headers=world.reviewer, json={})
    assert again.status_code == 409 and again.json()["type"] == "/problems/no-open-handover"


def test_a_declined_delivery_keeps_the_invoice_and_tells_the_requester(world, staff, smtp, engine):  # noqa: F811
    inv = _not_received(world, "F-PV-2")
    due = (date.today() + timedelta(days=3)).isoformat()
    assert world.client.post(f"/v1/invoices/{inv['id']}/forward", headers=world.reviewer,
                             json={"assignee": "bert", "due_date": due}).status_code == 201
    bad = world.client.post(f"/v1/invoices/{inv['id']}/delivery/decline", headers=world.reviewer, json={"reason": ""})
    assert bad.status_code == 422
    r = world.client.post(f"/v1/invoices/{inv['id']}/delivery/decline", headers=world.reviewer,
                          json={"reason": "Nog niet geleverd"})
    assert r.status_code == 200 and r.json()["status"] == "declined" and r.json()["resolution"] == "Nog niet geleverd"
    assert world.get(inv["id"])["status"] == "needs_review"
    listed = world.client.get(f"/v1/invoices/{inv['id']}/handovers", headers=world.erp).json()["data"]
    assert [(h["kind"], h["status"]) for h in listed] == [("confirm", "declined")]
    with Session(engine) as s:  # a key asked: no person to notify of the answer, only the budget holder was
        assert [n.kind for n in s.exec(select(Notification)).all()] == ["confirm_requested"]


def test_assigning_needs_a_colleague_of_the_organisation_and_replaces_the_earlier(world, staff, smtp):  # noqa: F811
    inv = _not_received(world, "F-AS-1")
    unknown = world.client.post(f"/v1/invoices/{inv['id']}/assign", headers=world.reviewer, json={"assignee": "zed"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "assignee"]
    assert world.client.post(f"/v1/invoices/{inv['id']}/assign", headers=world.reviewer,
                             json={"assignee": "cora"}).status_code == 201
    assert world.client.post(f"/v1/invoices/{inv['id']}/assign", headers=world.reviewer,
                             json={"assignee": "anna", "note": "Jij kent deze leverancier"}).status_code == 201
    listed = world.client.get(f"/v1/invoices/{inv['id']}/handovers", headers=world.reviewer).json()["data"]
    assert [(h["assignee"], h["status"]) for h in listed] == [("cora", "replaced"), ("anna", "open")]
    # Cora has no address: only Anna's mail, in Dutch
    [mail] = smtp.messages(wait_for=1)
    assert mail["To"] == "anna@gemeente.example" and mail["Subject"] == "E-facturen: factuur F-AS-1"
    assert "heeft factuur F-AS-1 van Kantoor B.V. aan u toegewezen" in mail.get_payload(decode=True).decode()
    assert world.client.post(f"/v1/invoices/{inv['id']}/assign", headers=world.erp,
                             json={"assignee": "anna"}).status_code == 403


def test_a_due_date_in_the_past_is_refused(world, staff):  # noqa: F811
    inv = _not_received(world, "F-PV-3")
    r = world.client.post(f"/v1/invoices/{inv['id']}/forward", headers=world.reviewer,
                          json={"assignee": "bert", "due_date": (date.today() - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "due_date"]
