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


def test_linking_an_invoice_with_an_unknown_order_matches_it_with_the_right_one(world):  # noqa: F811
    line = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"))
    world.order("PO-LINK-1", line)
    inv = world.post(world.doc("F-LINK-1", "PO-TYPO-1", line.invoice_line("1", Decimal(5))))
    assert inv["status"] == "needs_review"
    r = world.client.post(f"/v1/invoices/{inv['id']}/order", json={"order_number": "PO-LINK-1"}, headers=world.reviewer)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and r.json()["order_number"] == "PO-LINK-1"
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert d["trigger"] == "order linked" and d["order_number"] == "PO-LINK-1"
    comments = world.client.get(f"/v1/invoices/{inv['id']}/comments", headers=world.reviewer).json()["data"]
    assert [c["text"] for c in comments] == ["order: PO-TYPO-1 → PO-LINK-1"]


def test_a_linked_order_stays_linked_for_later_rematches(world):  # noqa: F811
    right = PoLine("1", "Beamer", Decimal(4), price=Decimal("800.00"), receipt_required=True)
    world.order("PO-RIGHT", right)
    world.order("PO-WRONG", PoLine("1", "Toner", Decimal(4), price=Decimal("20.00")))
    inv = world.post(world.doc("F-LINK-2", "PO-WRONG", right.invoice_line("1", Decimal(4))))
    assert inv["status"] == "needs_review"
    r = world.client.post(f"/v1/invoices/{inv['id']}/order", json={"order_number": "PO-RIGHT"}, headers=world.reviewer)
    assert r.json()["status"] == "needs_review" and r.json()["reason_codes"] == ["NOT_RECEIVED"]
    # the delivery is confirmed on the linked order: the automatic re-match uses the link, not BT-13
    receipt = {"receipt_id": "GR-LINK-2", "po_number": "PO-RIGHT", "date": "2026-02-10",
               "lines": [{"po_line_id": "1", "quantity": "4"}]}
    assert world.client.post("/v1/goods-receipts", json=receipt, headers=world.erp).status_code == 201
    assert world.get(inv["id"])["status"] == "approved"


def test_linking_an_unknown_order_changes_nothing(world):  # noqa: F811
    inv = _flagged(world)
    r = world.client.post(f"/v1/invoices/{inv['id']}/order", json={"order_number": "PO-NONE"}, headers=world.reviewer)
    assert r.status_code == 404 and r.json()["type"] == "/problems/purchase-order-not-found"
    assert world.get(inv["id"])["purchase_order"] == "PO-HAND-1"
    assert world.client.post(f"/v1/invoices/{inv['id']}/order", json={"order_number": "PO-HAND-1"},
                             headers=world.erp).status_code == 403


def test_the_workspace_links_an_order(world, bare_client, user):  # noqa: F811
    line = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"))
    world.order("PO-LINK-3", line)
    inv = world.post(world.doc("F-LINK-3", "PO-TYPO-3", line.invoice_line("1", Decimal(5))))
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{inv['id']}")
    token = csrf_of(page.text)
    wrong = bare_client.post(f"/ui/invoices/{inv['id']}/order", data={"csrf_token": token, "order_number": "PO-X"})
    assert "Die order bestaat niet" in wrong.text
    done = bare_client.post(f"/ui/invoices/{inv['id']}/order", data={"csrf_token": token, "order_number": "PO-LINK-3"})
    assert "is aan de order gekoppeld en nu goedgekeurd" in done.text
    assert world.get(inv["id"])["status"] == "approved"


def test_the_trail_tells_a_linked_order_in_the_readers_language(world, bare_client, user, engine):  # noqa: F811
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from service.models.workspace import Language
    from service.ui import accounts

    with Session(engine) as s:
        accounts.create_user(s, username="ben", password="correct horse battery staple", display_name="Ben Brown",
                             language=Language.en)
        s.commit()
    line = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"))
    world.order("PO-LINK-9", line)
    inv = world.post(world.doc("F-LINK-9", "PO-TYPO-9", line.invoice_line("1", Decimal(5))))
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{inv['id']}")
    r = bare_client.post(f"/ui/invoices/{inv['id']}/order",
                         data={"csrf_token": csrf_of(page.text), "order_number": "PO-LINK-9"})
    assert r.status_code == 200 and "nu goedgekeurd" in r.text
    dutch = r.text
    assert "Order gekoppeld: PO-TYPO-9 → PO-LINK-9" in dutch and "order: PO-TYPO-9" not in dutch
    # the system's approval names the step and the person, not "order linked (user:anna)"
    assert "Order gekoppeld (Anna de Vries)" in dutch and "order linked (" not in dutch
    english = TestClient(bare_client.app, base_url="https://testserver")
    login(english, username="ben")
    text = english.get(f"/ui/invoices/{inv['id']}").text
    assert "Order linked: PO-TYPO-9 → PO-LINK-9" in text and "Order linked (Anna de Vries)" in text
    assert "Order gekoppeld" not in text
    # a comment that only looks like one stays a comment
    english.post(f"/ui/invoices/{inv['id']}/comment", data={"csrf_token": csrf_of(text), "comment": "order: A → B"})
    assert "Comment: order: A → B" in english.get(f"/ui/invoices/{inv['id']}").text


def _trail_rows(html: str) -> list[str]:
    """The text of each row of the invoice page's audit trail (tags and whitespace folded)."""
    import re

    section = html.split('id="trail"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1], re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_the_trail_tells_the_intakes_decision_in_the_readers_language(world, bare_client, user, engine):  # noqa: F811
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from service.models.workspace import Language
    from service.ui import accounts

    with Session(engine) as s:
        accounts.create_user(s, username="ben", password="correct horse battery staple", display_name="Ben Brown",
                             language=Language.en)
        s.commit()
    inv = _flagged(world)
    decision = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    login(bare_client)
    [dutch] = [row for row in _trail_rows(bare_client.get(f"/ui/invoices/{inv['id']}").text) if "matching" in row]
    version = decision["engine_version"].removeprefix("matching-")
    assert f"Automatisch gematcht (matching {version}), beslissing {decision['id']}" in dutch
    # no English left in the entry: not the stored note, not its words
    assert "matching-" not in dutch and not {"decision", "matched", "automatically", "system"} & set(dutch.lower().split())
    assert " Systeem " in f" {dutch} "  # the actor too
    english = TestClient(bare_client.app, base_url="https://testserver")
    login(english, username="ben")
    [row] = [row for row in _trail_rows(english.get(f"/ui/invoices/{inv['id']}").text) if "matching" in row]
    assert f"Matched automatically (matching {version}), decision {decision['id']}" in row
    assert "gematcht" not in row and "beslissing" not in row and " System " in f" {row} "
