"""Hand-overs (role reviewer): assign an invoice to a colleague, forward it to a budget holder for a
delivery confirmation (prestatieverklaring), confirm or decline it; the invoice's hand-overs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field
from sqlmodel import select

from service import cursors
from service.api.deps import Reviewer
from service.api.organisation_scope import sees
from service.api.review import StaffReader
from service.db import SessionDep
from service.errors import IllegalTransition, InvalidInput, InvoiceNotFound, problem_responses
from service.handovers import store
from service.models.handovers import Handover, HandoverKind, HandoverStatus
from service.models.keys import Role
from service.models.invoices import Invoice
from service.models.workspace import StaffUser
from service.reasons import distinct_codes

router = APIRouter(tags=["hand-overs"])


class AssignRequest(BaseModel):
    assignee: str = Field(min_length=1, max_length=100, description="Username of the colleague (a staff user of "
                          "the invoice's organisation) who works the invoice from now on")
    note: str | None = Field(None, max_length=store.MAX_TEXT, description="What the colleague should know")


class ForwardRequest(BaseModel):
    assignee: str = Field(min_length=1, max_length=100, description="Username of the budget holder who confirms "
                          "the delivery (a staff user of the invoice's organisation)")
    due_date: date = Field(description="The confirmation is asked by this date; reminders go out after it")
    note: str | None = Field(None, max_length=store.MAX_TEXT, description="What the budget holder should know")


class ConfirmRequest(BaseModel):
    note: str | None = Field(None, max_length=store.MAX_TEXT, description="Optional note of the confirming person")


class DeclineRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=store.MAX_TEXT, description="Why the delivery is not confirmed")


class WithdrawRequest(BaseModel):
    note: str | None = Field(None, max_length=store.MAX_TEXT, description="Why it is taken back (optional)")


class HandoverOut(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    kind: str = Field(description="`assign` (a colleague works it) or `confirm` (a delivery confirmation is asked)")
    assignee: str = Field(description="Username of the person the invoice was handed to")
    assignee_name: str
    requested_by: str = Field(description="Who handed it over (`user:<name>` or `key:<prefix>`)")
    note: str | None
    due_date: date | None
    status: str = Field(description="open, confirmed, declined, replaced, withdrawn or closed")
    resolution: str | None = Field(description="The decline reason, or the confirming person's note")
    resolved_by: str | None
    resolved_at: datetime | None
    receipt_id: str | None = Field(description="The goods receipt (source `prestatieverklaring`) a confirmation "
                                   "recorded for what had not been received yet")
    created_at: datetime


class HandoverList(BaseModel):
    data: list[HandoverOut]
    next_cursor: str | None = None


class ConfirmOutcome(BaseModel):
    handover: HandoverOut
    invoice_status: str = Field(description="`approved` when the invoice passes matching now")
    reason_codes: list[str] = Field(description="The failed checks of the invoice now")
    links: dict[str, str]


def _out(session, handover: Handover) -> HandoverOut:
    user = session.get(StaffUser, handover.assignee_id)
    return HandoverOut(
        id=handover.id, invoice_id=handover.invoice_id, kind=handover.kind.value,
        assignee=user.username if user else "", assignee_name=(user.display_name or user.username) if user else "",
        requested_by=handover.requested_by, note=handover.note, due_date=handover.due_date,
        status=handover.status.value, resolution=handover.resolution, resolved_by=handover.resolved_by,
        resolved_at=handover.resolved_at, receipt_id=handover.receipt_id, created_at=handover.created_at)


def _invoice(session, invoice_id: uuid.UUID) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    return invoice


@router.post("/invoices/{invoice_id}/assign", operation_id="handover-assign", status_code=status.HTTP_201_CREATED,
             response_model=HandoverOut, responses=problem_responses(InvoiceNotFound, IllegalTransition, InvalidInput),
             description="A colleague works the invoice from now on: it shows in their \"assigned to me\" view and "
             "they are notified (in the workspace, and by mail when SMTP is set up and they have an address). An "
             "earlier open assignment of the invoice is replaced. Only invoices under review (409 otherwise).")
def assign(invoice_id: uuid.UUID, body: AssignRequest, request: Request, session: SessionDep,
           principal: Reviewer) -> HandoverOut:
    """Assign an invoice under review to a colleague."""
    invoice = _invoice(session, invoice_id)
    user = store.colleague(session, invoice.organisation_id, body.assignee)
    handover = store.assign(session, invoice, assignee=user, actor=principal.actor, note=body.note,
                            notifier=store.notifier_of(request.app.state))
    return _out(session, handover)


@router.post("/invoices/{invoice_id}/forward", operation_id="handover-forward", status_code=status.HTTP_201_CREATED,
             response_model=HandoverOut, responses=problem_responses(InvoiceNotFound, IllegalTransition, InvalidInput),
             description="Ask a budget holder to confirm, by `due_date`, that what the invoice charges for was "
             "delivered (a prestatieverklaring). They are notified, and reminded once a day after the due date "
             "(`einvoice reminders send`). An earlier open request of the invoice is replaced. Only invoices "
             "under review or on hold.")
def forward(invoice_id: uuid.UUID, body: ForwardRequest, request: Request, session: SessionDep,
            principal: Reviewer) -> HandoverOut:
    """Forward an invoice to a budget holder for a delivery confirmation."""
    invoice = _invoice(session, invoice_id)
    user = store.colleague(session, invoice.organisation_id, body.assignee)
    handover = store.forward(session, invoice, assignee=user, due_date=body.due_date, actor=principal.actor,
                             note=body.note, notifier=store.notifier_of(request.app.state))
    return _out(session, handover)


@router.post("/invoices/{invoice_id}/delivery/confirm", operation_id="handover-confirm", response_model=ConfirmOutcome,
             responses=problem_responses(InvoiceNotFound, store.NoOpenHandover, InvalidInput),
             description="Confirm the delivery the open request of the invoice asks about. It counts like a goods "
             "receipt for 3-way matching: what had been invoiced on an order line but not received is recorded as "
             "goods receipt `PV-<invoice number>-<id>` (source `prestatieverklaring`, created by the caller), and "
             "the invoice is matched again (a decision with trigger `prestatieverklaring` in `/decision`); when it "
             "passes now the system approves it (an event in the change feed). 409 "
             "`/problems/no-open-handover` when no confirmation is asked.")
def confirm(invoice_id: uuid.UUID, request: Request, session: SessionDep, principal: Reviewer,
            body: ConfirmRequest | None = None) -> ConfirmOutcome:
    """Confirm the delivery of an invoice (prestatieverklaring)."""
    invoice = _invoice(session, invoice_id)
    handover = store.confirm(session, invoice, actor=principal.actor, note=(body or ConfirmRequest()).note,
                             notifier=store.notifier_of(request.app.state))
    return ConfirmOutcome(handover=_out(session, handover), invoice_status=invoice.status.value,
                          reason_codes=distinct_codes(invoice.reasons),
                          links={"invoice": f"/v1/invoices/{invoice.id}", "decision": f"/v1/invoices/{invoice.id}/decision"})


@router.post("/invoices/{invoice_id}/delivery/decline", operation_id="handover-decline", response_model=HandoverOut,
             responses=problem_responses(InvoiceNotFound, store.NoOpenHandover, InvalidInput),
             description="Do not confirm the delivery, with a reason: the person who asked is notified and the "
             "invoice stays under review.")
def decline(invoice_id: uuid.UUID, body: DeclineRequest, request: Request, session: SessionDep,
            principal: Reviewer) -> HandoverOut:
    """Decline to confirm the delivery of an invoice, with a reason."""
    invoice = _invoice(session, invoice_id)
    handover = store.decline(session, invoice, actor=principal.actor, reason=body.reason,
                             notifier=store.notifier_of(request.app.state))
    return _out(session, handover)


@router.get("/invoices/{invoice_id}/handovers", operation_id="handover-list", response_model=HandoverList,
            responses=problem_responses(InvoiceNotFound))
def handovers(invoice_id: uuid.UUID, session: SessionDep, principal: StaffReader) -> HandoverList:
    """The invoice's hand-overs, oldest first."""
    invoice = _invoice(session, invoice_id)
    return HandoverList(data=[_out(session, h) for h in store.handovers_of(session, invoice.id)])


