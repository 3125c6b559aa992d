"""A reviewer has an invoice matched again: recorded in /decision with the reviewer as actor, approved
by the system when it passes now, refused for invoices not under review; the same from the workspace."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from bench.matching_corpus.orders import PoLine
from service.models.masterdata import PurchaseOrderLine
from tests.matching.test_api import World, world  # noqa: F401  (fixture)
from tests.workspace.test_pages import csrf_of, login, user  # noqa: F401  (fixture)


def _flagged(world) -> dict:  # noqa: F811
    line = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"))
    world.order("PO-HAND-1", line)
    inv = world.post(world.doc("F-HAND-1", "PO-HAND-1", line.invoice_line("1", Decimal(5), price=Decimal("160.00"))))
    assert inv["status"] == "needs_review" and [r["code"] for r in inv["reasons"]] == ["PRICE_VARIANCE"]
    return inv


def test_a_rematch_by_hand_is_recorded_even_when_nothing_changed(world):  # noqa: F811
    inv = _flagged(world)
    r = world.client.post(f"/v1/invoices/{inv['id']}/rematch", headers=world.reviewer)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "needs_review" and r.json()["reason_codes"] == ["PRICE_VARIANCE"]
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert d["trigger"] == "manual re-match" and [h["trigger"] for h in d["history"]] == ["intake"]


def test_a_rematch_by_hand_approves_when_the_order_now_agrees(world, session):  # noqa: F811
    inv = _flagged(world)
    # the order's price corrected in the ERP's database, without anything telling the service
    for row in session.exec(select(PurchaseOrderLine)).all():
        row.unit_price = Decimal("160.00")
        session.add(row)
    session.commit()
    r = world.client.post(f"/v1/invoices/{inv['id']}/rematch", headers=world.reviewer)
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["reason_codes"] == []
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert d["trigger"] == "manual re-match" and d["outcome"] == "approve"
    # approved now: not under review any more
    again = world.client.post(f"/v1/invoices/{inv['id']}/rematch", headers=world.reviewer)
    assert again.status_code == 409 and again.json()["type"] == "/problems/illegal-transition"


def test_only_reviewers_rematch_and_unknown_is_404(world):  # noqa: F811
    inv = _flagged(world)
    assert world.client.post(f"/v1/invoices/{inv['id']}/rematch", headers=world.erp).status_code == 403
    r = world.client.post("/v1/invoices/00000000-0000-0000-0000-000000000000/rematch", headers=world.reviewer)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_the_workspace_button_rematches(world, bare_client, user):  # noqa: F811
    inv = _flagged(world)
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{inv['id']}")
    assert 'id="rematch-form"' in page.text and "Opnieuw matchen" in page.text
    r = bare_client.post(f"/ui/invoices/{inv['id']}/rematch", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "is opnieuw gematcht en blijft ter beoordeling" in r.text
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert d["trigger"] == "manual re-match" and [h["trigger"] for h in d["history"]] == ["intake"]
