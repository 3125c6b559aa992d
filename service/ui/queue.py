"""The review queue: invoices under review, oldest due date first, keyset-paged.

Order: ``due_date`` ascending (invoices without a due date last), then ``id``. The cursor is the
last row's (due_date, id), so every page is one index range scan however deep the queue is
(index on invoices (status, due_date, id)). Reason codes live in the ``invoices.reasons`` JSON
list; counting and filtering by them read ``invoice_reason_codes``, each invoice's codes, which the
database's triggers keep in step with it (migration 0038).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, func, literal, tuple_
from sqlmodel import Session, select

from service import cursors, invoice_search
from service.keys import credentials_of
from service.models.base import utcnow
from service.lifecycle import committed_status_changes
from service.models.approvals import ApprovalStep, InvoiceApproval
from service.models.invoices import Invoice, InvoiceReasonCode, InvoiceStatus

PAGE_SIZE = 50
AGE_CHOICES = (5, 10, 20, 30)
QUEUE_STATUSES = (InvoiceStatus.needs_review.value, InvoiceStatus.on_hold.value, InvoiceStatus.awaiting_approval.value)
AWAITING_SECOND = "awaiting_second"  # the status filter "awaiting my second approval"


@dataclass
class QueueFilter:
    status: str = InvoiceStatus.needs_review.value
    reason: str = ""
    supplier: str = ""
    order: str = ""
    age: int | None = None  # received more than this many days ago
    # "awaiting my second approval": awaiting_approval, without those whose first approval is ``actor``'s
    second: bool = False
    actor: str = ""  # the signed-in person (set by the page, never from the query string)
    organisation_id: uuid.UUID | None = None  # the staff member's current organisation (not a URL parameter)

    @classmethod
    def from_params(cls, params, actor: str = "") -> QueueFilter:
        status = params.get("status") or InvoiceStatus.needs_review.value
        second = status == AWAITING_SECOND
        if second:
            status = InvoiceStatus.awaiting_approval.value
        if status not in QUEUE_STATUSES:
            status = InvoiceStatus.needs_review.value
        try:
            age = int(params.get("age") or 0) or None
        except ValueError:
            age = None
        reason = (params.get("reason") or "").strip().upper()
        return cls(status=status, second=second, actor=actor, reason=reason if reason.replace("_", "").isalpha() else "",
                   supplier=(params.get("supplier") or "").strip()[:200],
                   order=(params.get("order") or "").strip()[:200], age=age if age in AGE_CHOICES else None)

    def query_params(self, **overrides) -> dict[str, str]:
        status = AWAITING_SECOND if self.second else self.status if self.status != "needs_review" else ""
        values = {"status": status, "reason": self.reason,
                  "supplier": self.supplier, "order": self.order, "age": str(self.age or "")}
        values.update({k: str(v) for k, v in overrides.items()})
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.reason or self.supplier or self.order or self.age)


@dataclass
class QueuePage:
    rows: list[Invoice]
    next_cursor: str | None
    total: int
    reason_counts: list[tuple[str, int]] = field(default_factory=list)


def _reason_exists(code: str):
    # one look-up of the code table's key (invoice_id, code) per invoice walked
    return exists(select(literal(1)).select_from(InvoiceReasonCode).where(
        InvoiceReasonCode.invoice_id == Invoice.id, InvoiceReasonCode.code == code))


def _conditions(session: Session, flt: QueueFilter, *, with_reason: bool = True) -> list:
    conds = [Invoice.status == InvoiceStatus(flt.status)]
    if flt.organisation_id is not None:
        conds.append(Invoice.organisation_id == flt.organisation_id)
    if flt.supplier:
        conds.append(invoice_search.seller_name_contains(session, flt.supplier))
    if flt.order:
        conds.append(Invoice.purchase_order == flt.order)
    if flt.age:
        conds.append(Invoice.created_at <= utcnow() - timedelta(days=flt.age))
    if with_reason and flt.reason:
        conds.append(_reason_exists(flt.reason))
    if flt.second:
        conds.append(~_first_approved_by(credentials_of(session, flt.actor)))
    return conds


def _first_approved_by(actors: list[str]):
    """The invoice waits for the second approval of its first approval by one of ``actors`` (a
    person's workspace account and their own keys: they may not complete it). The approval
    that put it in awaiting_approval is the invoice's last change, so it is not older than
    ``updated_at`` (an earlier round, ended by a hold, is)."""
    return exists(select(literal(1)).select_from(InvoiceApproval).where(
        InvoiceApproval.invoice_id == Invoice.id, InvoiceApproval.step == ApprovalStep.first,
        InvoiceApproval.actor.in_(actors), InvoiceApproval.at >= Invoice.updated_at))


def encode_cursor(due: date | None, invoice_id: uuid.UUID) -> str:
    return cursors.encode(due.isoformat() if due else "-", str(invoice_id))


def decode_cursor(cursor: str | None) -> tuple[date | None, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        due_s, id_s = cursors.decode(cursor, 2)
        return (None if due_s == "-" else date.fromisoformat(due_s)), uuid.UUID(id_s)
    except (ValueError, UnicodeDecodeError):
        return None


# Two phases keep each query on the (status, due_date, id) index: first the invoices with a due
# date in (due_date, id) order, then those without one in id order. (Sorting on "due_date IS NULL"
# would make the database sort every row under review.)


def _fetch(session: Session, cols, conds, position, limit: int, descending: bool = False) -> list:
    """Up to ``limit`` rows after (or, descending, before) ``position`` in queue order."""
    due, after_id = position if position else (None, None)
    rows: list = []
    phases = ("dated", "undated") if not descending else ("undated", "dated")
    for phase in phases:
        if len(rows) >= limit:
            break
        if phase == "dated":
            stmt = select(*cols).where(*conds, Invoice.due_date.is_not(None))
            if position and due is not None:
                # a row-value comparison: both databases walk the (status, due_date, id) index from it
                key, at = tuple_(Invoice.due_date, Invoice.id), tuple_(literal(due), literal(after_id))
                stmt = stmt.where(key < at if descending else key > at)
            elif position and due is None and not descending:
                continue  # the cursor is already in the undated phase
            order: tuple[object, ...] = (
                (Invoice.due_date.desc(), Invoice.id.desc()) if descending else (Invoice.due_date, Invoice.id))
        else:
            stmt = select(*cols).where(*conds, Invoice.due_date.is_(None))
            if position and due is None:
                stmt = stmt.where(Invoice.id < after_id if descending else Invoice.id > after_id)
            elif position and due is not None and descending:
                continue  # a dated cursor going backwards never reaches the undated ones
            order = (Invoice.id.desc(),) if descending else (Invoice.id,)
        rows += list(session.exec(stmt.order_by(*order).limit(limit - len(rows))))
    return rows


def page(session: Session, flt: QueueFilter, cursor: str | None = None, limit: int = PAGE_SIZE) -> QueuePage:
    conds = _conditions(session, flt)
    rows = [r[0] if not isinstance(r, Invoice) else r
            for r in _fetch(session, (Invoice,), conds, decode_cursor(cursor), limit + 1)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].due_date, rows[-1].id) if more and rows else None
    counts = reason_counts(session, flt)
    if flt.reason:  # the count of that code is the total: no second scan of the JSON
        total = dict(counts).get(flt.reason, 0)
    else:
        total = session.exec(select(func.count()).select_from(Invoice).where(*conds)).one()
    return QueuePage(rows=rows, next_cursor=next_cursor, total=total, reason_counts=counts)


# The counts are kept for a few seconds per filter, while this process has committed no status
# change since they were counted (``lifecycle.committed_status_changes``, counted after each commit, so
# counts taken from the old data during a transaction are stale once it ends). A count is one index
# range of invoice_reason_codes: 19 ms of CPU with 60,000 invoices under review (SQLite), where reading
# every queued invoice's reasons JSON took 280 ms.
COUNTS_TTL_SECONDS = 15.0
_counts_cache: dict[tuple, tuple[float, int, list[tuple[str, int]]]] = {}


def reason_counts(session: Session, flt: QueueFilter) -> list[tuple[str, int]]:
    """Invoices per reason code in the queue (the other filters applied, not the reason filter)."""
    # per organisation too: the counts of one organisation's queue are never shown in another's
    key = (str(session.get_bind().url), flt.organisation_id, flt.status, flt.supplier.lower(), flt.order, flt.age,
           flt.second, flt.actor)
    changes = committed_status_changes()
    hit = _counts_cache.get(key)
    if hit is not None and hit[1] == changes and time.monotonic() - hit[0] < COUNTS_TTL_SECONDS:
        return hit[2]
    counts = _count_reasons(session, flt)
    if len(_counts_cache) > 256:
        _counts_cache.clear()
    _counts_cache[key] = (time.monotonic(), changes, counts)
    return counts


def _count_reasons(session: Session, flt: QueueFilter) -> list[tuple[str, int]]:
    rc = InvoiceReasonCode
    n = func.count()
    stmt = select(rc.code, n).where(rc.status == InvoiceStatus(flt.status))
    if flt.organisation_id is not None:
        stmt = stmt.where(rc.organisation_id == flt.organisation_id)
    if flt.supplier or flt.order or flt.age or flt.second:  # filters on the invoice: its row too
        stmt = stmt.join(Invoice, Invoice.id == rc.invoice_id).where(
            *_conditions(session, flt, with_reason=False))
    # (each invoice has a code once in the table: a row is an invoice)
    stmt = stmt.group_by(rc.code).order_by(n.desc(), rc.code)
    return [(str(c), int(k)) for c, k in session.exec(stmt) if c]


def neighbours(session: Session, invoice: Invoice, flt: QueueFilter) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(previous, next) invoice ids around ``invoice`` in the queue order with the filter applied."""
    conds = _conditions(session, flt)
    position = (invoice.due_date, invoice.id)
    before = _fetch(session, (Invoice.id,), conds, position, 1, descending=True)
    after = _fetch(session, (Invoice.id,), conds, position, 1)
    return (before[0] if before else None), (after[0] if after else None)
