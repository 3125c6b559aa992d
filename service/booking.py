"""Booking and payment reported by the ERP: approved -> booked -> paid.

Both go through ``service.lifecycle.transition`` (audit event, change feed, webhooks in the same
transaction). Repeating the same report is answered with the current state and changes nothing, so
an ERP may retry safely; a different report for an invoice already booked/paid is a conflict.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from service.errors import IllegalTransition, InvoiceNotFound
from service.lifecycle import allowed_from, transition
from service.models.base import utcnow
from service.models.erp import ErpInvoiceState
from service.models.invoices import Invoice, InvoiceStatus

S = InvoiceStatus


def _locked_invoice(session: Session, invoice_id: uuid.UUID) -> Invoice:
    # FOR UPDATE on PostgreSQL: two ERP calls for one invoice are decided one after the other.
    invoice = session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    return invoice


def _conflict(invoice: Invoice, detail: str, **extra: Any) -> IllegalTransition:
    return IllegalTransition(detail, current_status=invoice.status.value,
                             allowed=allowed_from(invoice.status), **extra)


def book(session: Session, invoice_id: uuid.UUID, *, erp_document_number: str, actor: str,
         comment: str | None = None) -> tuple[Invoice, ErpInvoiceState, bool]:
    """approved -> booked; returns (invoice, state, changed)."""
    invoice = _locked_invoice(session, invoice_id)
    state = session.get(ErpInvoiceState, invoice_id)
    if invoice.status in (S.booked, S.paid) and state is not None:
        if state.erp_document_number == erp_document_number:
            return invoice, state, False  # a retry of the same report
        raise _conflict(invoice, f"invoice is already booked as ERP document {state.erp_document_number!r}",
                        erp_document_number=state.erp_document_number)
    transition(session, invoice, S.booked, actor=actor,
               comment=comment or f"booked in the ERP as {erp_document_number}")
    state = ErpInvoiceState(invoice_id=invoice.id, erp_document_number=erp_document_number,
                            booked_at=utcnow(), booked_by=actor)
    session.add(state)
    session.flush()
    return invoice, state, True


def pay(session: Session, invoice_id: uuid.UUID, *, payment_date: date, amount: Decimal, actor: str,
        reference: str | None = None) -> tuple[Invoice, ErpInvoiceState, bool]:
    """booked -> paid with the payment date and amount; returns (invoice, state, changed)."""
    invoice = _locked_invoice(session, invoice_id)
    state = session.get(ErpInvoiceState, invoice_id)
    if invoice.status is S.paid and state is not None and state.payment_date is not None:
        if state.payment_date == payment_date and state.paid_amount == amount:
            return invoice, state, False
        raise _conflict(invoice, f"invoice is already paid ({state.paid_amount} on {state.payment_date})",
                        payment_date=state.payment_date.isoformat(), amount=str(state.paid_amount))
    transition(session, invoice, S.paid, actor=actor,
               comment=f"paid {amount} on {payment_date.isoformat()}" + (f" ({reference})" if reference else ""))
    if state is None:  # booked without a document number (only possible outside the API)
        state = ErpInvoiceState(invoice_id=invoice.id, erp_document_number="", booked_by="")
    state.payment_date = payment_date
    state.paid_amount = amount
    state.payment_reference = reference
    state.paid_at = utcnow()
    state.paid_by = actor
    session.add(state)
    session.flush()
    return invoice, state, True


def erp_state(session: Session, invoice_id: uuid.UUID) -> dict[str, Any] | None:
    """What the ERP reported about an invoice (for the invoice resource and the workspace)."""
    state = session.get(ErpInvoiceState, invoice_id)
    if state is None:
        return None
    return {
        "erp_document_number": state.erp_document_number or None,
        "booked_at": state.booked_at,
        "payment_date": state.payment_date,
        "paid_amount": state.paid_amount,
        "payment_reference": state.payment_reference,
        "paid_at": state.paid_at,
    }


def payment_days(session: Session, *, paid_from: date | None = None,
                 paid_until: date | None = None) -> list[tuple[uuid.UUID, int]]:
    """(invoice id, days from receipt to payment) for every paid invoice, for the 30-day term figures.

    The statutory term for public buyers runs from receipt of the invoice (``Invoice.created_at``,
    the day it reached the service) to the payment date the ERP reported.
    """
    stmt = select(Invoice.id, Invoice.created_at, col(ErpInvoiceState.payment_date)).join(
        ErpInvoiceState, ErpInvoiceState.invoice_id == Invoice.id
    ).where(ErpInvoiceState.payment_date.is_not(None))
    if paid_from is not None:
        stmt = stmt.where(ErpInvoiceState.payment_date >= paid_from)
    if paid_until is not None:
        stmt = stmt.where(ErpInvoiceState.payment_date <= paid_until)
    return [(i, (paid - created.date()).days) for i, created, paid in session.exec(stmt)]


def share_paid_within(session: Session, days: int = 30, **window: date | None) -> tuple[int, int]:
    """(paid within ``days`` of receipt, all paid) in the window."""
    rows = payment_days(session, **window)
    return sum(1 for _, d in rows if d <= days), len(rows)
