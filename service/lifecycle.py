"""The invoice lifecycle: the only code that changes ``Invoice.status``.

Every transition writes an ``AuditEvent`` in the caller's transaction (the request's unit of work),
so a status never changes without its audit record, and vice versa. Then ``transition`` calls the
consequences of a status change by name, in this order, in the same transaction (they only flush):

1. ``ledger.follow_transition``: the quantity ledger follows people's decisions (an approval makes
   pending quantities count as approved, a rejection releases them), so the books are right before
   anyone is told;
2. ``feed.record``: the audit event's row and the change-feed entry ERP systems poll
   (``GET /v1/events``), on PostgreSQL in one statement;
3. ``webhooks.enqueue``: the webhook outbox rows (they carry the audit event's id, like the feed).

``store_new`` writes a new invoice's row once, in the status its steps end in (intake: ``received``
and the decision), and then each step's audit event and consequences as ``transition`` would.

After the transaction commits (never for one that rolls back), the process's count of committed
status changes goes up: caches of statuses in this process (the review queue's reason counts) key
on ``committed_status_changes()``. Nothing registers itself anywhere: whoever changes a status
(API, CLI, a background job) gets exactly these consequences, whatever it imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstanceState, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from service import ledger
from service.db import Prepared, after_commit
from service.erp import feed, webhooks
from service.errors import IllegalTransition
from service.models.base import new_row, utcnow
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus

S = InvoiceStatus

# DESIGN.md: received -> rejected | approved | needs_review; needs_review -> approved | rejected |
# on_hold; approved -> booked -> paid. on_hold returns to needs_review or is decided directly.
# Additions: a manual approval a four-eyes rule covers goes through awaiting_approval.
ALLOWED: dict[InvoiceStatus | None, frozenset[InvoiceStatus]] = {
    None: frozenset({S.received}),
    S.received: frozenset({S.rejected, S.approved, S.needs_review}),
    S.needs_review: frozenset({S.approved, S.awaiting_approval, S.rejected, S.on_hold}),
    S.on_hold: frozenset({S.needs_review, S.approved, S.awaiting_approval, S.rejected}),
    # four eyes (service/approvals): only a different person completes; either may reject or hold
    S.awaiting_approval: frozenset({S.approved, S.rejected, S.on_hold}),
    S.approved: frozenset({S.booked}),
    S.booked: frozenset({S.paid}),
    S.rejected: frozenset(),
    S.paid: frozenset(),
}


def allowed_from(status: InvoiceStatus | None) -> list[str]:
    return sorted(s.value for s in ALLOWED.get(status, frozenset()))


def transition(
    session: Session,
    invoice: Invoice,
    to: InvoiceStatus,
    *,
    actor: str,
    reason_codes: Iterable[str] = (),
    comment: str | None = None,
    approval: dict[str, Any] | None = None,
    if_absent: bool = False,
) -> AuditEvent:
    """Move ``invoice`` to ``to`` and record who did it and why; raise IllegalTransition otherwise.

    ``if_absent`` (a new invoice): when a stored invoice already holds one of its unique values
    (same bytes, same seller and number, same Peppol message), raise ``AlreadyStored`` with nothing
    written and the transaction still usable (INSERT ... ON CONFLICT DO NOTHING: no savepoint, which
    costs two round trips on PostgreSQL)."""
    state = inspect(invoice)
    current = invoice.status if invoice.id is not None and (state.persistent or state.detached) else None
    if current is not None and session.get_bind().dialect.name != "sqlite" \
            and not _inserted_in_this_transaction(session, invoice):
        # Decide on the committed status, under a row lock: two processes holding stale copies
        # must not both pass the check (SQLite serialises writers, so it needs no lock). A row
        # this transaction inserted is seen by no other: its status is the one written here.
        current = session.execute(
            select(Invoice.status).where(Invoice.id == invoice.id).with_for_update()
        ).scalar_one()
    if to not in ALLOWED.get(current, frozenset()):
        raise IllegalTransition(
            f"cannot move invoice from {current.value if current else 'new'} to {to.value}",
            current_status=current.value if current else None,
            allowed=allowed_from(current),
        )
    now = utcnow()
    _write_status(session, invoice, state, current, to, now, if_absent)  # the row first: the audit event's FK needs it
    event = new_row(  # AuditEvent(...) without an attribute event per column: it is never flushed
        AuditEvent,
        invoice_id=invoice.id,
        from_status=current,
        to_status=to,
        actor=actor,
        reason_codes=list(reason_codes),
        comment=comment,
        approval=approval,
        at=now,
    )
    _consequences(session, invoice, event)
    return event


def _consequences(session: Session, invoice: Invoice, event: AuditEvent) -> None:
    """What every status change brings, in the order of the module's docstring."""
    ledger.follow_transition(session, invoice, event)  # reads the event, not its row
    # the audit event and its feed entry: one statement on PostgreSQL (service/erp/feed.py)
    feed.record(session, invoice, event)
    webhooks.enqueue(session, invoice, event)
    after_commit(session, _count_committed_change)


