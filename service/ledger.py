"""The quantity ledger: what each invoice takes from (credit notes give back to) a purchase-order line.

Two tables (service/models/matching.py): ``ledger_entries``, one row per invoice and order line with
its state (pending while under review, approved, released when rejected), and ``ledger_balances``,
the running total per order line of what counts against it, so a new decision reads one row per
line instead of the history. Standing orders (invoices without an order) use the same tables with
the order number ``standing:<rule id>`` and the period (``2026-11``) as the line.

Writers: ``record_deltas`` (a decision of the matching service), ``release`` (a re-match replaces
the pending entries) and ``follow_transition``, which ``service.lifecycle.transition`` calls for
every status change (a person's approval makes pending quantities count as approved; a rejection
releases them). Everything runs in the caller's transaction and only flushes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from service.matching import LedgerDelta
from service.models.base import new_id, utcnow
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus
from service.models.matching import LedgerBalance, LedgerEntry, LedgerState

STANDING = "standing:"

# balances read under the order's lock: order line -> (balance row id, quantity)
Balances = dict[str, tuple[uuid.UUID, Decimal]]

_BALANCES = LedgerBalance.__table__
_ENTRIES = LedgerEntry.__table__
_UPDATE_BALANCE = (update(_BALANCES).where(_BALANCES.c.id == bindparam("b_id"))
                   .values(quantity=bindparam("b_quantity"), updated_at=bindparam("b_at")))


def balances(session: Session, order_number: str) -> Balances:
    """The running balances of ``order_number`` (one row per line); read them under the order's lock."""
    rows = session.execute(select(_BALANCES.c.id, _BALANCES.c.order_line_id, _BALANCES.c.quantity)
                           .where(_BALANCES.c.order_number == order_number)).all()
    return {line: (row_id, qty) for row_id, line, qty in rows}


def invoiced_before(session: Session, order_number: str, invoice: Invoice) -> dict[str, Decimal]:
    """What counts against each line of ``order_number`` before ``invoice`` when it is matched again:
    approved quantities, and pending ones of invoices that arrived earlier (first come, first served)."""
    out: dict[str, Decimal] = {}
    for e in session.execute(select(LedgerEntry).where(LedgerEntry.order_number == order_number,
                                                       LedgerEntry.invoice_id != invoice.id)).scalars():
        if _counts_before(e, invoice):
            out[e.order_line_id] = out.get(e.order_line_id, Decimal(0)) + e.quantity
    return out


def _counts_before(e: LedgerEntry, invoice: Invoice) -> bool:
    if e.state is LedgerState.approved:
        return True
    if e.state is not LedgerState.pending or e.credit:
        return False
    return (e.invoice_received_at, str(e.invoice_id)) < (invoice.created_at, str(invoice.id))


def credit_history(session: Session, target_id: uuid.UUID, credit_note_id: uuid.UUID | None
                   ) -> tuple[str | None, dict[str, Decimal], dict[str, Decimal]]:
    """For a credit note correcting invoice ``target_id``: (the order the invoice was booked against,
    its approved quantity per order line, what other approved credit notes gave back per line)."""
    order_number: str | None = None
    invoiced: dict[str, Decimal] = {}
    for e in session.execute(select(LedgerEntry).where(LedgerEntry.invoice_id == target_id)).scalars():
        if not e.credit and e.state is LedgerState.approved and not e.order_number.startswith(STANDING):
            invoiced[e.order_line_id] = invoiced.get(e.order_line_id, Decimal(0)) + e.quantity
            order_number = e.order_number
    credited: dict[str, Decimal] = {}
    for e in session.execute(select(LedgerEntry).where(LedgerEntry.corrected_invoice_id == target_id,
                                                       LedgerEntry.invoice_id != credit_note_id)).scalars():
        if e.credit and e.state is LedgerState.approved:
            credited[e.order_line_id] = credited.get(e.order_line_id, Decimal(0)) - e.quantity
    return order_number, invoiced, credited


