"""Resolving an exception in place: POST /v1/invoices/{id}/rematch (role reviewer)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from service.api.deps import Reviewer
from service.db import SessionDep
from service.decisions.rematch import rematch_by_hand
from service.errors import IllegalTransition, InvoiceNotFound, problem_responses
from service.models.invoices import Invoice

router = APIRouter(tags=["review"])


class RematchOutcome(BaseModel):
    invoice_id: uuid.UUID
    status: str = Field(description="`approved` when the invoice passes now, else `needs_review`")
    reason_codes: list[str] = Field(description="The failed checks of the new decision")
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
    return RematchOutcome(invoice_id=invoice.id, status=invoice.status.value,
                          reason_codes=list(dict.fromkeys(r.get("code", "") for r in invoice.reasons or [])),
                          version=invoice.version,
                          links={"invoice": f"/v1/invoices/{invoice.id}", "decision": f"/v1/invoices/{invoice.id}/decision"})
