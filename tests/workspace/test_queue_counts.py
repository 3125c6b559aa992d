"""The review queue's counts per reason code come from ``invoice_reason_codes`` (kept by the database's
triggers on invoices, migration 0038): the same counts, for every filter, as reading each queued
invoice's ``reasons`` JSON (the computation before), after inserts, status changes, new reasons,
a change of organisation and deletes; and filled by the migration for invoices stored before it."""

from __future__ import annotations

import os
import random
import uuid
from datetime import date, timedelta

from sqlalchemy import delete, exists, func, insert, literal, text, true, update
from sqlmodel import Session, select

import pytest

from service.db import make_engine
from service.lifecycle import transition
from service.migrations import upgrade
from service.models.approvals import ApprovalStep, InvoiceApproval
from service.models.base import utcnow
from service.models.invoices import AuditEvent, Invoice, InvoiceReasonCode, InvoiceStatus
from service.models.organisations import DEFAULT_ORGANISATION_ID
from service.ui import queue
from service.ui.dashboard import _reason_elements  # the JSON elements, as the queue read them before
from tests.workspace.factories import as_reasons, make_invoice, not_received, price_variance

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
OTHER_ORGANISATION = uuid.UUID(int=77)
SELLERS = ["Bouwbedrijf De Vries B.V.", "Drukkerij Jansen", "Groen BV"]
ORDERS = ["PO-1", "PO-2", None]


def _reason(code: str, line: str = "1") -> dict:
    return {"code": code, "line_id": line, "expected": "1", "actual": "2", "tolerance": None,
            "message": code, "message_nl": code, "message_en": code}


def counts_from_json(session: Session, flt: queue.QueueFilter) -> list[tuple[str, int]]:
    """The counts as the queue computed them before migration 0038: every queued invoice's JSON read."""
    conds = queue._conditions(session, flt, with_reason=False)
    elems, code_expr = _reason_elements(session)
    n = func.count(func.distinct(Invoice.id))
    stmt = (select(code_expr.label("code"), n).select_from(Invoice).join(elems, true()).where(*conds)
            .group_by(code_expr).order_by(n.desc(), code_expr))
    return [(str(c), int(k)) for c, k in session.exec(stmt) if c]


def ids_from_json(session: Session, flt: queue.QueueFilter) -> set[uuid.UUID]:
    elems, code_expr = _reason_elements(session)
    has = exists(select(literal(1)).select_from(elems).where(code_expr == flt.reason))
    return set(session.exec(select(Invoice.id).where(*queue._conditions(session, flt, with_reason=False), has)).all())


def _filters(codes: list[str]) -> list[queue.QueueFilter]:
    out = []
    for org in (DEFAULT_ORGANISATION_ID, OTHER_ORGANISATION, None):
        for status in queue.QUEUE_STATUSES:
            out.append(queue.QueueFilter(status=status, organisation_id=org))
        out += [queue.QueueFilter(organisation_id=org, supplier="jansen"),
                queue.QueueFilter(organisation_id=org, supplier="b.v.", order="PO-1"),
                queue.QueueFilter(organisation_id=org, order="PO-2"),
                queue.QueueFilter(organisation_id=org, age=10),
                queue.QueueFilter(organisation_id=org, age=5, supplier="groen"),
                queue.QueueFilter(status=InvoiceStatus.awaiting_approval.value, second=True, actor="user:anna",
                                  organisation_id=org)]
        out += [queue.QueueFilter(organisation_id=org, reason=code) for code in codes]
    return out


def assert_counts_as_from_json(session: Session, codes: list[str]) -> int:
    compared = 0
    for flt in _filters(codes):
        expected = counts_from_json(session, flt)
        assert queue._count_reasons(session, flt) == expected, flt
        if flt.reason:  # the reason filter: the same invoices, the total its count
            queue._counts_cache.clear()  # (kept until a status change; a delete is none)
            found = queue.page(session, flt, limit=1000)
            assert {i.id for i in found.rows} == ids_from_json(session, flt), flt
            assert found.total == len(found.rows), flt
        compared += sum(k for _, k in expected)
    return compared