@router.get("/handovers", operation_id="handover-search", response_model=HandoverList,
            responses=problem_responses(InvalidInput),
            description="The hand-overs of the caller's organisation, newest first: by default the open ones. "
            "`assignee=anna` gives Anna's \"assigned to me\" list, `requested_by=user:anna` what she waits for.")
def list_handovers(
    session: SessionDep, principal: StaffReader,
    status_: Annotated[HandoverStatus | None, Query(alias="status", description="Only this status (default: open)")]
    = HandoverStatus.open,
    all_statuses: Annotated[bool, Query(alias="all", description="Every status (overrides `status`)")] = False,
    kind: Annotated[HandoverKind | None, Query(description="Only this kind")] = None,
    assignee: Annotated[str | None, Query(min_length=1, max_length=100,
                                          description="Username of the person it was handed to")] = None,
    requested_by: Annotated[str | None, Query(min_length=1, max_length=200,
                                              description="Who handed it over (`user:<name>` or `key:<prefix>`)")]
    = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
) -> HandoverList:
    """Hand-overs of the organisation."""
    query = select(Handover)
    if principal.organisation_id is not None:
        query = query.where(Handover.organisation_id == principal.organisation_id)
    if not all_statuses and status_ is not None:
        query = query.where(Handover.status == status_)
    if kind is not None:
        query = query.where(Handover.kind == kind)
    if assignee is not None:
        user = session.exec(select(StaffUser).where(StaffUser.username == assignee.strip().lower())).first()
        query = query.where(Handover.assignee_id == (user.id if user else uuid.UUID(int=0)))
    if requested_by is not None:
        query = query.where(Handover.requested_by == requested_by)
    if cursor:
        try:
            at, last = cursors.decode_position(cursor, "handovers")
        except ValueError:
            raise InvalidInput("not a cursor of this list", errors=[
                {"loc": ["query", "cursor"], "msg": "not a cursor of this list", "type": "value_error"}]) from None
        query = query.where((Handover.created_at < at) | ((Handover.created_at == at) & (Handover.id < last)))
    rows = list(session.exec(query.order_by(Handover.created_at.desc(), Handover.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return HandoverList(data=[_out(session, h) for h in rows],
                        next_cursor=cursors.encode_position(rows[-1].created_at, rows[-1].id, "handovers")
                        if more else None)


@router.post("/handovers/{handover_id}/withdraw", operation_id="handover-withdraw", response_model=HandoverOut,
             responses=problem_responses(store.HandoverNotFound, store.NotTheRequester, store.HandoverNotOpen, InvalidInput),
             description="Take an open hand-over back: who made it (the same key, or a key of the same person) or "
             "an admin. It is kept as `withdrawn` with who, when and the note, shows in the invoice's trail, and the "
             "person it was handed to is told. 409 `/problems/handover-not-open` when it was answered, replaced "
             "or withdrawn already.")
def withdraw(handover_id: uuid.UUID, request: Request, session: SessionDep, principal: Reviewer,
             body: WithdrawRequest | None = None) -> HandoverOut:
    """Withdraw an open hand-over."""
    handover = session.get(Handover, handover_id)
    if handover is None or not sees(principal, handover.organisation_id):
        raise store.HandoverNotFound(f"no hand-over {handover_id}")
    handover = store.withdraw(session, handover, actor=principal.actor, admin=principal.role is Role.admin, note=(body or WithdrawRequest()).note,
                              notifier=store.notifier_of(request.app.state))
    return _out(session, handover)