@dataclass(frozen=True)
class Step:
    """One status change of a new invoice for ``store_new``: what ``transition`` takes."""

    to: InvoiceStatus
    actor: str
    reason_codes: Sequence[str] = ()
    comment: str | None = None


def store_new(session: Session, invoice: Invoice, steps: Sequence[Step], *, if_absent: bool = False
              ) -> list[AuditEvent]:
    """Store a new invoice's row once, already in the status its last step leaves it in, then record
    each step as ``transition`` would have, in order: its audit event, ledger, feed entry, webhooks.

    Intake decides a new invoice before storing it (matching reads no row of the invoice itself), so
    its row is written once. As an INSERT in ``received`` and then an UPDATE to the decision, PostgreSQL
    wrote a second version of the ~15 KB row into each of the table's ~28 indexes (status and
    updated_at are indexed: never a HOT update) and both databases ran the reason-code triggers twice.
    What the outside sees is what the transitions one by one left: ``version`` counts every step,
    ``updated_at`` is the last step's time, one audit event (with its feed entry and webhook rows) per
    step, each ``at`` later than the one before (the trail sorts by it). ``if_absent`` as in
    ``transition``: ``AlreadyStored`` with nothing written."""
    if not inspect(invoice).transient or not steps:
        raise ValueError("store_new stores a new invoice (transient) and at least one status change")
    current: InvoiceStatus | None = None
    for step in steps:
        if step.to not in ALLOWED.get(current, frozenset()):
            raise IllegalTransition(
                f"cannot move invoice from {current.value if current else 'new'} to {step.to.value}",
                current_status=current.value if current else None, allowed=allowed_from(current))
        current = step.to
    moments = _later_and_later(len(steps))
    invoice.status, invoice.updated_at = steps[-1].to, moments[-1]
    invoice.version = (invoice.version or 0) + len(steps)
    _insert_new(session, invoice, if_absent)  # the row first: the audit events' FK needs it
    events, current = [], None
    for step, at in zip(steps, moments, strict=True):
        event = new_row(AuditEvent, invoice_id=invoice.id, from_status=current, to_status=step.to,
                        actor=step.actor, reason_codes=list(step.reason_codes), comment=step.comment,
                        approval=None, at=at)
        _consequences(session, invoice, event)
        events.append(event)
        current = step.to
    return events


def _later_and_later(count: int) -> list[datetime]:
    """``count`` moments from now on, each at least a microsecond after the one before (two calls of
    the clock can read the same microsecond)."""
    moments: list[datetime] = []
    for _ in range(count):
        now = utcnow()
        moments.append(now if not moments or now > moments[-1] else moments[-1] + _MICROSECOND)
    return moments


_MICROSECOND = timedelta(microseconds=1)


_committed_changes = 0


def committed_status_changes() -> int:
    """How many transactions with a status change this process has committed (a cache key)."""
    return _committed_changes


def _count_committed_change() -> None:
    global _committed_changes
    _committed_changes += 1


class AlreadyStored(Exception):
    """A new invoice's row was not inserted: a stored one holds one of its unique values."""


def _write_status(session: Session, invoice: Invoice, state: InstanceState, current: InvoiceStatus | None,
                  to: InvoiceStatus, now: datetime, if_absent: bool = False) -> None:
    """Store the new status now, so the audit event and the consequences can refer to the row.

    Every status change of the service but a new invoice's (``store_new``) comes through here. A unit-of-work
    flush costs several times the statement it emits, so when the invoice has no other unsaved change
    the row is written with one prepared INSERT (a new invoice) or UPDATE (status, updated_at,
    version) and the ORM object is told the values are stored. Anything else (an invoice the
    caller already added, or one with other changed attributes) is flushed as usual.
    """
    version = (invoice.version or 0) + 1
    if current is None and state.transient:
        invoice.status, invoice.updated_at, invoice.version = to, now, version
        _insert_new(session, invoice, if_absent)
    elif current is not None and not state.modified:
        session.execute(_UPDATE_STATUS, {"invoice_id": invoice.id, "new_status": to, "new_updated_at": now,
                                         "new_version": version})
        for name, value in (("status", to), ("updated_at", now), ("version", version)):
            set_committed_value(invoice, name, value)
        session.add(invoice)  # a detached copy becomes persistent again
    elif current is not None and (changed := _changed_columns(state)) is not None:
        # other columns changed too (intake: the decision's reasons): the same one UPDATE with them
        invoice.status, invoice.updated_at, invoice.version = to, now, version
        keys = frozenset(changed) | _STATUS_KEYS
        params = {f"new_{key}": state.dict[key] for key in keys}
        params["invoice_id"] = invoice.id
        session.execute(_update_of(keys), params)
        state._commit_all(state.dict, session.identity_map)  # what a flush does after its UPDATE
        session.add(invoice)
    else:
        invoice.status, invoice.updated_at, invoice.version = to, now, version
        session.add(invoice)
        session.flush()


