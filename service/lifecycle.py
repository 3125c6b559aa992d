"""The invoice lifecycle: the only code that changes ``Invoice.status``.

Every transition writes an ``AuditEvent`` in the caller's transaction (the request's unit of work),
so a status never changes without its audit record, and vice versa.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlmodel import Session

from service.errors import IllegalTransition
from service.models.base import utcnow
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus

S = InvoiceStatus

# DESIGN.md: received -> rejected | approved | needs_review; needs_review -> approved | rejected |
# on_hold; approved -> booked -> paid. on_hold returns to needs_review or is decided directly.
ALLOWED: dict[InvoiceStatus | None, frozenset[InvoiceStatus]] = {
    None: frozenset({S.received}),
    S.received: frozenset({S.rejected, S.approved, S.needs_review}),
    S.needs_review: frozenset({S.approved, S.rejected, S.on_hold}),
    S.on_hold: frozenset({S.needs_review, S.approved, S.rejected}),
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
) -> AuditEvent:
    """Move ``invoice`` to ``to`` and record who did it and why; raise IllegalTransition otherwise."""
    current = invoice.status if invoice.id is not None and _persisted(session, invoice) else None
    if current is not None and session.get_bind().dialect.name != "sqlite":
        # Decide on the committed status, under a row lock: two processes holding stale copies
        # must not both pass the check (SQLite serialises writers, so it needs no lock).
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
    invoice.status = to
    invoice.updated_at = now
    invoice.version = (invoice.version or 0) + 1
    session.add(invoice)
    # the invoice row first (the audit event's FK needs it), then the event as one prepared INSERT:
    # a unit-of-work flush per object costs far more than the statement itself (intake's budget)
    session.flush()
    event = AuditEvent(
        invoice_id=invoice.id,
        from_status=current,
        to_status=to,
        actor=actor,
        reason_codes=list(reason_codes),
        comment=comment,
        at=now,
    )
    session.execute(_INSERT_EVENT, {
        "id": event.id, "invoice_id": event.invoice_id, "from_status": event.from_status,
        "to_status": event.to_status, "actor": event.actor, "reason_codes": event.reason_codes,
        "comment": event.comment, "at": event.at,
    })
    for hook in _after_transition_hooks:
        hook(session, invoice, event)
    return event


_INSERT_EVENT = insert(AuditEvent.__table__)


def _persisted(session: Session, invoice: Invoice) -> bool:
    from sqlalchemy import inspect

    state = inspect(invoice)
    return state.persistent or state.detached


# Hooks run inside the same transaction after each transition (e.g. the change feed and the
# webhook outbox register themselves here). A hook must only flush, never commit.
_after_transition_hooks: list = []


def on_transition(hook):
    _after_transition_hooks.append(hook)
    return hook


# The change feed and the webhook outbox must see every transition, whoever makes it (API, CLI,
# workers), and so must the matching ledger: register their hooks whenever the lifecycle is imported.
import service.erp  # noqa: E402,F401
import service.decide  # noqa: E402,F401  (the matching ledger follows reviewers' decisions)
