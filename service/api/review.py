"""Review actions: /v1/invoices/{id}/approve, /reject, /hold, /comments (owned by the review workspace area)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from service import review
from typing import Annotated

from fastapi import Depends

from service.api.deps import Principal, Reviewer, require
from service.api.events import EventApproval
from service.approvals.four_eyes import SecondApproverRequired
from service.approvals.rights import RightMissing, approver
from service.models.keys import Role
from service.db import SessionDep
from service.errors import IllegalTransition, InvalidInput, NotFound, problem_responses
from service.models.invoices import AuditEvent, Invoice
from service.models.workspace import InvoiceComment
from service.reasons import ReasonCode

router = APIRouter(tags=["review"])

# Comments are internal notes of the buyer: reviewers and the ERP read them, suppliers do not.
StaffReader = Annotated[Principal, Depends(require(Role.reviewer, Role.erp))]

_ERRORS = problem_responses(NotFound, IllegalTransition, review.StaleInvoice, InvalidInput)
_APPROVE_ERRORS = problem_responses(NotFound, IllegalTransition, review.StaleInvoice, SecondApproverRequired,
                                    RightMissing, InvalidInput)


class ApproveRequest(BaseModel):
    comment: str | None = Field(None, max_length=review.MAX_TEXT, description="Optional note for the audit trail.")
    version: int | None = Field(None, ge=1, le=2**31 - 1,
                                description="Invoice version the reviewer saw; 409 if it changed since.")


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=review.MAX_TEXT,
                        description="Why the invoice is rejected; sent to the supplier in the Invoice Response.")
    reason_codes: list[ReasonCode] = Field(
        default_factory=list, max_length=len(ReasonCode),
        description="Reason codes behind the rejection; default: the codes of the invoice's failed checks. "
        "They become the Invoice Response status reasons (clarification codes).",
    )
    version: int | None = Field(None, ge=1, le=2**31 - 1,
                                description="Invoice version the reviewer saw; 409 if it changed since.")


class HoldRequest(BaseModel):
    comment: str | None = Field(None, max_length=review.MAX_TEXT, description="Why the invoice waits.")
    version: int | None = Field(None, ge=1, le=2**31 - 1,
                                description="Invoice version the reviewer saw; 409 if it changed since.")


class CommentRequest(BaseModel):
    text: str = Field(min_length=1, max_length=review.MAX_TEXT, description="The note.")


class ReviewEvent(BaseModel):
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str
    reason_codes: list[str]
    clarification_codes: list[str] = Field(
        default_factory=list, description="Peppol Invoice Response status reasons (OPStatusReason) of a rejection."
    )
    comment: str | None
    actor: str
    at: datetime
    approval: EventApproval | None = Field(None, description="An approval's step and the four-eyes rule version")

    model_config = {"populate_by_name": True}


class ReviewOutcome(BaseModel):
    invoice_id: uuid.UUID
    status: str
    version: int
    event: ReviewEvent
    links: dict[str, str]


class CommentOut(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    actor: str
    text: str
    at: datetime


class CommentList(BaseModel):
    data: list[CommentOut]
    next_cursor: str | None = None


def _outcome(invoice: Invoice, event: AuditEvent) -> ReviewOutcome:
    rejected = event.to_status.value == "rejected"
    return ReviewOutcome(
        invoice_id=invoice.id,
        status=invoice.status.value,
        version=invoice.version,
        event=ReviewEvent(
            from_=event.from_status.value if event.from_status else None,
            to=event.to_status.value,
            reason_codes=list(event.reason_codes or []),
            clarification_codes=review.clarification_codes(event.reason_codes) if rejected else [],
            comment=event.comment,
            actor=event.actor,
            at=event.at,
            approval=EventApproval(**event.approval) if event.approval else None,
        ),
        links={"invoice": f"/v1/invoices/{invoice.id}", "events": "/v1/events"},
    )


@router.post("/invoices/{invoice_id}/approve", operation_id="review-approve", response_model=ReviewOutcome,
             response_model_by_alias=True, responses=_APPROVE_ERRORS,
             description="Approve a flagged invoice. When a four-eyes rule covers it (GET /v1/approvals/rules) "
             "the answer's `status` is `awaiting_approval` and a *different* person must approve it too; the "
             "first approver approving again is 409 `/problems/second-approver-required`. Approving needs the "
             "key's right `review`, completing another's approval the right `second_approval` (403 "
             "`/problems/right-missing`); above the key's `approval_limit` four eyes apply.")
def approve(invoice_id: uuid.UUID, session: SessionDep, principal: Reviewer,
            body: ApproveRequest | None = Body(None)) -> ReviewOutcome:
    """Approve a flagged invoice (four eyes where a rule says so)."""
    body = body or ApproveRequest()
    invoice, event = review.approve(session, invoice_id, actor=principal.actor, comment=body.comment,
                                    expected_version=body.version,
                                    approver=approver(principal.actor, principal.role.value, principal.rights,
                                                      principal.approval_limit))
    return _outcome(invoice, event)


@router.post("/invoices/{invoice_id}/reject", operation_id="review-reject", response_model=ReviewOutcome,
             response_model_by_alias=True, responses=_ERRORS)
def reject(invoice_id: uuid.UUID, body: RejectRequest, session: SessionDep, principal: Reviewer) -> ReviewOutcome:
    """Reject a flagged invoice with a reason; it becomes an RE Invoice Response."""
    invoice, event = review.reject(session, invoice_id, actor=principal.actor, reason=body.reason,
                                   reason_codes=[c.value for c in body.reason_codes],
                                   expected_version=body.version)
    return _outcome(invoice, event)


@router.post("/invoices/{invoice_id}/hold", operation_id="review-hold", response_model=ReviewOutcome,
             response_model_by_alias=True, responses=_ERRORS)
def hold(invoice_id: uuid.UUID, session: SessionDep, principal: Reviewer,
         body: HoldRequest | None = Body(None)) -> ReviewOutcome:
    """Put a flagged invoice on hold."""
    body = body or HoldRequest()
    invoice, event = review.hold(session, invoice_id, actor=principal.actor, comment=body.comment,
                                 expected_version=body.version)
    return _outcome(invoice, event)


@router.post("/invoices/{invoice_id}/comments", operation_id="review-add-comment", status_code=201,
             response_model=CommentOut, responses=problem_responses(NotFound, InvalidInput))
def add_comment(invoice_id: uuid.UUID, body: CommentRequest, session: SessionDep, principal: Reviewer,
                response: Response) -> CommentOut:
    """Add a comment to an invoice (no status change)."""
    comment = review.add_comment(session, invoice_id, actor=principal.actor, text=body.text)
    response.headers["Location"] = f"/v1/invoices/{invoice_id}/comments"
    return _comment_out(comment)


@router.get("/invoices/{invoice_id}/comments", operation_id="review-list-comments", response_model=CommentList,
            responses=problem_responses(NotFound))
def list_comments(invoice_id: uuid.UUID, session: SessionDep, principal: StaffReader) -> CommentList:
    """The comments on an invoice, oldest first (internal notes: not for suppliers)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}")
    return CommentList(data=[_comment_out(c) for c in review.comments(session, invoice_id)])


def _comment_out(c: InvoiceComment) -> CommentOut:
    return CommentOut(id=c.id, invoice_id=c.invoice_id, actor=c.actor, text=c.text, at=c.at)
