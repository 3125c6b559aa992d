"""Resolving an invoice line by hand (#17): pairing it with an order line that matching could not
find (honoured on every later re-match), and accepting a price or quantity variance with a reason
(recorded as such; the approval that follows goes through the four-eyes rules)."""

from __future__ import annotations

from decimal import Decimal

from bench.matching_corpus.orders import PoLine
from tests.matching.test_api import World, world  # noqa: F401  (fixture)
from tests.workspace.test_pages import csrf_of, login, user  # noqa: F401  (fixture)

CHAIR = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"))
LAMP = PoLine("20", "Bureaulamp", Decimal(20), price=Decimal("40.00"))


def _unpaired(world, number: str = "F-PAIR-1", po: str = "PO-PAIR-1", chair: PoLine = CHAIR) -> dict:  # noqa: F811
    world.order(po, chair, LAMP)
    # the supplier's own wording and no order line reference: nothing to pair it by
    inv = world.post(world.doc(number, po, chair.invoice_line("1", Decimal(5), ref=False, name="Ergonomische zetel")))
    assert inv["status"] == "needs_review" and [r["code"] for r in inv["reasons"]] == ["LINE_NOT_MATCHED"]
    return inv


def test_a_line_paired_by_hand_is_matched_recorded_and_approved(world):  # noqa: F811
    inv = _unpaired(world)
    r = world.client.post(f"/v1/invoices/{inv['id']}/lines/1/pairing", json={"order_line_id": "10"},
                          headers=world.reviewer)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and r.json()["reason_codes"] == []
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert d["trigger"] == "line paired" and d["actor"].startswith("key:")
    assert d["pairing"] == {"1": "10"}
    assert d["manual_pairings"] == [{"line_id": "1", "order_line_id": "10", "actor": d["actor"]}]
    assert [c["actual"] for c in d["checks"] if c["name"] == "line_pairing"] == ["manual"]
    comments = world.client.get(f"/v1/invoices/{inv['id']}/comments", headers=world.reviewer).json()["data"]
    assert [c["text"] for c in comments] == ["regel 1 → orderregel 10 / line 1 → order line 10"]


def test_a_manual_pairing_is_honoured_by_later_rematches(world):  # noqa: F811
    chair = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"), receipt_required=True)
    inv = _unpaired(world, "F-PAIR-2", "PO-PAIR-2", chair)
    r = world.client.post(f"/v1/invoices/{inv['id']}/lines/1/pairing", json={"order_line_id": "10"},
                          headers=world.reviewer)
    assert r.json()["status"] == "needs_review" and r.json()["reason_codes"] == ["NOT_RECEIVED"]
    receipt = {"receipt_id": "GR-PAIR-2", "po_number": "PO-PAIR-2", "date": "2026-02-10",
               "lines": [{"po_line_id": "10", "quantity": "5"}]}
    assert world.client.post("/v1/goods-receipts", json=receipt, headers=world.erp).status_code == 201
    assert world.get(inv["id"])["status"] == "approved"  # the automatic re-match paired line 1 the same way
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert d["trigger"] == "re-match" and d["pairing"] == {"1": "10"} and d["manual_pairings"]


def test_pairing_refuses_unknown_lines_and_decided_invoices(world):  # noqa: F811
    inv = _unpaired(world, "F-PAIR-3", "PO-PAIR-3")
    url = f"/v1/invoices/{inv['id']}/lines"
    bad_order_line = world.client.post(f"{url}/1/pairing", json={"order_line_id": "99"}, headers=world.reviewer)
    assert bad_order_line.status_code == 422 and bad_order_line.headers["content-type"].startswith(
        "application/problem+json")
    bad_line = world.client.post(f"{url}/7/pairing", json={"order_line_id": "10"}, headers=world.reviewer)
    assert bad_line.status_code == 422
    assert world.client.post(f"{url}/1/pairing", json={"order_line_id": "10"}, headers=world.erp).status_code == 403
    assert world.get(inv["id"])["status"] == "needs_review"
    assert world.client.post(f"{url}/1/pairing", json={"order_line_id": "10"}, headers=world.reviewer).status_code == 200
    again = world.client.post(f"{url}/1/pairing", json={"order_line_id": "20"}, headers=world.reviewer)
    assert again.status_code == 409 and again.json()["type"] == "/problems/illegal-transition"


def _price_variance(world, number: str, po: str, quantity: Decimal = Decimal(5)) -> dict:  # noqa: F811
    line = PoLine("10", "Bureaustoel", Decimal(500), price=Decimal("150.00"))
    world.order(po, line)
    inv = world.post(world.doc(number, po, line.invoice_line("1", quantity, price=Decimal("160.00"))))
    assert inv["status"] == "needs_review" and [r["code"] for r in inv["reasons"]] == ["PRICE_VARIANCE"]
    return inv