def test_the_counts_are_those_read_from_every_invoices_reasons(session):
    rng = random.Random(17)
    codes = ["PRICE_VARIANCE", "NOT_RECEIVED", "PO_NOT_FOUND", "TOTAL_VARIANCE", "SUPPLIER_UNKNOWN"]
    statuses = [InvoiceStatus.needs_review] * 4 + [InvoiceStatus.on_hold, InvoiceStatus.awaiting_approval,
                                                   InvoiceStatus.approved, InvoiceStatus.rejected]
    invoices = []
    for i in range(48):
        picked = rng.sample(codes, rng.choice([0, 1, 1, 2, 3]))
        reasons = [_reason(c, str(k)) for k, c in enumerate(picked)]
        if picked and rng.random() < 0.3:
            reasons.append(_reason(picked[0], "9"))  # the same code on a second line: the invoice counts once
        status = rng.choice(statuses)
        inv = make_invoice(session, number=f"Q-{i}", seller=rng.choice(SELLERS), purchase_order=rng.choice(ORDERS),
                           reasons=reasons, status=status if reasons or status is not InvoiceStatus.rejected
                           else InvoiceStatus.needs_review,
                           due=date.today() + timedelta(days=rng.randrange(-5, 20)), commit=False)
        inv.created_at = utcnow() - timedelta(days=rng.randrange(0, 30))
        if rng.random() < 0.3:
            inv.organisation_id = OTHER_ORGANISATION
        session.add(inv)
        invoices.append(inv)
    session.flush()
    for inv in invoices[:20]:  # some awaiting a second approval after anna's first
        if inv.status is InvoiceStatus.awaiting_approval and rng.random() < 0.6:
            event = session.exec(select(AuditEvent).where(AuditEvent.invoice_id == inv.id)
                                 .order_by(AuditEvent.at.desc())).first()
            session.add(InvoiceApproval(invoice_id=inv.id, audit_event_id=event.id, step=ApprovalStep.first,
                                        actor="user:anna", rule_version="global:1", at=utcnow()))
    session.commit()
    assert assert_counts_as_from_json(session, codes) > 60  # (the data gives every filter something to count)

    # every kind of write keeps the table in step: decisions, new reasons, another organisation, deletes
    queued = [i for i in invoices if i.status is InvoiceStatus.needs_review]
    transition(session, queued[0], InvoiceStatus.on_hold, actor="user:anna")
    transition(session, queued[1], InvoiceStatus.approved, actor="user:anna")
    queued[2].reasons = as_reasons([price_variance(), price_variance("2"), not_received()])
    queued[3].reasons = []
    queued[4].organisation_id = OTHER_ORGANISATION
    queued[5].version += 1  # an update of none of its columns leaves the rows as they were
    for inv in queued[2:6]:
        session.add(inv)
    session.flush()
    # an invoice written and removed by SQL alone (no lifecycle, no audit trail to delete first)
    loose = make_invoice(session, number="LOOSE-1", reasons=[not_received()], status=InvoiceStatus.received)
    session.exec(update(Invoice).where(Invoice.id == loose.id).values(status=InvoiceStatus.needs_review))
    session.commit()
    assert_counts_as_from_json(session, codes)
    session.exec(delete(Invoice).where(Invoice.id == loose.id))
    session.commit()
    assert_counts_as_from_json(session, codes)
    assert session.exec(select(func.count()).select_from(InvoiceReasonCode)
                        .where(InvoiceReasonCode.invoice_id == loose.id)).one() == 0
    rows = session.exec(select(InvoiceReasonCode.code, InvoiceReasonCode.status)
                        .where(InvoiceReasonCode.invoice_id == queued[2].id)).all()
    assert sorted(rows) == [("NOT_RECEIVED", "needs_review"), ("PRICE_VARIANCE", "needs_review")]


def test_the_counts_read_the_code_table_not_the_reasons(session):
    make_invoice(session, reasons=[price_variance(), not_received()])
    statements: list[str] = []
    from sqlalchemy import event

    engine = session.get_bind()
    def keep(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert queue._count_reasons(session, queue.QueueFilter(organisation_id=DEFAULT_ORGANISATION_ID)) == [
            ("NOT_RECEIVED", 1), ("PRICE_VARIANCE", 1)]
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert len(statements) == 1 and "invoice_reason_codes" in statements[0] and "reasons" not in statements[0]
    assert " invoices" not in statements[0].replace("invoice_reason_codes", "")  # no filter on the invoice: no join


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """A database of its own (a migration test starts from an older revision)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/before.db"
        return
    from tests.conftest import _create_pg_database, _drop_pg_database

    url, name = _create_pg_database()
    yield url
    _drop_pg_database(name)


def test_the_migration_fills_the_codes_of_invoices_stored_before_it(empty_database):
    upgrade(empty_database, "0037_payable_cents_refill")
    engine = make_engine(empty_database)
    rows = [(1, "needs_review", '[{"code": "PRICE_VARIANCE"}, {"code": "PRICE_VARIANCE"}, {"code": "NOT_RECEIVED"}]'),
            (2, "approved", "[]"), (3, "on_hold", '[{"code": ""}, {"line_id": "1"}, "x", 7, {"code": "PO_NOT_FOUND"}]'),
            (4, "needs_review", "null"), (5, "needs_review", '{"code": "PRICE_VARIANCE"}')]
    try:
        with engine.begin() as conn:
            cast = "CAST(:r AS json)" if conn.dialect.name == "postgresql" else ":r"
            for n, status, reasons in rows:
                conn.execute(insert(Invoice.__table__).values(
                    id=uuid.UUID(int=n), status=status, sha256=str(n), media_type="application/xml", size_bytes=1,
                    document=b"\x00", reasons=[], received_by="test", version=1, created_at=utcnow(),
                    updated_at=utcnow(), invoice_response_required=False, organisation_id=DEFAULT_ORGANISATION_ID))
                conn.execute(text(f"UPDATE invoices SET reasons = {cast} WHERE sha256 = :s"), {"r": reasons, "s": str(n)})
        upgrade(empty_database)
        with Session(engine) as session:
            found = sorted(session.exec(select(InvoiceReasonCode.invoice_id, InvoiceReasonCode.code,
                                               InvoiceReasonCode.status)).all())
            assert found == [(uuid.UUID(int=1), "NOT_RECEIVED", InvoiceStatus.needs_review),
                             (uuid.UUID(int=1), "PRICE_VARIANCE", InvoiceStatus.needs_review),
                             (uuid.UUID(int=3), "PO_NOT_FOUND", InvoiceStatus.on_hold)]
            # and the triggers write the same from then on
            session.exec(update(Invoice).where(Invoice.id == uuid.UUID(int=4)).values(status=InvoiceStatus.on_hold))
            session.exec(text(f"UPDATE invoices SET reasons = {cast} WHERE sha256 = '2'").bindparams(
                r='[{"code": "TOTAL_VARIANCE"}, 5]'))
            session.commit()
            assert sorted(session.exec(select(InvoiceReasonCode.invoice_id, InvoiceReasonCode.code)).all()) == [
                (uuid.UUID(int=1), "NOT_RECEIVED"), (uuid.UUID(int=1), "PRICE_VARIANCE"),
                (uuid.UUID(int=2), "TOTAL_VARIANCE"), (uuid.UUID(int=3), "PO_NOT_FOUND")]
    finally:
        engine.dispose()
