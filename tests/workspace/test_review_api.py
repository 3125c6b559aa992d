"""POST /v1/invoices/{id}/approve | reject | hold and comments, through the lifecycle."""

from __future__ import annotations

from sqlmodel import select

from service.models.invoices import AuditEvent, Invoice
from service.review import clarification_codes
from tests.workspace.factories import make_invoice, not_received, price_variance


def _events(session, invoice_id):
    session.expire_all()
    return session.exec(select(AuditEvent).where(AuditEvent.invoice_id == invoice_id).order_by(AuditEvent.at)).all()


def test_reviewer_approves_with_an_optional_comment(bare_client, session, make_key):
    inv = make_invoice(session)
    r = bare_client.post(f"/v1/invoices/{inv.id}/approve", json={"comment": "prijs afgesproken"},
                         headers=make_key("reviewer"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "approved" and body["event"]["from"] == "needs_review"
    assert body["event"]["comment"] == "prijs afgesproken" and body["event"]["actor"].startswith("key:")
    last = _events(session, inv.id)[-1]
    assert (last.from_status.value, last.to_status.value, last.comment) == ("needs_review", "approved", "prijs afgesproken")


def test_approve_without_a_body(bare_client, session, make_key):
    inv = make_invoice(session)
    r = bare_client.post(f"/v1/invoices/{inv.id}/approve", headers=make_key("reviewer"))
    assert r.status_code == 200, r.text
    assert r.json()["event"]["comment"] is None


def test_reject_needs_a_reason(bare_client, session, make_key):
    inv = make_invoice(session)
    r = bare_client.post(f"/v1/invoices/{inv.id}/reject", json={}, headers=make_key("reviewer"))
    assert r.status_code == 422
    r = bare_client.post(f"/v1/invoices/{inv.id}/reject", json={"reason": "   "}, headers=make_key("reviewer"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    session.expire_all()
    assert session.get(Invoice, inv.id).status.value == "needs_review"


def test_reject_stores_reason_codes_for_the_invoice_response(bare_client, session, make_key):
    inv = make_invoice(session, reasons=[price_variance(), not_received()])
    r = bare_client.post(f"/v1/invoices/{inv.id}/reject",
                         json={"reason": "Prijs klopt niet", "reason_codes": ["PRICE_VARIANCE"]},
                         headers=make_key("reviewer"))
    assert r.status_code == 200, r.text
    assert r.json()["event"]["reason_codes"] == ["PRICE_VARIANCE"]
    assert r.json()["event"]["clarification_codes"] == ["PRI"]
    last = _events(session, inv.id)[-1]
    assert last.to_status.value == "rejected" and last.reason_codes == ["PRICE_VARIANCE"]
    assert last.comment == "Prijs klopt niet"


def test_reject_defaults_to_the_failed_checks(bare_client, session, make_key):
    inv = make_invoice(session, reasons=[price_variance(), not_received(), price_variance("3")])
    r = bare_client.post(f"/v1/invoices/{inv.id}/reject", json={"reason": "no"}, headers=make_key("reviewer"))
    assert r.json()["event"]["reason_codes"] == ["PRICE_VARIANCE", "NOT_RECEIVED"]
    assert r.json()["event"]["clarification_codes"] == ["PRI", "DEL"]


def test_unknown_reason_code_is_refused(bare_client, session, make_key):
    inv = make_invoice(session)
    r = bare_client.post(f"/v1/invoices/{inv.id}/reject", json={"reason": "x", "reason_codes": ["NOPE"]},
                         headers=make_key("reviewer"))
    assert r.status_code == 422


def test_hold_then_approve_from_hold(bare_client, session, make_key):
    inv = make_invoice(session)
    key = make_key("reviewer")
    assert bare_client.post(f"/v1/invoices/{inv.id}/hold", json={"comment": "wacht op creditnota"},
                            headers=key).json()["status"] == "on_hold"
    assert bare_client.post(f"/v1/invoices/{inv.id}/approve", headers=key).json()["status"] == "approved"
    assert [e.to_status.value for e in _events(session, inv.id)] == ["needs_review", "on_hold", "approved"]


def test_deciding_twice_is_an_illegal_transition(bare_client, session, make_key):
    inv = make_invoice(session)
    key = make_key("reviewer")
    assert bare_client.post(f"/v1/invoices/{inv.id}/approve", headers=key).status_code == 200
    r = bare_client.post(f"/v1/invoices/{inv.id}/reject", json={"reason": "x"}, headers=key)
    assert r.status_code == 409
    assert r.json()["type"] == "/problems/illegal-transition"


def test_stale_version_is_a_conflict(bare_client, session, make_key):
    inv = make_invoice(session)
    r = bare_client.post(f"/v1/invoices/{inv.id}/approve", json={"version": inv.version - 1},
                         headers=make_key("reviewer"))
    assert r.status_code == 409 and r.json()["type"] == "/problems/stale-invoice"


def test_other_roles_may_not_review(bare_client, session, make_key):
    inv = make_invoice(session)
    for role in ("erp", "gateway"):
        assert bare_client.post(f"/v1/invoices/{inv.id}/approve", headers=make_key(role)).status_code == 403
    assert bare_client.post(f"/v1/invoices/{inv.id}/approve").status_code == 401
    assert bare_client.post(f"/v1/invoices/{inv.id}/approve", headers=make_key("admin")).status_code == 200


def test_unknown_invoice_is_404(bare_client, make_key):
    r = bare_client.post("/v1/invoices/00000000-0000-0000-0000-000000000000/hold", headers=make_key("reviewer"))
    assert r.status_code == 404


def test_comments_are_added_and_listed_without_status_change(bare_client, session, make_key):
    inv = make_invoice(session)
    key = make_key("reviewer")
    r = bare_client.post(f"/v1/invoices/{inv.id}/comments", json={"text": "Gebeld met leverancier"}, headers=key)
    assert r.status_code == 201, r.text
    listed = bare_client.get(f"/v1/invoices/{inv.id}/comments", headers=key).json()
    assert [c["text"] for c in listed["data"]] == ["Gebeld met leverancier"]
    assert listed["next_cursor"] is None
    assert bare_client.get(f"/v1/invoices/{inv.id}/comments", headers=make_key("erp")).status_code == 200
    assert bare_client.post(f"/v1/invoices/{inv.id}/comments", json={"text": ""}, headers=key).status_code == 422
    session.expire_all()
    assert session.get(Invoice, inv.id).status.value == "needs_review"


def test_clarification_codes_cover_every_reason_code():
    from service.reasons import ReasonCode
    from service.review import CLARIFICATION

    assert set(CLARIFICATION) == set(ReasonCode)
    assert clarification_codes([]) == ["OTH"]
    assert clarification_codes(["BANK_ACCOUNT_UNVERIFIED", "UNKNOWN"]) == ["PAY", "OTH"]
