"""Pages cost the same however many invoices are stored (issue #21: growth).

With 20,000 invoices and feed entries in the database (statistics gathered), every statement that
serves a page of the invoice list (each filter, first and deep pages, both orders), of the change
feed and of the review queue is read back through the database's own plan: no sequential scan of
``invoices`` or ``change_feed``; on SQLite no sort of the matching rows (an index gives the order,
so the LIMIT stops the scan); on PostgreSQL, counted with EXPLAIN ANALYZE, no plan node handles
more than ``MAX_ROWS`` rows and no more are read and thrown away.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, insert, text
from sqlmodel import Session

from service import cursors
from service.models.erp import FeedEntry
from service.models.organisations import DEFAULT_ORGANISATION_ID
from service.models.invoices import DocumentType, Invoice, InvoiceStatus

STORED = 20_000
SUPPLIERS = [uuid.UUID(int=i + 1) for i in range(10)]
STATUSES = ([InvoiceStatus.approved] * 6 + [InvoiceStatus.needs_review] * 2
            + [InvoiceStatus.rejected, InvoiceStatus.paid])
START = datetime(2026, 1, 1, tzinfo=UTC)
# Rows a page of 50 may touch (read, sort or throw away) on PostgreSQL: a filter may skip some rows,
# never every row of a filter value (2,000 or more here) or of the table
MAX_ROWS = 1_000


def _fill(engine) -> list[dict]:
    rows = [{
        "id": uuid.UUID(int=10**6 + i), "status": STATUSES[i % len(STATUSES)].value,
        "document_type": DocumentType.invoice.value, "sha256": f"{i:064x}", "media_type": "application/xml",
        "size_bytes": 4, "document": b"<x/>", "invoice_number": f"F-{i}", "issue_date": date(2026, 1, 1),
        "due_date": date(2026, 1, 1) + timedelta(days=i % 60), "seller_key": f"0106:{i % 10:08}",
        "supplier_id": SUPPLIERS[i % 10], "purchase_order": f"PO-{i % 8}", "reasons": [],
        "tax_inclusive_amount": Decimal(i % 100) + Decimal("0.50"),
        "received_by": "key:test", "version": 1, "invoice_response_required": False,
        "created_at": START + timedelta(seconds=i), "updated_at": START + timedelta(seconds=i),
        "organisation_id": DEFAULT_ORGANISATION_ID,  # what intake gives them on a one-organisation instance
    } for i in range(STORED)]
    feed = [{"seq": i + 1, "position": i + 1, "event_id": uuid.UUID(int=i + 1), "invoice_id": r["id"],
             "to_status": r["status"], "reason_codes": [], "actor": "system", "at": r["created_at"],
             "invoice_response_required": False, "organisation_id": DEFAULT_ORGANISATION_ID}
            for i, r in enumerate(rows)]
    with engine.begin() as conn:
        for table, values in ((Invoice.__table__, rows), (FeedEntry.__table__, feed)):
            for n in range(0, len(values), 2_000):
                conn.execute(insert(table), values[n:n + 2_000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return rows


@pytest.fixture
def stored(engine):
    return _fill(engine)


class Statements:
    """The SELECTs on invoices / change_feed that run while the block runs, with their parameters."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine, []

    def _keep(self, conn, cursor, statement, parameters, context, executemany) -> None:
        s = statement.lstrip().upper()
        if s.startswith("SELECT") and re.search(r"FROM (INVOICES|CHANGE_FEED)\b", s) and "LIMIT" in s:
            self.seen.append((statement, parameters))

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._keep)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._keep)


