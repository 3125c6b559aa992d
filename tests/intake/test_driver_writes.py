"""A new invoice's constant INSERTs go to the driver through ``service.db.Prepared`` (compiled once,
no ORM execute): every row they write must be what ``session.execute`` of the same statement wrote.

Each statement runs both ways on the session's connection, the first in a savepoint that is rolled
back; the database's content after each (every table, as the driver reads it: text on PostgreSQL,
SQLite's own values and their types) must be the same."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session, SQLModel

from bench.load_documents import base_example, distinct
from service.db import Prepared
from service.erp import webhooks
from service.lifecycle import transition
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus

S = InvoiceStatus


def _rows(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as the driver returns them, without sequence-numbered keys (a rolled-back
    savepoint does not give PostgreSQL's sequence values back)."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    quote = connection.dialect.identifier_preparer
    content = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if c is not table.autoincrement_column]
        listed = ", ".join(f"{quote.format_column(c)}::text" if postgres else quote.format_column(c) for c in columns)
        rows = connection.exec_driver_sql(f"SELECT {listed} FROM {quote.format_table(table)}").all()
        content[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return content


@pytest.fixture
def compared(monkeypatch) -> Iterator[list[str]]:
    """Run every ``Prepared`` statement the old way first (in a savepoint, rolled back) and check
    the driver's form writes the same; yields the SQL of the statements compared."""
    through_driver = Prepared.execute
    seen: list[str] = []

    def both_ways(self: Prepared, session: Session, params):
        connection = session.connection()
        savepoint = connection.begin_nested()
        session.execute(self._statement, params)  # as before Prepared
        expected = _rows(session)
        savepoint.rollback()
        result = through_driver(self, session, params)
        written = _rows(session)
        differ = {name: (rows, written[name]) for name, rows in expected.items() if written[name] != rows}
        assert not differ, (str(self._statement), differ)
        seen.append(" ".join(str(self._statement).split()))
        return result

    monkeypatch.setattr(Prepared, "execute", both_ways)
    yield seen


def _subscribe(engine) -> None:
    """A webhook subscription to every event: each status change queues its delivery row."""
    with Session(engine) as session:
        webhooks.create_subscription(session, url="https://erp.example.nl/hook", event_types=[webhooks.ALL_EVENTS],
                                     secret=None, description="", active=True, actor="test")
        session.commit()


def test_intake_writes_the_same_rows_through_the_driver(client, make_key, engine, validation, compared):
    _subscribe(engine)
    base = base_example(validation[0].artifacts_dir)
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    first = client.post("/v1/invoices", content=distinct(base, "DRIVER", 1), headers=headers)
    assert first.status_code == 201 and first.json()["status"] == "needs_review", first.text
    # the same number in other bytes: a duplicate, stored rejected with the plain INSERT
    other_bytes = distinct(base, "DRIVER", 1) + b"\n<!-- again -->"
    again = client.post("/v1/invoices", content=other_bytes, headers=headers)
    assert again.status_code == 409 and again.json()["invoice"]["status"] == "rejected", again.text
    assert any("ON CONFLICT DO NOTHING" in s for s in compared)  # the new invoice, unless taken
    assert any(s.startswith("INSERT INTO invoices") and "ON CONFLICT" not in s for s in compared)  # the duplicate
    assert any(s.startswith("INSERT INTO match_decisions") for s in compared)
    assert sum("INTO audit_events" in s for s in compared) == 4  # received, then the decision, twice
    assert sum("INTO change_feed" in s for s in compared) == 4
    assert sum(s.startswith("INSERT INTO webhook_deliveries") for s in compared) == 4


def test_status_changes_write_the_same_rows_through_the_driver(engine, compared):
    """A new invoice by ``transition`` (the plain INSERT), reason codes, a comment in other scripts,
    and a manual approval's JSON on the audit event, its feed entry and its webhook delivery."""
    _subscribe(engine)
    with Session(engine, expire_on_commit=False) as session:
        invoice = Invoice(sha256=uuid.uuid4().hex * 2, document=b"<Invoice/>", invoice_number="DRIVER-1",
                          currency="EUR", payable_amount=Decimal("121.50"), seller_name="Bäckerei Ørsted",
                          data={"number": "DRIVER-1", "totals": {"payable_amount": "121.50"}})
        transition(session, invoice, S.received, actor="system")
        transition(session, invoice, S.needs_review, actor="system", reason_codes=["PO_NOT_FOUND"],
                   comment="prüfen — 確認")
        transition(session, invoice, S.approved, actor="user:anna", comment=None,
                   approval={"step": "first", "rule_version": 3, "amount": "121.50", "triggers": ["amount"]})
        session.commit()
    assert sum(s.startswith("INSERT INTO invoices") for s in compared) == 1
    assert sum("INTO audit_events" in s for s in compared) == 3
    assert sum(s.startswith("INSERT INTO webhook_deliveries") for s in compared) == 3


def test_a_statement_that_needs_sqlalchemy_at_execution_is_refused(engine):
    """A column's Python default (the audit event's ``at``) is computed by SQLAlchemy's execution
    context, which the driver's form skips: such a statement is refused, never sent half-filled."""
    without_at = {"id": uuid.uuid4(), "invoice_id": uuid.uuid4(), "from_status": None, "to_status": S.received,
                  "actor": "system", "reason_codes": [], "comment": None, "approval": None}
    with Session(engine) as session, pytest.raises(ValueError, match="not a constant statement"):
        Prepared(insert(AuditEvent.__table__)).execute(session, without_at)