def test_an_accepted_price_variance_is_recorded_and_approved_by_the_person(world):  # noqa: F811
    inv = _price_variance(world, "F-ACC-1", "PO-ACC-1")
    body = {"code": "PRICE_VARIANCE", "reason": "Prijsverhoging per 1 januari afgesproken met inkoop"}
    r = world.client.post(f"/v1/invoices/{inv['id']}/lines/1/accept", json=body, headers=world.reviewer)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert d["trigger"] == "variance accepted" and d["outcome"] == "review"  # the machine did not approve it
    price = next(c for c in d["checks"] if c["name"] == "price")
    assert price["outcome"] == "fail" and price["accepted"] == f"{d['actor']}: {body['reason']}"
    assert d["accepted_variances"] == [{"line_id": "1", "code": "PRICE_VARIANCE", "reason": body["reason"],
                                        "actor": d["actor"]}]
    assert [(a["step"], a["actor"], a["overridden"]) for a in d["approvals"]] == [
        ("single", d["actor"], ["PRICE_VARIANCE"])]
    events = world.client.get("/v1/events", headers=world.erp).json()["data"]
    last = [e for e in events if e["invoice_id"] == inv["id"]][-1]
    assert last["to"] == "approved" and last["actor"] == d["actor"]


def test_an_accepted_variance_does_not_bypass_four_eyes(world, make_key):  # noqa: F811
    inv = _price_variance(world, "F-ACC-2", "PO-ACC-2", quantity=Decimal(200))  # 200 x 160 + VAT >= 25,000
    body = {"code": "PRICE_VARIANCE", "reason": "Meerprijs akkoord"}
    r = world.client.post(f"/v1/invoices/{inv['id']}/lines/1/accept", json=body, headers=world.reviewer)
    assert r.status_code == 200 and r.json()["status"] == "awaiting_approval"
    same = world.client.post(f"/v1/invoices/{inv['id']}/approve", json={}, headers=world.reviewer)
    assert same.status_code == 409 and same.json()["type"] == "/problems/second-approver-required"
    other = world.client.post(f"/v1/invoices/{inv['id']}/approve", json={}, headers=make_key("reviewer"))
    assert other.status_code == 200 and other.json()["status"] == "approved"


def test_an_acceptance_with_other_checks_open_leaves_the_invoice_under_review(world):  # noqa: F811
    line = PoLine("10", "Bureaustoel", Decimal(5), price=Decimal("150.00"))
    world.order("PO-ACC-3", line)
    inv = world.post(world.doc("F-ACC-3", "PO-ACC-3", line.invoice_line("1", Decimal(8), price=Decimal("160.00"))))
    assert {r["code"] for r in inv["reasons"]} == {"PRICE_VARIANCE", "QUANTITY_EXCEEDS_ORDERED"}
    url = f"/v1/invoices/{inv['id']}/lines/1/accept"
    r = world.client.post(url, json={"code": "PRICE_VARIANCE", "reason": "akkoord"}, headers=world.reviewer)
    assert r.status_code == 200 and r.json()["status"] == "needs_review"
    reasons = world.get(inv["id"])["reasons"]
    assert {r["code"] for r in reasons} == {"PRICE_VARIANCE", "QUANTITY_EXCEEDS_ORDERED"}
    # a manual re-match keeps the acceptance: it is an input of every decision from now on
    world.client.post(f"/v1/invoices/{inv['id']}/rematch", headers=world.reviewer)
    d = world.client.get(f"/v1/invoices/{inv['id']}/decision", headers=world.erp).json()
    assert [c["code"] for c in d["checks"] if c["accepted"]] == ["PRICE_VARIANCE"]
    # not open on this line / not acceptable / no reason: 422
    for bad in ({"code": "QUANTITY_EXCEEDS_RECEIVED", "reason": "x"}, {"code": "VAT_MISMATCH", "reason": "x"},
                {"code": "QUANTITY_EXCEEDS_ORDERED", "reason": "  "}):
        refused = world.client.post(url, json=bad, headers=world.reviewer)
        assert refused.status_code == 422, bad
    r = world.client.post(url, json={"code": "QUANTITY_EXCEEDS_ORDERED", "reason": "restant wordt gecrediteerd"},
                          headers=world.reviewer)
    assert r.json()["status"] == "approved"


def test_the_workspace_pairs_a_line_and_accepts_a_variance(world, bare_client, user):  # noqa: F811
    inv = _unpaired(world, "F-UI-1", "PO-UI-1")
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{inv['id']}")
    assert 'id="resolve"' in page.text and "Regel 1 koppelen aan orderregel" in page.text
    assert '<option value="10">10 · Bureaustoel</option>' in page.text
    token = csrf_of(page.text)
    wrong = bare_client.post(f"/ui/invoices/{inv['id']}/lines/1/pair", data={"csrf_token": token, "order_line_id": "77"})
    assert "kies een regel van de order" in wrong.text and world.get(inv["id"])["status"] == "needs_review"
    done = bare_client.post(f"/ui/invoices/{inv['id']}/lines/1/pair", data={"csrf_token": token, "order_line_id": "10"})
    assert "Regel gekoppeld; factuur F-UI-1 is opnieuw gematcht en nu goedgekeurd." in done.text

    flagged = _price_variance(world, "F-UI-2", "PO-UI-2")
    page = bare_client.get(f"/ui/invoices/{flagged['id']}")
    assert "Prijsafwijking op regel 1 accepteren" in page.text
    done = bare_client.post(f"/ui/invoices/{flagged['id']}/lines/1/accept",
                            data={"csrf_token": token, "code": "PRICE_VARIANCE", "accept_reason": "Nieuwe prijslijst"})
    assert "Afwijking geaccepteerd en factuur F-UI-2 goedgekeurd." in done.text
    page = bare_client.get(f"/ui/invoices/{flagged['id']}")
    assert "Geaccepteerd door user:" in page.text and "Nieuwe prijslijst" in page.text
