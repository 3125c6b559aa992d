"""ERP acknowledgements: /v1/invoices/{id}/booked and /paid (owned by the ERP integration area)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field, field_validator

from service.api.deps import ErpPrincipal
from service.bounds import NonNegativeAmount
from service.db import SessionDep
from service import booking
from service.errors import IllegalTransition, InvalidInput, problem_responses
from service.models.base import utcnow
from service.models.erp import ErpInvoiceState
from service.models.invoices import Invoice

router = APIRouter(tags=["erp"])

InvoiceId = Annotated[uuid.UUID, Path(description="Invoice id.")]


class Booked(BaseModel):
    erp_document_number: str = Field(min_length=1, max_length=200,
                                     description="The ERP's document (booking) number for this invoice.")
    comment: str | None = Field(None, max_length=2000, description="Optional note for the audit trail.")


class Paid(BaseModel):
    payment_date: date = Field(description="The day the payment was made (not in the future).")
    amount: NonNegativeAmount = Field(description="Amount paid, in the invoice currency (BT-5); a string like \"121.00\".")
    reference: str | None = Field(None, max_length=200, description="Payment reference in the ERP or bank.")

    @field_validator("payment_date")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > (utcnow() + timedelta(days=1)).date():
            raise ValueError("payment date lies in the future")
        return value


class ErpStatus(BaseModel):
    """An invoice's status with what the ERP reported about it."""

    invoice_id: uuid.UUID
    status: str = Field(description="Invoice status after the call.")
    version: int = Field(description="Invoice version (bumped on every change; part of its ETag).")
    erp_document_number: str | None = Field(None, description="ERP document number given with /booked.")
    booked_at: datetime | None = Field(None, description="When /booked was reported.")
    payment_date: date | None = Field(None, description="Payment date given with /paid.")
    paid_amount: Decimal | None = Field(None, description="Amount given with /paid (a decimal string).")
    payment_reference: str | None = None
    paid_at: datetime | None = Field(None, description="When /paid was reported.")
    changed: bool = Field(description="False when the same report was already recorded (a safe retry).")
    links: dict[str, str]


def _status(invoice: Invoice, state: ErpInvoiceState, changed: bool) -> ErpStatus:
    return ErpStatus(
        invoice_id=invoice.id, status=invoice.status.value, version=invoice.version,
        erp_document_number=state.erp_document_number or None, booked_at=state.booked_at,
        payment_date=state.payment_date, paid_amount=state.paid_amount,
        payment_reference=state.payment_reference, paid_at=state.paid_at, changed=changed,
        links={"invoice": f"/v1/invoices/{invoice.id}"},
    )


ERRORS = problem_responses(booking.InvoiceNotFound, IllegalTransition, InvalidInput)


@router.post("/invoices/{invoice_id}/booked", operation_id="erp-invoice-booked",
             response_model=ErpStatus, responses=ERRORS)
def invoice_booked(invoice_id: InvoiceId, body: Booked, session: SessionDep, principal: ErpPrincipal,
                   response: Response) -> ErpStatus:
    """Report that the ERP booked an approved invoice (approved -> booked).

    Repeating the call with the same document number answers 200 with `changed: false`. An invoice
    in any other status (or booked under another number) is 409 with the allowed transitions.
    """
    invoice, state, changed = booking.book(session, invoice_id, erp_document_number=body.erp_document_number,
                                           actor=principal.actor, comment=body.comment)
    response.headers["Location"] = f"/v1/invoices/{invoice.id}"
    return _status(invoice, state, changed)


@router.post("/invoices/{invoice_id}/paid", operation_id="erp-invoice-paid",
             response_model=ErpStatus, responses=ERRORS)
def invoice_paid(invoice_id: InvoiceId, body: Paid, session: SessionDep, principal: ErpPrincipal,
                 response: Response) -> ErpStatus:
    """Report the payment of a booked invoice (booked -> paid) with its date and amount.

    Repeating the call with the same date and amount answers 200 with `changed: false`; another
    status is 409 with the allowed transitions.
    """
    invoice, state, changed = booking.pay(session, invoice_id, payment_date=body.payment_date,
                                          amount=body.amount, reference=body.reference, actor=principal.actor)
    response.headers["Location"] = f"/v1/invoices/{invoice.id}"
    return _status(invoice, state, changed)