def assert_plans_bounded(engine, seen, *, sqlite_sorts: bool = False) -> None:
    assert seen, "no statement on invoices or change_feed was seen"
    with engine.connect() as conn:
        for statement, parameters in seen:
            if engine.dialect.name == "sqlite":
                plan = " | ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                           parameters))
                assert not re.search(r"SCAN (invoices|change_feed)( |$)(?!USING)", plan), (plan, statement)
                assert sqlite_sorts or "TEMP B-TREE" not in plan, (plan, statement)  # sorts every matching row
                continue
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN ANALYZE {statement}", parameters))
            # (a look-up in a small master-data table, read once before the scan, may be sequential)
            assert not re.search(r"Seq Scan on (invoices|change_feed)\b", plan), (plan, statement)
            handled = [int(n) * int(k) for n, k in re.findall(r"actual time=\S+ rows=(\d+) loops=(\d+)", plan)]
            discarded = sum(int(n) for n in re.findall(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", plan))
            assert handled and max(handled) <= MAX_ROWS and discarded <= MAX_ROWS, (plan, statement)


def _cursor(row: dict, kind: str) -> str:
    return cursors.encode_position(row["created_at" if kind == "c" else "updated_at"], row["id"], kind)


def test_every_invoice_list_page_is_an_index_range_however_many_are_stored(engine, stored, bare_client, make_key):
    admin = make_key("admin")
    middle = stored[STORED // 2]
    since = (START + timedelta(seconds=STORED // 2)).isoformat()
    queries = [
        {}, {"status": "needs_review"}, {"status": "rejected"}, {"seller": str(SUPPLIERS[3])},
        {"seller": "0106:00000004"}, {"purchase_order": "PO-5"}, {"cursor": _cursor(middle, "c")},
        {"status": "approved", "cursor": _cursor(middle, "c")}, {"updated_after": since},
        {"updated_after": since, "cursor": _cursor(middle, "u")},
    ]
    with Statements(engine) as st:
        for params in queries:
            r = bare_client.get("/v1/invoices", params=params, headers=admin)
            assert r.status_code == 200 and r.json()["data"], (params, r.text)
        # a gateway lists what it delivered: here one invoice in a hundred
        gateway = make_key("gateway")
        with engine.begin() as conn:
            prefix = conn.execute(text("SELECT prefix FROM api_keys WHERE role = 'gateway'")).scalar_one()
            conn.execute(text("UPDATE invoices SET received_by = :actor WHERE invoice_number LIKE '%07'"),
                         {"actor": f"key:{prefix}"})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        for params in ({}, {"cursor": _cursor(stored[STORED // 2 + 7], "c")}):
            r = bare_client.get("/v1/invoices", params=params, headers=gateway)
            assert r.status_code == 200 and len(r.json()["data"]) == 50, r.text
        mine = make_key("supplier", supplier_id=SUPPLIERS[5])
        for params in ({}, {"cursor": _cursor(stored[STORED // 2 + 5], "c")}):
            r = bare_client.get("/v1/invoices", params=params, headers=mine)
            assert r.status_code == 200 and len(r.json()["data"]) == 50, r.text
            assert {i["seller"]["supplier_id"] for i in r.json()["data"]} == {str(SUPPLIERS[5])}
    # one statement per page (the feed's background publisher may add its own on change_feed)
    assert sum("FROM invoices" in s for s, _ in st.seen) == len(queries) + 4, st.seen
    assert_plans_bounded(engine, st.seen)


def test_a_deep_list_page_starts_at_its_cursor(engine, stored, bare_client, make_key):
    # the page after the middle one holds exactly the next 50 (the row value finds them)
    middle = stored[STORED // 2]
    r = bare_client.get("/v1/invoices", params={"cursor": _cursor(middle, "c")}, headers=make_key("admin"))
    assert [i["invoice_number"] for i in r.json()["data"]] == [f"F-{STORED // 2 - n}" for n in range(1, 51)]


def test_a_change_feed_page_far_into_the_feed_is_an_index_range(engine, stored, bare_client, make_key):
    erp = make_key("erp")
    with Statements(engine) as st:
        for after in ("0", str(STORED // 2), str(STORED - 10)):
            r = bare_client.get("/v1/events", params={"after": after}, headers=erp)
            assert r.status_code == 200 and r.json()["data"], r.text
    assert_plans_bounded(engine, st.seen)


def test_a_review_queue_page_is_an_index_range(engine, stored):
    from service.ui import queue

    with Statements(engine) as st, Session(engine) as session:
        first = queue.page(session, queue.QueueFilter())
        assert len(first.rows) == queue.PAGE_SIZE and first.total == STORED // 5
        later = queue.page(session, queue.QueueFilter(), first.next_cursor)
        assert later.rows[0].due_date >= first.rows[-1].due_date
    assert_plans_bounded(engine, st.seen)


def test_the_duplicate_look_ups_read_few_rows_of_a_seller_with_thousands_on_one_day(engine, stored):
    # 2,000 invoices of the seller on that day, 200 of them with this amount (all listed: the limit)
    from service.decisions import lookups
    from tests.matching.builders import inv_line, invoice

    facts = replace(invoice(inv_line(), number="F-NEW-1"), issue_date=date(2026, 1, 1),
                    tax_inclusive=Decimal("13.5"))
    with Statements(engine) as st, Session(engine) as session:
        for supplier_id in (SUPPLIERS[3], None):  # a known supplier; an unknown seller by its key
            own = Invoice(id=uuid.uuid4(), supplier_id=supplier_id, seller_key="0106:00000003",
                          document_type=DocumentType.invoice, sha256="f" * 64, document=b"")
            found = lookups.prior_invoices(session, own, facts)
            assert len(found) == lookups.SAME_DAY_LIMIT and {p.amount for p in found} == {Decimal("13.50")}
    assert sum("FROM invoices" in s for s, _ in st.seen) == 2, st.seen  # one statement per look-up (both halves)
    # SQLite keeps amounts as text: it reads the seller's day from the index and sorts those rows
    assert_plans_bounded(engine, st.seen, sqlite_sorts=True)


@pytest.mark.on_backend("postgresql")
def test_a_search_for_an_invoice_number_is_answered_from_indexes(engine, stored, bare_client, make_key):
    # Each alternative of a word (part of number, seller name, order number or seller key; the number's
    # and order's normal forms; the amounts; the supplier look-ups) has an index, so PostgreSQL ORs
    # bitmaps instead of walking every invoice in date order (1.6 s at 1,000,000 invoices).
    admin = make_key("admin")
    with Statements(engine) as st:
        for q in ("F-12345", "12345", "F-12345 PO-1"):
            r = bare_client.get("/v1/invoices", params={"q": q}, headers=admin)
            assert r.status_code == 200, r.text
            assert "F-12345" in {i["invoice_number"] for i in r.json()["data"]}, q
    assert_plans_bounded(engine, st.seen, sqlite_sorts=True)
