"""Resolving an exception in place (role reviewer): POST /v1/invoices/{id}/rematch and /order, and per
invoice line /lines/{line_id}/pairing and /lines/{line_id}/accept."""

from __future__ import annotations

import uuid

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from pydantic import BaseModel, Field

from service.api.deps import Reviewer
from service.db import SessionDep
from service.approvals.four_eyes import SecondApproverRequired
from service.approvals.rights import RightMissing, approver
from service.decisions.rematch import link_order, rematch_by_hand
from service.decisions.resolve import accept_variance, pair_line
from service.masterdata.common import OrderNotFound
from service.errors import IllegalTransition, InvalidInput, InvoiceNotFound, problem_responses
from service.models.invoices import Invoice
from service.reasons import distinct_codes

router = APIRouter(tags=["review"])

# BT-126, the invoice line identifier (the same bound as an order line's id)
LineId = Annotated[str, Path(min_length=1, max_length=200, description="The invoice line's identifier (BT-126)")]


class OrderLink(BaseModel):
    order_number: str = Field(min_length=1, max_length=200, description="The purchase order to match the invoice with")


class LinePairingIn(BaseModel):
    order_line_id: str = Field(min_length=1, max_length=200,
                               description="A line of the order the invoice is matched with")


class VarianceAcceptance(BaseModel):
    code: Literal["PRICE_VARIANCE", "QUANTITY_EXCEEDS_ORDERED", "QUANTITY_EXCEEDS_RECEIVED"] = Field(
        description="The open variance on this line that is accepted")
    reason: str = Field(min_length=1, max_length=4000, description="Why it is accepted (in the audit trail)")


class RematchOutcome(BaseModel):
    invoice_id: uuid.UUID
    status: str = Field(description="`approved` when the invoice passes now, else `needs_review`; after an "
                                    "accepted variance also `awaiting_approval` (four eyes)")
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


@router.post(
    "/invoices/{invoice_id}/lines/{line_id}/pairing",
    operation_id="review-pair-line",
    response_model=RematchOutcome,
    summary="Pair an invoice line with an order line by hand",
    description="For a line matching could not pair (LINE_NOT_MATCHED, LINE_AMBIGUOUS) or paired wrongly: from "
    "now on matching pairs invoice line `line_id` (BT-126) with this line of the invoice's order, at once and "
    "on every later re-match (the latest pairing of a line wins). Recorded with the caller and time (in "
    "`/decision` as `manual_pairings`, and a line in the invoice's trail) and matched again with trigger "
    "`line paired`; the system approves the invoice when it passes now. 422 for an unknown invoice line or "
    "order line, 409 `/problems/illegal-transition` when the invoice is not under review.",
    responses=problem_responses(InvoiceNotFound, InvalidInput, IllegalTransition),
)
def pair(invoice_id: uuid.UUID, line_id: LineId, body: LinePairingIn, session: SessionDep,
         principal: Reviewer) -> RematchOutcome:
    """Pair an invoice line with an order line by hand."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    pair_line(session, invoice, line_id, body.order_line_id, actor=principal.actor)
    return _outcome(invoice)


@router.post(
    "/invoices/{invoice_id}/lines/{line_id}/accept",
    operation_id="review-accept-variance",
    response_model=RematchOutcome,
    summary="Accept a price or quantity variance on an invoice line, with a reason",
    description="Accepts an open PRICE_VARIANCE, QUANTITY_EXCEEDS_ORDERED or QUANTITY_EXCEEDS_RECEIVED of invoice "
    "line `line_id`. The check stays failed and is marked as accepted (who and why; `accepted` in `/decision`, "
    "and `accepted_variances`), also on later re-matches: the machine never approves it. When every failed check "
    "is accepted, the caller's approval follows under the four-eyes rules: `status` `approved`, or "
    "`awaiting_approval` when a rule covers the invoice (a different person completes it). Needs the right "
    "`review` (403 `/problems/right-missing`); 422 when the line has no such open variance; 409 when the invoice "
    "is not under review.",
    responses=problem_responses(InvoiceNotFound, InvalidInput, IllegalTransition, RightMissing,
                                SecondApproverRequired),
)
def accept(invoice_id: uuid.UUID, line_id: LineId, body: VarianceAcceptance, session: SessionDep,
           principal: Reviewer) -> RematchOutcome:
    """Accept a price or quantity variance on an invoice line, with a reason."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    accept_variance(session, invoice, line_id, body.code, body.reason,
                    approver=approver(principal.actor, principal.role.value, principal.rights,
                                      principal.approval_limit))
    return _outcome(invoice)


def _outcome(invoice: Invoice) -> RematchOutcome:
    return RematchOutcome(invoice_id=invoice.id, status=invoice.status.value, order_number=invoice.purchase_order,
                          reason_codes=distinct_codes(invoice.reasons),
                          version=invoice.version,
                          links={"invoice": f"/v1/invoices/{invoice.id}", "decision": f"/v1/invoices/{invoice.id}/decision"})
