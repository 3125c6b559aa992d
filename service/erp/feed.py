"""The change feed: every status transition, in commit order, gap-free for a poller with a cursor.

Why not ``id > cursor``: a sequence value is handed out when a row is inserted, not when its
transaction commits. On PostgreSQL, transaction A can take seq 10, transaction B seq 11, B commits,
a poller reads 11 and moves its cursor past 10, then A commits: event 10 is never seen.

Design:

- ``service.lifecycle.transition`` calls ``record()`` for every status change, so the entry is written in
  the same transaction as the status change and its audit event (no event without a change and no
  change without an event). The entry gets ``seq`` (insert order) and no ``position`` yet.
- ``position`` is the feed order. It is assigned *after* commit by ``publish()``: one short
  transaction that takes a PostgreSQL advisory lock (so publishers are serialised), numbers every
  committed, unpublished entry ``max(position) + 1 ...`` in ``seq`` order, and commits. A
  transaction that commits later is numbered by a later publish, above every position a poller can
  already have seen. Readers only return entries with a position, so they never read past a hole.
- On SQLite every writing transaction holds the database write lock from BEGIN IMMEDIATE to COMMIT
  (service/db.py), so commit order is insert order: ``record()`` assigns the position at once.

``publish()`` runs before every read of the feed (and in the webhook dispatcher loop), so the feed
is as fresh as the last commit. It is cheap when nothing is pending (one index probe).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, func, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service.db import Prepared, unit_of_work
from service.models.erp import FeedEntry
from service.models.invoices import AuditEvent, Invoice

# pg_advisory_xact_lock key of the feed publisher (any constant; "EIFEED" in ASCII).
PUBLISHER_LOCK = 0x454946454544
PUBLISH_BATCH = 5000


_FEED = FeedEntry.__table__
# SQLite: writers are serialised (BEGIN IMMEDIATE), nobody can commit between this insert and our
# commit, so the next position is final already.
_INSERT_WITH_POSITION = Prepared(insert(_FEED).values(
    position=select(func.coalesce(func.max(_FEED.c.position), 0) + 1).scalar_subquery()
))


_EVENTS = AuditEvent.__table__
_INSERT_EVENT = Prepared(insert(_EVENTS))
# PostgreSQL: the audit event's INSERT as a data-modifying CTE and the feed entry made of what it
# returns, one statement (one round trip, one parse) instead of two. SQLite has no INSERT in a CTE.
_NEW_EVENT = (insert(_EVENTS).values({c: bindparam(f"event_{c.key}", type_=c.type) for c in _EVENTS.columns})
              .returning(*_EVENTS.columns).cte("new_event"))
_INSERT_EVENT_AND_ENTRY = Prepared(insert(_FEED).from_select(
    ["event_id", "invoice_id", "organisation_id", "from_status", "to_status", "reason_codes", "actor", "at",
     "invoice_response_required", "approval"],
    sa_select(_NEW_EVENT.c.id, _NEW_EVENT.c.invoice_id, bindparam("organisation_id", type_=_FEED.c.organisation_id.type),
           _NEW_EVENT.c.from_status, _NEW_EVENT.c.to_status, _NEW_EVENT.c.reason_codes, _NEW_EVENT.c.actor,
           _NEW_EVENT.c.at, bindparam("invoice_response_required", type_=_FEED.c.invoice_response_required.type),
           _NEW_EVENT.c.approval),
).add_cte(_NEW_EVENT))


def record(session: Session, invoice: Invoice, event: AuditEvent) -> None:
    """Write the transition's audit event and its feed entry, in the caller's transaction: one
    statement on PostgreSQL, two on SQLite (``service.lifecycle.transition``)."""
    if session.get_bind().dialect.name != "sqlite":
        _INSERT_EVENT_AND_ENTRY.execute(session, {
            "event_id": event.id, "event_invoice_id": event.invoice_id, "event_from_status": event.from_status,
            "event_to_status": event.to_status, "event_actor": event.actor,
            "event_reason_codes": list(event.reason_codes or []), "event_comment": event.comment,
            "event_approval": event.approval, "event_at": event.at,
            "organisation_id": invoice.organisation_id,
            "invoice_response_required": bool(invoice.invoice_response_required),
        })
        return
    _INSERT_EVENT.execute(session, {
        "id": event.id, "invoice_id": event.invoice_id, "from_status": event.from_status,
        "to_status": event.to_status, "actor": event.actor, "reason_codes": event.reason_codes,
        "comment": event.comment, "approval": event.approval, "at": event.at,
    })
    _INSERT_WITH_POSITION.execute(session, {
        "event_id": event.id, "invoice_id": invoice.id, "organisation_id": invoice.organisation_id,
        "from_status": event.from_status,
        "to_status": event.to_status, "reason_codes": list(event.reason_codes or []), "actor": event.actor,
        "at": event.at, "invoice_response_required": bool(invoice.invoice_response_required),
        "approval": event.approval,
    })


def publish(engine: Engine) -> int:
    """Give committed entries their feed positions (PostgreSQL); returns how many were published."""
    if engine.dialect.name == "sqlite":
        return 0
    with unit_of_work(engine) as session:
        pending = session.exec(select(FeedEntry.seq).where(FeedEntry.position.is_(None)).limit(1)).first()
        if pending is None:
            return 0
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISHER_LOCK})
        # New statement, new snapshot (READ COMMITTED): sees every earlier publish and every entry
        # committed up to now. Entries of transactions still running are invisible here and are
        # numbered by a later publish, after everything numbered now.
        result = session.execute(
            text(
                """
                WITH pending AS (
                    SELECT seq, row_number() OVER (ORDER BY seq) AS n
                    FROM change_feed WHERE position IS NULL ORDER BY seq LIMIT :batch
                ), top AS (SELECT coalesce(max(position), 0) AS m FROM change_feed)
                UPDATE change_feed AS c SET position = top.m + pending.n
                FROM pending, top WHERE c.seq = pending.seq
                """
            ),
            {"batch": PUBLISH_BATCH},
        )
        return result.rowcount or 0


def read(session: Session, after: int, limit: int, *, organisation_id: uuid.UUID | None = None) -> list[FeedEntry]:
    """Published entries after ``after``, in feed order (of one organisation's invoices when given)."""
    stmt = select(FeedEntry).where(FeedEntry.position > after)
    if organisation_id is not None:
        stmt = stmt.where(FeedEntry.organisation_id == organisation_id)
    stmt = stmt.order_by(FeedEntry.position).limit(limit)
    return list(session.exec(stmt))


def head(session: Session) -> int:
    """The highest published position (0 for an empty feed)."""
    return int(session.exec(select(func.coalesce(func.max(FeedEntry.position), 0))).one())


def as_event(entry: FeedEntry) -> dict[str, Any]:
    """The contract's event object (DESIGN.md), plus its feed cursor and event id."""
    return {
        "invoice_id": str(entry.invoice_id),
        "from": entry.from_status.value if entry.from_status else None,
        "to": entry.to_status.value,
        "reason_codes": list(entry.reason_codes or []),
        "actor": entry.actor,
        "at": entry.at.isoformat().replace("+00:00", "Z"),
        "invoice_response_required": bool(entry.invoice_response_required),
        "approval": entry.approval,
        "event_id": str(entry.event_id),
        "cursor": str(entry.position) if entry.position is not None else None,
    }
