"""Statements one POST /v1/invoices runs, counted: round trips that add nothing stay out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select
from sqlalchemy.engine.interfaces import CacheStats
from sqlmodel import Session

from bench.load_documents import base_example, distinct
from service.erp import webhooks
from service.models.erp import WebhookDelivery
from service.models.invoices import Invoice


@contextmanager
def listening(target, name: str, listener) -> Iterator[None]:
    """``listener`` receives the ``name`` events of ``target`` inside the block, and no others."""
    event.listen(target, name, listener)
    try:
        yield
    finally:
        event.remove(target, name, listener)


def test_a_new_invoice_reads_the_webhook_subscriptions_once_and_still_queues_each_event(
        client, make_key, engine, validation):
    with Session(engine) as s:
        webhooks.create_subscription(s, url="https://erp.example.nl/hook", event_types=[webhooks.ALL_EVENTS],
                                     secret=None, description="", active=True, actor="test")
        s.commit()
    base = base_example(validation[0].artifacts_dir)
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    reads = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM webhook_subscriptions" in statement:
            reads.append(statement)

    with listening(engine, "before_cursor_execute", keep):
        r = client.post("/v1/invoices", content=distinct(base, "COUNT", 1), headers=headers)
    assert r.status_code == 201, r.text
    with Session(engine) as s:
        queued = s.execute(select(func.count()).select_from(WebhookDelivery)
                           .where(WebhookDelivery.invoice_id == uuid.UUID(r.json()["id"]))).scalar_one()
    assert len(reads) == 1, reads  # two transitions (received, then the decision), one read
    assert queued == 2  # and both events are queued


# Every statement the driver runs for one new, valid invoice of an unknown seller (BEGIN on SQLite,
# savepoints on PostgreSQL included), after a first invoice warmed the process. 22 on both before
# the look-up keys went into the INSERT, the duplicate look-ups (and the seller's waiting credit
# notes) became one statement, the three steps of seller resolution one statement, the
# configuration was kept per process (service/generations.py) and the INSERT stopped needing a
# savepoint (ON CONFLICT DO NOTHING). PostgreSQL 12 -> 10: each status change writes its audit event
# and feed entry in one statement (an INSERT in a CTE, which SQLite does not have). 10 -> 9 and
# 13 -> 12: a recently seen key's state is read with the configuration's generation. 9 -> 8 and
# 12 -> 11: the invoice is matched before it is stored, and its row written once in its decided
# status (no UPDATE after the INSERT).
STATEMENTS_PER_NEW_INVOICE = {"postgresql": 8, "sqlite": 11}  # SQLite: its BEGIN IMMEDIATE too
CONFIGURATION = ("FROM organisation_identifiers", "FROM match_policy_versions", "FROM webhook_subscriptions")


def test_a_new_invoice_runs_at_most_its_counted_statements_and_reads_no_unchanged_configuration(
        client, make_key, engine, validation):
    base = base_example(validation[0].artifacts_dir)
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    assert client.post("/v1/invoices", content=distinct(base, "WARM", 1), headers=headers).status_code == 201
    statements: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    with listening(engine, "before_cursor_execute", keep):
        r = client.post("/v1/invoices", content=distinct(base, "COUNT", 2), headers=headers)
    assert r.status_code == 201 and r.json()["status"] in ("approved", "needs_review"), r.text
    assert len(statements) <= STATEMENTS_PER_NEW_INVOICE[engine.dialect.name], "\n".join(statements)
    events = [s for s in statements if "INTO audit_events" in s]
    assert len(events) == 2, events  # received, then the decision
    if engine.dialect.name == "postgresql":  # each with its feed entry
        assert all("INSERT INTO change_feed" in s for s in events), events
    assert not [s for s in statements if "SAVEPOINT" in s.upper()], statements
    assert not [s for s in statements if any(table in s for table in CONFIGURATION)], statements
    assert sum("FROM cache_generations" in s for s in statements) == 1, statements
    (key_read,) = [s for s in statements if "FROM api_keys" in s]  # confirmed in the transaction ...
    assert "FROM cache_generations" in key_read, statements  # ... by the read of the generation


def test_every_statement_of_a_new_invoice_is_compiled_once_per_process(client, make_key, engine, validation):
    """SQLAlchemy compiles a statement without a cache key anew at every execution: the dialects'
    own INSERT (ON CONFLICT) has none, and compiling intake's 44-column INSERT cost about 2 ms of a
    worker's CPU per invoice (py-spy, 2026-12-06). A third invoice finds each statement compiled."""
    base = base_example(validation[0].artifacts_dir)
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    for i in (1, 2):  # the first looks the key up, the second confirms it (api/deps.py RecentKeys)
        assert client.post("/v1/invoices", content=distinct(base, "WARM", i), headers=headers).status_code == 201
    uncached: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if context is not None and context.compiled is not None and context.cache_hit is not CacheStats.CACHE_HIT:
            uncached.append(f"{context.cache_hit.name}: {' '.join(statement.split())[:160]}")

    with listening(engine, "before_cursor_execute", keep):
        r = client.post("/v1/invoices", content=distinct(base, "CACHED", 3), headers=headers)
    assert r.status_code == 201, r.text
    assert not uncached, "\n".join(uncached)


def test_a_new_invoice_is_written_without_a_unit_of_work_flush(client, make_key, engine, validation):
    """Intake writes its rows with prepared Core statements: a unit-of-work flush (the decision's
    reasons with the status UPDATE, formerly) costs several times the statement it emits."""
    from sqlalchemy.orm import Session as OrmSession

    base = base_example(validation[0].artifacts_dir)
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    assert client.post("/v1/invoices", content=distinct(base, "WARM", 1), headers=headers).status_code == 201
    flushed: list[list[str]] = []

    def keep(session, flush_context, instances):
        flushed.append([type(o).__name__ for o in [*session.new, *session.dirty]])

    with listening(OrmSession, "before_flush", keep):
        r = client.post("/v1/invoices", content=distinct(base, "FLUSH", 2), headers=headers)
    assert r.status_code == 201 and r.json()["status"] in ("approved", "needs_review"), r.text
    assert flushed == [], flushed
    with Session(engine) as s:
        stored = s.get(Invoice, uuid.UUID(r.json()["id"]))
        assert stored.status.value == r.json()["status"]
        assert [x.code for x in stored.reasons] == [x["code"] for x in r.json()["reasons"]]
