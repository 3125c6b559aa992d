"""Bulk review actions (role reviewer): POST /v1/invoices/bulk, hold, assign or approve with one reason."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from service import bulk
from service.api.deps import Reviewer
from service.approvals.rights import approver
from service.db import SessionDep
from service.errors import InvalidInput, problem_responses
from service.handovers import store

router = APIRouter(tags=["review"])


class BulkRequest(BaseModel):
    action: bulk.BulkAction = Field(description="`hold`, `assign` or `approve`")
    invoice_ids: list[uuid.UUID] = Field(min_length=1, max_length=bulk.MAX_INVOICES,
                                         description="The invoices to act on (at most 200)")
    reason: str = Field(min_length=1, max_length=4000, description="One reason for all of them (the comment of "
                        "each hold or approval, the note of each assignment)")
    assignee: str | None = Field(None, max_length=100, description="Username of the colleague (for `assign`)")


class BulkItem(BaseModel):
    invoice_id: uuid.UUID
    invoice_number: str | None
    outcome: str = Field(description="`done` or `refused`")
    status: str | None = Field(description="The invoice's status now (null: no such invoice)")
    problem_type: str | None = Field(None, description="Why it was refused: the problem type the single-invoice "
                                     "endpoint answers (e.g. `/problems/illegal-transition`, "
                                     "`/problems/bulk-approval-refused`, `/problems/right-missing`)")
    detail: str | None = None


class BulkOutcome(BaseModel):
    data: list[BulkItem]
    done: int
    refused: int


@router.post("/invoices/bulk", operation_id="review-bulk", response_model=BulkOutcome,
             responses=problem_responses(InvalidInput),
             description="Hold, assign or approve several invoices with one reason; each is done or refused on "
             "its own (one refusal leaves the others done), and the answer says which and why. Approval goes only "
             "where no control forbids it: not where a four-eyes rule covers the invoice as a first approval, an "
             "open reason is risky (`BANK_ACCOUNT_UNVERIFIED`, `SUPPLIER_UNKNOWN`, `CURRENCY_MISMATCH`), the key "
             "lacks the right, or it gave the first approval itself: those are approved one by one.")
def bulk_action(body: BulkRequest, request: Request, session: SessionDep, principal: Reviewer) -> BulkOutcome:
    """Hold, assign or approve several invoices with one reason."""
    assign = None
    if body.action is bulk.BulkAction.assign:
        if not body.assignee:
            raise InvalidInput("assigning needs a colleague", errors=[
                {"loc": ["body", "assignee"], "msg": "required for assign", "type": "missing"}])
        colleague = store.colleague(session, principal.organisation_id or _only_organisation(session), body.assignee)
        assign = bulk.colleague_assigner(session, colleague, actor=principal.actor,
                                         notifier=store.notifier_of(request.app.state))
    results = bulk.run(session, body.invoice_ids, body.action, actor=principal.actor, reason=body.reason,
                       approver=approver(principal.actor, principal.role.value, principal.rights,
                                         principal.approval_limit),
                       organisation_id=principal.organisation_id, assign=assign)
    items = [BulkItem(**r.__dict__) for r in results]
    return BulkOutcome(data=items, done=sum(i.outcome == "done" for i in items),
                       refused=sum(i.outcome == "refused" for i in items))


def _only_organisation(session):
    from service.organisations.store import only_organisation

    return only_organisation(session)
