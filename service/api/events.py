"""Change feed: /v1/events (owned by the ERP integration area)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import require
from service.db import SessionDep
from service.erp import feed
from service.errors import InvalidCursor, problem_responses
from service.models.keys import Role

router = APIRouter(tags=["events"])

FeedReader = Annotated[object, Depends(require(Role.erp, Role.reviewer))]


class EventApproval(BaseModel):
    """A manual approval, as the audit trail records it."""

    step: str = Field(description="single (one person sufficed), first (a second person is required) or second")
    rule_version: str = Field(description="The four-eyes rules in force (global:<n>): GET /v1/approvals/rules/versions")
    triggers: list[str] = Field(default_factory=list, description="Why a second person was required "
                                "(reason codes, AMOUNT_AT_LEAST, AMOUNT_IN_OTHER_CURRENCY, ABOVE_APPROVER_LIMIT)")
    first_approver: str | None = Field(None, description="On a second approval: who approved first")


class Event(BaseModel):
    """One status transition."""

    model_config = ConfigDict(populate_by_name=True)

    invoice_id: str = Field(description="The invoice whose status changed.")
    from_: str | None = Field(None, alias="from", description="Status before (null for the first event).")
    to: str = Field(description="Status after.")
    reason_codes: list[str] = Field(description="Reason codes of the decision (stable strings).")
    actor: str = Field(description='Who: "key:<prefix>", "user:<name>" or "system".')
    at: datetime = Field(description="When (UTC).")
    invoice_response_required: bool = Field(
        False, description="The invoice's business process is Peppol profile 02 "
        "(urn:peppol:bis:billing_with_response): the buyer owes the supplier an Invoice Response "
        "(GET /v1/invoices/{id}/response, to be sent back through the access point).")
    approval: EventApproval | None = Field(
        None, description="A person's approval (to awaiting_approval or approved): which step and the four-eyes "
        "rule version that applied; null for other transitions.")
    event_id: str = Field(description="Id of the audit event (stable; also in webhook payloads).")
    cursor: str = Field(description="Feed position of this event: pass it as `after` to continue after it.")


class EventPage(BaseModel):
    data: list[Event] = Field(description="Events in feed order (the order in which they committed).")
    next_cursor: str = Field(
        description="Pass as `after` on the next call. Never null: equals `after` when nothing is new, "
        "so a poller can always store it."
    )


@router.get(
    "/events",
    operation_id="events-list",
    response_model=EventPage,
    responses=problem_responses(InvalidCursor),
)
def list_events(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: FeedReader,
    after: Annotated[str | None, Query(max_length=500, description="Cursor from the previous page (`next_cursor` or an "
                                       "event's `cursor`); omit to start at the beginning.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most events to return (1-1000).")] = 100,
) -> EventPage:
    """Read status transitions after a cursor, in commit order (for polling ERPs).

    A poller that stores `next_cursor` after processing each page sees every transition exactly
    once, also while several server processes decide invoices concurrently: feed positions are given
    in commit order, never to a transaction that can still commit before an earlier position.
    """
    position = _parse_cursor(after)
    feed.publish(request.app.state.engine)
    entries = feed.read(session, position, limit, organisation_id=principal.organisation_id)
    if not entries and position > feed.head(session):
        # Never handed out by this feed (another database, a restore from an older backup): say so
        # instead of answering "nothing new" forever.
        raise InvalidCursor("the cursor is ahead of this feed; was the database restored or replaced?")
    response.headers["Cache-Control"] = "no-store"
    data = [Event.model_validate(feed.as_event(e)) for e in entries]
    return EventPage(data=data, next_cursor=data[-1].cursor if data else str(position))


def _parse_cursor(after: str | None) -> int:
    if after is None or after == "":
        return 0
    if not after.isdigit() or len(after) > 18:
        raise InvalidCursor("the cursor is not one this feed handed out")
    return int(after)