def record_deltas(session: Session, *, invoice: Invoice, decision_id: uuid.UUID, deltas: Sequence[LedgerDelta],
                  order_number: str | None, credit: bool, corrected_invoice_id: uuid.UUID | None,
                  approved: bool, known: dict[str, Balances]) -> None:
    """Write a decision's ledger entries and add what counts to the balances.

    ``known``: balances read in this transaction under the order's lock (saves a re-read). Pending
    credit notes do not count yet; everything else does.
    """
    state = LedgerState.approved if approved else LedgerState.pending
    received_at = invoice.created_at or utcnow()
    now = utcnow()
    counted: dict[str, dict[str, Decimal]] = {}
    entries = []
    for delta in deltas:
        if delta.order_line_id.startswith(STANDING):  # standing:<rule id>:<period>
            _, rule_id, period = delta.order_line_id.split(":", 2)
            book, line_id = f"{STANDING}{rule_id}", period
        else:
            book, line_id = order_number or "", delta.order_line_id
        entries.append({"id": new_id(), "invoice_id": invoice.id, "decision_id": decision_id,
                        "order_number": book, "order_line_id": line_id, "quantity": delta.quantity,
                        "credit": credit, "corrected_invoice_id": corrected_invoice_id,
                        "state": state.value, "invoice_received_at": received_at, "created_at": now,
                        "updated_at": now})
        if approved or not credit:
            per_line = counted.setdefault(book, {})
            per_line[line_id] = per_line.get(line_id, Decimal(0)) + delta.quantity
    if entries:
        session.execute(insert(_ENTRIES), entries)
    for book, per_line in counted.items():
        _bump(session, book, per_line, known.get(book))


def release(session: Session, invoice_id: uuid.UUID, *, delete: bool = False) -> None:
    """The invoice's quantities stop counting (rejected). ``delete``: drop its pending entries (a
    re-match writes new ones); approved entries stay."""
    for e in session.execute(select(LedgerEntry).where(LedgerEntry.invoice_id == invoice_id)).scalars().all():
        if (delete and e.state is LedgerState.approved) or e.state is LedgerState.released:
            continue
        if e.state is LedgerState.approved or not e.credit:
            _bump(session, e.order_number, {e.order_line_id: -e.quantity})
        if delete:
            session.delete(e)
        else:
            e.state, e.updated_at = LedgerState.released, utcnow()
            session.add(e)
    session.flush()


def follow_transition(session: Session, invoice: Invoice, event: AuditEvent) -> None:
    """Consequence of a status change: a person's approval of a flagged invoice makes its pending
    quantities count as approved (a credit note gives its quantity back now); a rejection releases
    them. Other transitions leave the ledger alone (the matching service writes its own entries)."""
    if event.from_status not in (InvoiceStatus.needs_review, InvoiceStatus.on_hold, InvoiceStatus.awaiting_approval):
        return
    if event.to_status is InvoiceStatus.rejected:
        release(session, invoice.id)
    elif event.to_status is InvoiceStatus.approved:
        pending = session.execute(select(LedgerEntry).where(
            LedgerEntry.invoice_id == invoice.id, LedgerEntry.state == LedgerState.pending)).scalars().all()
        now = utcnow()
        for e in pending:
            if e.credit:
                _bump(session, e.order_number, {e.order_line_id: e.quantity})
            e.state, e.updated_at = LedgerState.approved, now
            session.add(e)
        if pending:
            session.flush()


def _bump(session: Session, order_number: str, deltas: dict[str, Decimal], known: Balances | None = None) -> None:
    """Add ``deltas`` (order line -> quantity) to the running balances (rows locked on PostgreSQL).

    Core statements, not ORM objects: this runs for every decision and must stay cheap.
    """
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    if known is not None:  # read in this transaction, under the order's lock
        current = known
    else:
        session.flush()
        current = {line: (row_id, qty) for row_id, line, qty in session.execute(
            select(_BALANCES.c.id, _BALANCES.c.order_line_id, _BALANCES.c.quantity)
            .where(_BALANCES.c.order_number == order_number, _BALANCES.c.order_line_id.in_(sorted(deltas)))
            .with_for_update())}
    now = utcnow()
    updates, inserts = [], []
    for line_id, delta in sorted(deltas.items()):
        if line_id in current:
            row_id, qty = current[line_id]
            updates.append({"b_id": row_id, "b_quantity": qty + delta, "b_at": now})
        else:
            inserts.append({"id": new_id(), "order_number": order_number, "order_line_id": line_id,
                            "quantity": delta, "updated_at": now})
    if updates:
        session.execute(_UPDATE_BALANCE, updates)
    if inserts:
        session.execute(insert(_BALANCES), inserts)
