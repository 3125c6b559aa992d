"""Resolving an exception in place (role reviewer): POST /v1/invoices/{id}/rematch and /order."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from service.api.deps import Reviewer
from service.db import SessionDep
from service.decisions.rematch import link_order, rematch_by_hand
from service.masterdata.common import OrderNotFound
from service.errors import IllegalTransition, InvoiceNotFound, problem_responses
from service.models.invoices import Invoice

router = APIRouter(tags=["review"])


class OrderLink(BaseModel):
    order_number: str = Field(min_length=1, max_length=200, description="The purchase order to match the invoice with")


class RematchOutcome(BaseModel):
    invoice_id: uuid.UUID
    status: str = Field(description="`approved` when the invoice passes now, else `needs_review`")
    reason_codes: list[str] = Field(description="The failed checks of the new decision")
    order_number: str | None = Field(None, description="The order the invoice is matched with")
    version: int
    links: dict[str, str]


@router.post(
    "/invoices/{invoice_id}/rematch",
    operation_id="review-rematch",
    response_model=RematchOutcome,
    summary="Match an invoice under review again now",
    description="Runs matching again with today's master data (orders, receipts, supplier, policy) and "
    "records the decision with trigger `manual re-match` and the caller as its actor (in "
    "`/decision` and its history). When the invoice passes now the system approves it, as any "
    "re-match; otherwise it stays under review with the new reasons. Only invoices under review "
    "(409 `/problems/illegal-transition` otherwise).",
    responses=problem_responses(InvoiceNotFound, IllegalTransition),
)
def rematch(invoice_id: uuid.UUID, session: SessionDep, principal: Reviewer) -> RematchOutcome:
    """Match an invoice under review again now."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    rematch_by_hand(session, invoice, actor=principal.actor)
    return _outcome(invoice)


@router.post(
    "/invoices/{invoice_id}/order",
    operation_id="review-link-order",
    response_model=RematchOutcome,
    summary="Link an invoice under review to a purchase order",
    description="For an invoice that names no order (BT-13), or the wrong one: from now on matching uses this "
    "order instead, at once and on every later re-match (the document stays as sent). The change is a "
    "comment in the invoice's trail (`order: OLD → NEW`) and a decision with trigger `order linked` and "
    "the caller as actor; the system approves the invoice when it passes now. 404 for an unknown order, "
    "409 `/problems/illegal-transition` when the invoice is not under review.",
    responses=problem_responses(InvoiceNotFound, OrderNotFound, IllegalTransition),
)
def link(invoice_id: uuid.UUID, body: OrderLink, session: SessionDep, principal: Reviewer) -> RematchOutcome:
    """Link an invoice under review to a purchase order."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    link_order(session, invoice, body.order_number, actor=principal.actor)
    return _outcome(invoice)


def _outcome(invoice: Invoice) -> RematchOutcome:
    return RematchOutcome(invoice_id=invoice.id, status=invoice.status.value, order_number=invoice.purchase_order,
                          reason_codes=list(dict.fromkeys(r.get("code", "") for r in invoice.reasons or [])),
                          version=invoice.version,
                          links={"invoice": f"/v1/invoices/{invoice.id}", "decision": f"/v1/invoices/{invoice.id}/decision"})