def _insert_new(session: Session, invoice: Invoice, if_absent: bool) -> None:
    """The new invoice's row as it is now, with one prepared INSERT; the object becomes persistent."""
    values = {c.key: getattr(invoice, c.key) for c in _INVOICE_COLUMNS}
    if not if_absent:
        _INSERT_INVOICE.execute(session, values)
    elif _insert_unless_taken(session.get_bind().dialect).execute(session, values).first() is None:
        raise AlreadyStored(f"an invoice with the same bytes, number or message as {invoice.id} is stored")
    _mark_inserted(session, invoice)
    make_transient_to_detached(invoice)  # the row exists: attach as persistent, nothing pending
    session.add(invoice)


_INSERTED = "einvoice.inserted_invoices"


def _mark_inserted(session: Session, invoice: Invoice) -> None:
    """Remember that the current transaction inserted this invoice (a later status change of it in the
    same transaction then needs no SELECT ... FOR UPDATE: one round trip less)."""
    root = session.get_transaction()
    mark = session.info.get(_INSERTED)
    if mark is None or mark[0] is not root:
        mark = session.info[_INSERTED] = (root, set())
    mark[1].add(invoice.id)


def _inserted_in_this_transaction(session: Session, invoice: Invoice) -> bool:
    mark = session.info.get(_INSERTED)
    return mark is not None and mark[0] is session.get_transaction() and invoice.id in mark[1]


_INVOICES = Invoice.__table__
_INVOICE_COLUMNS = tuple(_INVOICES.columns)
_INSERT_INVOICE = Prepared(insert(_INVOICES))
_INSERT_UNLESS_TAKEN: dict[str, Prepared] = {}


def _insert_unless_taken(dialect: Dialect) -> Prepared:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: the row's id back when it was inserted, nothing
    when a unique value was taken (rowcount is -1 on psycopg). The same SQL PostgreSQL's and SQLite's
    ``insert().on_conflict_do_nothing()`` compile to, written as text with the columns' types: their
    constructs have no cache key, so SQLAlchemy compiled the 44 columns anew at every new invoice,
    about 2 ms of a worker's CPU (py-spy under load, 2026-12-06); a text statement is compiled once."""
    statement = _INSERT_UNLESS_TAKEN.get(dialect.name)
    if statement is None:
        quote = dialect.identifier_preparer
        columns = ", ".join(quote.format_column(c) for c in _INVOICE_COLUMNS)
        values = ", ".join(f":{c.key}" for c in _INVOICE_COLUMNS)
        statement = _INSERT_UNLESS_TAKEN[dialect.name] = Prepared(text(
            f"INSERT INTO {quote.format_table(_INVOICES)} ({columns}) VALUES ({values}) "
            f"ON CONFLICT DO NOTHING RETURNING {quote.format_column(_INVOICES.c.id)}"
        ).bindparams(*(bindparam(c.key, type_=c.type) for c in _INVOICE_COLUMNS)).columns(_INVOICES.c.id))
    return statement


_UPDATE_STATUS = (
    update(_INVOICES)
    .where(_INVOICES.c.id == bindparam("invoice_id"))
    .values(status=bindparam("new_status"), updated_at=bindparam("new_updated_at"), version=bindparam("new_version"))
)
_STATUS_KEYS = frozenset({"status", "updated_at", "version"})
_PLAIN_COLUMNS = frozenset(c.key for c in _INVOICE_COLUMNS) - {"id"}
_UPDATES: dict[frozenset[str], Any] = {}  # changed columns -> UPDATE (a few shapes per process)


def _changed_columns(state: InstanceState) -> list[str] | None:
    """The invoice's changed columns when they can go into one UPDATE by id (plain column values,
    all loaded); None when a unit-of-work flush is needed."""
    changed = list(state.committed_state)
    if any(key not in _PLAIN_COLUMNS or key not in state.dict for key in changed) \
            or state.__dict__.get("_pending_mutations"):
        return None
    return changed


def _update_of(keys: frozenset[str]) -> Any:
    stmt = _UPDATES.get(keys)
    if stmt is None:
        stmt = _UPDATES[keys] = (
            update(_INVOICES).where(_INVOICES.c.id == bindparam("invoice_id"))
            .values({_INVOICES.c[key]: bindparam(f"new_{key}") for key in sorted(keys)}))
    return stmt
