"""The fast SQL fill (bench/fast_fill.py) writes exactly the rows intake writes, so the growth
figures measured on a database it filled hold for one filled through POST /v1/invoices: every
table, every column, ids and times aside (they differ by nature), compared with the same invoices
sent through ``service.intake.receive()`` by the bulk loader (itself proven equal to HTTP intake in
test_bulk_load.py)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import text

from bench.bulk_load import fill
from bench.fast_fill import fast_fill, spread_days
from bench.load_server import Database
from service.db import make_engine
from service.erp import feed
from service.migrations import upgrade
from service.models.base import metadata
from service.reasons import Reason, stored

pytestmark = pytest.mark.on_backend("postgresql")  # the fast fill writes through PostgreSQL SQL

N, SELLERS = 24, 5
VARIES = {"validated_at", "received_at", "duration_ms"}  # per validation run (a report's and each layer's)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _steady(value):
    if isinstance(value, dict):
        return {k: _steady(v) for k, v in value.items() if k not in VARIES}
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


def snapshot(url: str) -> tuple[dict[str, list], list]:
    """Every table's rows with each new row id named by what it belongs to (invoice number, table,
    ordinal), times left out; and the change feed in feed order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            raw = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in metadata.sorted_tables}
    finally:
        engine.dispose()
    names = {str(inv["id"]): f"invoice {inv['invoice_number']}" for inv in raw["invoices"]}
    for table, rows in raw.items():  # rows of an invoice, numbered in the order they were written
        owned = sorted((r for r in rows if "invoice_id" in r and isinstance(r.get("id"), uuid.UUID)),
                       key=lambda r: (names.get(str(r["invoice_id"]), ""), r.get("at") or r.get("created_at"),
                                      str(r.get("to_status"))))
        for k, r in enumerate(owned):
            names[str(r["id"])] = f"{table} row {k} of {names.get(str(r['invoice_id']))}"

    def plain(value):
        if isinstance(value, uuid.UUID):
            return names.get(str(value), str(value))
        if isinstance(value, str):
            return _UUID.sub(lambda m: names.get(m.group(0), m.group(0)), value)
        if isinstance(value, list) and value and all(isinstance(r, Reason) for r in value):
            value = stored(value)  # invoices.reasons reads back as Reason objects: compare what is stored
        if isinstance(value, dict | list):
            return json.loads(plain(json.dumps(_steady(value))))
        return value

    out = {}
    for table, rows in raw.items():
        kept = [{k: plain(v) for k, v in r.items()
                 if not isinstance(v, datetime) and k not in {"seq", "position"}} for r in rows]
        out[table] = sorted(kept, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    order = [(names[str(r["invoice_id"])], r["to_status"])
             for r in sorted(raw["change_feed"], key=lambda r: r["position"])]
    return out, order


def _written(after: dict[str, list], before: dict[str, list]) -> dict[str, list]:
    """The rows a fill added: a freshly migrated database holds rows of its own (the default
    organisation) that the suite's shared test database, emptied after each test, no longer has."""
    out = {}
    for table, rows in after.items():
        earlier, added = list(before.get(table, [])), []
        for row in rows:
            if row in earlier:
                earlier.remove(row)  # there before the fill
            else:
                added.append(row)
        out[table] = added
    return out


def test_the_fast_fill_writes_the_rows_intake_writes(validation, db_url, engine, tmp_path):
    artifacts = validation[0].artifacts_dir
    days = spread_days(N, SELLERS)
    loaded_before, _ = snapshot(db_url)
    assert fast_fill(db_url, artifacts, N, sellers=SELLERS, days=days, connections=2, progress=False,
                     engine=validation[0]) == N
    other = Database("postgresql", tmp_path)
    try:
        upgrade(other.url)
        expected_before, _ = snapshot(other.url)
        assert fill(other.url, artifacts, N, processes=1, sellers=SELLERS, days=days, progress=False,
                    engine=validation[0]) == N
        via_intake = make_engine(other.url)
        feed.publish(via_intake)
        via_intake.dispose()
        expected, expected_order = snapshot(other.url)
    finally:
        other.drop()
    loaded, order = snapshot(db_url)
    expected, loaded = _written(expected, expected_before), _written(loaded, loaded_before)

    for table, rows in expected.items():
        assert len(loaded[table]) == len(rows), table
        for got, want in zip(loaded[table], rows, strict=True):
            for column, value in want.items():
                assert got[column] == value, (table, column)
    assert {t for t, rows in expected.items() if rows} >= {"invoices", "audit_events", "change_feed",
                                                            "match_decisions"}
    assert order == expected_order  # the feed: each invoice's received, then its decision, in order
    # the documents are the load documents, byte for byte, with their own hash
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT document, sha256, issue_date FROM invoices")).all()
    assert len({r.sha256 for r in rows}) == N and {r.issue_date for r in rows} >= {date(2026, 1, 1)}
    assert all(hashlib.sha256(r.document).hexdigest() == r.sha256 for r in rows)


def test_invoices_of_a_run_never_share_a_seller_and_day():
    # so no invoice of the fill looks like another (DUPLICATE_SUSPECTED): the template stands for all
    for n, sellers in ((24, 5), (1_000_000, 500), (2_000_000, 500), (10_000, 7)):
        days = spread_days(n, sellers)
        assert days >= 365
        assert len({(i % sellers, i % days) for i in range(min(n, 300_000))}) == min(n, 300_000)
        assert sellers * days >= n and all(days % k for k in range(2, int(days ** 0.5) + 1))


def test_the_fast_fill_refuses_a_database_with_invoices_of_its_sellers(validation, db_url, engine):
    artifacts = validation[0].artifacts_dir
    fast_fill(db_url, artifacts, 3, sellers=3, progress=False, engine=validation[0])
    with pytest.raises(ValueError, match="already holds invoices"):
        fast_fill(db_url, artifacts, 3, sellers=3, run="AGAIN", progress=False, engine=validation[0])
