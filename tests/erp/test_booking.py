"""POST /v1/invoices/{id}/booked and /paid: approved -> booked -> paid, 409 with the allowed ones."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from service.db import unit_of_work
from service.booking import payment_days, share_paid_within
from service.models.erp import ErpInvoiceState
from service.models.invoices import AuditEvent, Invoice
from tests.erp.helpers import S, committed_invoice
from tests.workspace.test_pages import user  # noqa: F401  (fixture)


def book(client, inv, key, number="ERP-2026-0001", **extra):
    return client.post(f"/v1/invoices/{inv}/booked", json={"erp_document_number": number} | extra, headers=key)


def pay(client, inv, key, day="2026-11-20", amount="121.00", **extra):
    return client.post(f"/v1/invoices/{inv}/paid", json={"payment_date": day, "amount": amount} | extra, headers=key)


class TestBooked:
    def test_approved_invoice_is_booked_with_its_erp_document_number(self, bare_client, engine, make_key):
        inv = committed_invoice(engine)
        r = book(bare_client, inv, make_key("erp"))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "booked" and body["erp_document_number"] == "ERP-2026-0001"
        assert body["changed"] is True and body["links"]["invoice"] == f"/v1/invoices/{inv}"
        with Session(engine) as s:
            assert s.get(Invoice, inv).status is S.booked
            last = s.exec(select(AuditEvent).where(AuditEvent.invoice_id == inv)
                          .order_by(AuditEvent.at.desc())).first()
            assert (last.from_status, last.to_status) == (S.approved, S.booked)
            assert last.actor.startswith("key:") and "ERP-2026-0001" in last.comment

    def test_the_same_report_again_changes_nothing(self, bare_client, engine, make_key):
        key = make_key("erp")
        inv = committed_invoice(engine)
        first = book(bare_client, inv, key).json()
        again = book(bare_client, inv, key)
        assert again.status_code == 200 and again.json()["changed"] is False
        assert again.json()["version"] == first["version"]
        events = bare_client.get("/v1/events", headers=key).json()["data"]
        assert [e["to"] for e in events].count("booked") == 1

    def test_another_document_number_for_a_booked_invoice_is_409(self, bare_client, engine, make_key):
        key = make_key("erp")
        inv = committed_invoice(engine)
        book(bare_client, inv, key)
        r = book(bare_client, inv, key, number="ERP-OTHER")
        assert r.status_code == 409
        p = r.json()
        assert p["type"] == "/problems/illegal-transition" and p["allowed"] == ["paid"]
        assert p["current_status"] == "booked" and p["erp_document_number"] == "ERP-2026-0001"

    @pytest.mark.parametrize("path,allowed", [
        ((S.needs_review,), ["approved", "awaiting_approval", "on_hold", "rejected"]),
        ((S.rejected,), []),
        ((S.needs_review, S.on_hold), ["approved", "awaiting_approval", "needs_review", "rejected"]),
        ((), ["approved", "needs_review", "rejected"]),
    ])
    def test_an_invoice_that_is_not_approved_cannot_be_booked(self, bare_client, engine, make_key, path, allowed):
        inv = committed_invoice(engine, path=path)
        r = book(bare_client, inv, make_key("erp"))
        assert r.status_code == 409
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["allowed"] == allowed
        with Session(engine) as s:
            assert s.get(ErpInvoiceState, inv) is None

    def test_unknown_invoice_is_404(self, bare_client, make_key):
        r = book(bare_client, uuid.uuid4(), make_key("erp"))
        assert r.status_code == 404 and r.json()["type"] == "/problems/invoice-not-found"

    @pytest.mark.parametrize("body", [{}, {"erp_document_number": ""}, {"erp_document_number": "x" * 201}])
    def test_a_missing_document_number_is_422(self, bare_client, engine, make_key, body):
        inv = committed_invoice(engine)
        r = bare_client.post(f"/v1/invoices/{inv}/booked", json=body, headers=make_key("erp"))
        assert r.status_code == 422

    def test_only_erp_and_admin_keys_acknowledge(self, bare_client, engine, make_key):
        inv = committed_invoice(engine)
        assert book(bare_client, inv, {}).status_code == 401
        for role in ("reviewer", "gateway"):
            assert book(bare_client, inv, make_key(role)).status_code == 403
        assert book(bare_client, inv, make_key("supplier", supplier_id=uuid.uuid4())).status_code == 403
        assert book(bare_client, inv, make_key("admin")).status_code == 200


class TestPaid:
    def test_booked_invoice_is_paid_with_date_and_amount(self, bare_client, engine, make_key):
        key = make_key("erp")
        inv = committed_invoice(engine)
        book(bare_client, inv, key)
        r = pay(bare_client, inv, key, reference="BANK-77")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "paid" and body["payment_date"] == "2026-11-20"
        assert Decimal(body["paid_amount"]) == Decimal("121.00") and isinstance(body["paid_amount"], str)
        assert body["erp_document_number"] == "ERP-2026-0001" and body["payment_reference"] == "BANK-77"
        with Session(engine) as s:
            state = s.get(ErpInvoiceState, inv)
            assert state.payment_date == date(2026, 11, 20) and state.paid_amount == Decimal("121")
        events = bare_client.get("/v1/events", headers=key).json()["data"]
        assert [(e["from"], e["to"]) for e in events][-2:] == [("approved", "booked"), ("booked", "paid")]

    def test_paying_an_approved_invoice_before_booking_is_409(self, bare_client, engine, make_key):
        inv = committed_invoice(engine)
        r = pay(bare_client, inv, make_key("erp"))
        assert r.status_code == 409 and r.json()["allowed"] == ["booked"] and r.json()["current_status"] == "approved"

    def test_repeating_the_payment_is_safe_and_a_different_one_is_409(self, bare_client, engine, make_key):
        key = make_key("erp")
        inv = committed_invoice(engine)
        book(bare_client, inv, key)
        pay(bare_client, inv, key)
        again = pay(bare_client, inv, key, amount=121)  # numbers are accepted too
        assert again.status_code == 200 and again.json()["changed"] is False
        other = pay(bare_client, inv, key, amount="100.00")
        assert other.status_code == 409 and other.json()["allowed"] == [] and other.json()["amount"] == "121"
        assert book(bare_client, inv, key).json()["status"] == "paid"  # booking retry after payment: same state

    @pytest.mark.parametrize("day,amount", [
        ((date.today() + timedelta(days=5)).isoformat(), "1.00"),
        ("2026-13-01", "1.00"),
        ("2026-11-20", "-5"),
        ("2026-11-20", "abc"),
        ("2026-11-20", "NaN"),
    ])
    def test_bad_payments_are_422(self, bare_client, engine, make_key, day, amount):
        key = make_key("erp")
        inv = committed_invoice(engine)
        book(bare_client, inv, key)
        r = pay(bare_client, inv, key, day=day, amount=amount)
        assert r.status_code == 422, r.text


def test_paid_dates_feed_the_30_day_payment_term_figures(engine):
    from service.booking import book as do_book, pay as do_pay

    ids = [committed_invoice(engine) for _ in range(3)]
    with unit_of_work(engine) as s:
        for inv_id, days in zip(ids, (10, 30, 45)):
            received = s.get(Invoice, inv_id).created_at.date()
            do_book(s, inv_id, erp_document_number=f"E{days}", actor="erp")
            do_pay(s, inv_id, payment_date=received + timedelta(days=days), amount=Decimal("1"), actor="erp")
    with Session(engine) as s:
        assert sorted(d for _, d in payment_days(s)) == [10, 30, 45]
        assert share_paid_within(s, 30) == (2, 3)


def test_the_trail_tells_the_booking_and_the_payment_in_the_readers_language(bare_client, engine, make_key, user):  # noqa: F811
    from fastapi.testclient import TestClient

    from service.models.workspace import Language, StaffUser
    from tests.matching.test_rematch_by_hand import _trail_rows
    from tests.workspace.test_pages import login

    key = make_key("erp")
    inv = committed_invoice(engine)
    assert book(bare_client, inv, key, number="ERP-2026-0042").status_code == 200
    assert pay(bare_client, inv, key, day="2026-11-20", amount="1210.50", reference="BANK-77").status_code == 200
    login(bare_client)
    rows = _trail_rows(bare_client.get(f"/ui/invoices/{inv}").text)
    [booked] = [r for r in rows if "ERP-2026-0042" in r]
    [paid] = [r for r in rows if "BANK-77" in r]
    assert "Geboekt in het ERP als ERP-2026-0042" in booked and "booked in" not in booked
    assert "Betaald: € 1.210,50 op 20 nov 2026 (kenmerk BANK-77)" in paid and "paid " not in paid
    with Session(engine) as s:
        anna = s.exec(select(StaffUser).where(StaffUser.username == "anna")).one()
        anna.language = Language.en
        s.add(anna)
        s.commit()
    english = TestClient(bare_client.app, base_url="https://testserver")
    login(english)
    rows = _trail_rows(english.get(f"/ui/invoices/{inv}").text)
    assert any("Booked in the ERP as ERP-2026-0042" in r for r in rows)
    assert any("Paid: €1,210.50 on " in r and "(reference BANK-77)" in r for r in rows)
