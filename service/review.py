"""Review actions of finance staff: approve, reject, hold, comment (review workspace area).

The /v1 review API and the workspace forms call these functions; they go through
``service.lifecycle.transition`` (status + audit event in the caller's transaction) and only flush.

A rejection stores the reviewer's reason codes on the audit event (``reason_codes``) and the
free-text reason as its ``comment``: the Invoice Response generator turns that into an RE response
whose StatusReason clarification codes come from ``service.reasons.clarification_codes()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlmodel import Session, select

from service.approvals import four_eyes
from service.approvals.rights import Approver
from service.errors import Conflict, InvalidInput, NotFound
from service.lifecycle import transition
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus
from service.models.workspace import InvoiceComment
from service.reasons import (
    CLARIFICATION,
    LIFECYCLE_CODES,
    VALIDATION_CODES,
    ReasonCode,
    clarification_codes,
    distinct_codes,
)

__all__ = ["CLARIFICATION", "REJECTION_CODES", "StaleInvoice", "add_comment", "approve", "clarification_codes",
           "comments", "current_codes", "hold", "reject"]

S = InvoiceStatus
UNDER_REVIEW = (S.needs_review, S.on_hold, S.awaiting_approval)
MAX_TEXT = 4000

# Codes a reviewer may give when rejecting (the matching exceptions).
REJECTION_CODES: tuple[ReasonCode, ...] = tuple(c for c in ReasonCode
                                                if c not in VALIDATION_CODES and c not in LIFECYCLE_CODES)


class StaleInvoice(Conflict):
    slug, title = "stale-invoice", "The invoice changed since it was shown"


def _load(session: Session, invoice_id: uuid.UUID, expected_version: int | None) -> Invoice:
    # FOR UPDATE on PostgreSQL: two reviewers acting at once are serialised (SQLite already is).
    invoice = session.exec(select(Invoice).where(Invoice.id == invoice_id).with_for_update()).first()
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}")
    if expected_version is not None and invoice.version != expected_version:
        raise StaleInvoice(
            "someone else acted on this invoice in the meantime; reload it",
            current_status=invoice.status.value, current_version=invoice.version,
        )
    return invoice


def _clean_text(value: str | None, field: str, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required", errors=[{"loc": ["body", field], "msg": "required", "type": "missing"}])
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{field} is too long", errors=[{"loc": ["body", field], "msg": f"at most {MAX_TEXT} characters", "type": "string_too_long"}])
    return text or None


def current_codes(invoice: Invoice) -> list[str]:
    """The distinct reason codes of the invoice's failed checks, in order."""
    return distinct_codes(invoice.reasons)


def approve(session: Session, invoice_id: uuid.UUID, *, actor: str, comment: str | None = None,
            expected_version: int | None = None, approver: Approver | None = None) -> tuple[Invoice, AuditEvent]:
    """A person approves a flagged invoice (comment optional), under the four-eyes rules: the
    result is ``approved``, or ``awaiting_approval`` until a different person approves too.
    ``approver`` carries the rights and approval limit (default: a reviewer's, no limit)."""
    text = _clean_text(comment, "comment")
    invoice = _load(session, invoice_id, expected_version)
    event = four_eyes.approve(session, invoice, approver=approver or Approver(actor), comment=text,
                              open_codes=current_codes(invoice),
                              organisation_id=invoice.organisation_id)  # its organisation's rules, else the global ones
    return invoice, event


def reject(session: Session, invoice_id: uuid.UUID, *, actor: str, reason: str,
           reason_codes: Iterable[str] = (), expected_version: int | None = None) -> tuple[Invoice, AuditEvent]:
    """A person rejects a flagged invoice: reason text required; codes default to the failed checks."""
    text = _clean_text(reason, "reason", required=True)
    codes: list[str] = []
    bad: list[str] = []
    for code in reason_codes:
        if code in ReasonCode.__members__ and code not in codes:
            codes.append(code)
        elif code not in ReasonCode.__members__:
            bad.append(code)
    if bad:
        raise InvalidInput("unknown reason codes: " + ", ".join(sorted(bad)),
                           errors=[{"loc": ["body", "reason_codes"], "msg": f"unknown code {c}", "type": "enum"} for c in bad])
    invoice = _load(session, invoice_id, expected_version)
    if not codes:
        codes = current_codes(invoice)
    event = transition(session, invoice, S.rejected, actor=actor, reason_codes=codes, comment=text)
    return invoice, event


def hold(session: Session, invoice_id: uuid.UUID, *, actor: str, comment: str | None = None,
         expected_version: int | None = None) -> tuple[Invoice, AuditEvent]:
    """Put a flagged invoice on hold (e.g. waiting for the buyer or a credit note)."""
    invoice = _load(session, invoice_id, expected_version)
    event = transition(session, invoice, S.on_hold, actor=actor, comment=_clean_text(comment, "comment"))
    return invoice, event


def add_comment(session: Session, invoice_id: uuid.UUID, *, actor: str, text: str) -> InvoiceComment:
    """A note on the invoice; it changes no status."""
    body = _clean_text(text, "text", required=True)
    if session.get(Invoice, invoice_id) is None:
        raise NotFound(f"no invoice {invoice_id}")
    comment = InvoiceComment(invoice_id=invoice_id, actor=actor, text=body)
    session.add(comment)
    session.flush()
    return comment


def comments(session: Session, invoice_id: uuid.UUID) -> list[InvoiceComment]:
    return list(session.exec(select(InvoiceComment).where(InvoiceComment.invoice_id == invoice_id)
                             .order_by(InvoiceComment.at, InvoiceComment.id)))
