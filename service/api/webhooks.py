"""Webhook subscriptions and deliveries: /v1/webhooks (owned by the ERP integration area)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AnyHttpUrl, BaseModel, Field, UrlConstraints, field_validator

from service.api.deps import Admin
from service.db import SessionDep
from service.erp import webhooks as wh
from service.erp.targets import parse_networks, url_problem
from service import cursors
from service.errors import InvalidCursor, InvalidInput, problem_responses
from service.models.erp import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription

router = APIRouter(tags=["webhooks"])

SubscriptionId = Annotated[uuid.UUID, Path(description="Webhook subscription id.")]
DeliveryId = Annotated[uuid.UUID, Path(description="Delivery id (the `Webhook-Id` header).")]
EventType = Annotated[str, Field(max_length=50)]
# the column's length; pydantic's own URL limit (2083) is longer
TargetUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]


def _check_event_types(value: list[str]) -> list[str]:
    unknown = [v for v in value if v != wh.ALL_EVENTS and v not in wh.EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event type(s) {unknown}; use {wh.EVENT_TYPES} or '*'")
    return sorted(set(value))


class SubscriptionCreate(BaseModel):
    url: TargetUrl = Field(description="Where deliveries are POSTed (http or https; redirects are not followed). "
                           "Loopback, link-local and private addresses are refused unless their network is in "
                           "EINVOICE_WEBHOOK_ALLOWED_NETWORKS.")
    event_types: list[EventType] = Field(
        min_length=1, max_length=50, description="`invoice.<status>` (e.g. `invoice.approved`, `invoice.paid`) or `*` for all."
    )
    secret: str | None = Field(None, min_length=16, max_length=200,
                               description="Signing secret; generated (`whsec_...`) when omitted.")
    description: str = Field("", max_length=500)
    active: bool = True

    _types = field_validator("event_types")(_check_event_types)


class SubscriptionUpdate(BaseModel):
    url: TargetUrl | None = None
    event_types: list[EventType] | None = Field(None, min_length=1, max_length=50)
    secret: str | None = Field(None, min_length=16, max_length=200, description="A new signing secret.")
    description: str | None = Field(None, max_length=500)
    active: bool | None = Field(None, description="Inactive subscriptions get no new deliveries and "
                                "their waiting deliveries are held.")

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_event_types(value)


class Subscription(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str
    active: bool
    secret_hint: str = Field(description="The first characters of the secret (the secret is shown only once).")
    organisation_id: uuid.UUID | None = Field(
        None, description="Events of this organisation's invoices only; null: of every organisation.")
    created_by: str
    created_at: datetime
    updated_at: datetime
    links: dict[str, str]


class SubscriptionCreated(Subscription):
    secret: str = Field(description="The signing secret. Store it now: it is not shown again.")


class SubscriptionPage(BaseModel):
    data: list[Subscription]
    next_cursor: str | None = Field(None, description="Always null: all subscriptions fit on one page.")


class Attempt(BaseModel):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None = Field(description="HTTP status of the answer; null on timeouts and connection errors.")
    error: str | None
    response_excerpt: str | None = Field(description="The first 500 characters of the answer.")
    worker: str


class Delivery(BaseModel):
    id: uuid.UUID = Field(description="Also sent as `Webhook-Id`: the same on every retry and replay.")
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    invoice_id: uuid.UUID
    status: DeliveryStatus = Field(description="pending, delivering, delivered or dead.")
    attempts: int = Field(description="Attempts in the current round (a replay starts a new round).")
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any] = Field(description="The JSON body that is signed and sent.")
    log: list[Attempt] | None = Field(None, description="Every HTTP attempt (only on the single-delivery read).")
    links: dict[str, str]


class DeliveryPage(BaseModel):
    data: list[Delivery]
    next_cursor: str | None


class ReplayResult(BaseModel):
    replayed: int = Field(description="How many deliveries were queued again.")


def _subscription(sub: WebhookSubscription) -> dict[str, Any]:
    return dict(id=sub.id, url=sub.url, event_types=sub.event_types, description=sub.description,
                active=sub.active, secret_hint=sub.secret[:10] + "...", organisation_id=sub.organisation_id,
                created_by=sub.created_by,
                created_at=sub.created_at, updated_at=sub.updated_at,
                links={"self": f"/v1/webhooks/{sub.id}", "deliveries": f"/v1/webhooks/{sub.id}/deliveries"})


def _delivery(d: WebhookDelivery, log: list[WebhookAttempt] | None = None) -> Delivery:
    base = f"/v1/webhooks/{d.subscription_id}/deliveries/{d.id}"
    return Delivery(
        id=d.id, subscription_id=d.subscription_id, event_id=d.event_id, event_type=d.event_type,
        invoice_id=d.invoice_id, status=d.status, attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status is DeliveryStatus.pending else None,
        last_status_code=d.last_status_code, last_error=d.last_error, created_at=d.created_at,
        delivered_at=d.delivered_at, payload=d.payload,
        log=None if log is None else [Attempt.model_validate(a, from_attributes=True) for a in log],
        links={"self": base, "replay": f"{base}/replay", "invoice": f"/v1/invoices/{d.invoice_id}"},
    )


NOT_FOUND = problem_responses(wh.SubscriptionNotFound)


class WebhookTargetNotAllowed(InvalidInput):
    slug, title = "webhook-target-not-allowed", "Webhooks may not be sent to this address"


def _check_target(request: Request, url: str) -> None:
    """Refuse loopback, link-local (cloud metadata) and private targets unless their network is
    allowed; the dispatcher checks again on every connection."""
    allowed = parse_networks(request.app.state.settings.webhook_allowed_networks)
    problem = url_problem(url, allowed)
    if problem:
        raise WebhookTargetNotAllowed(problem, errors=[{"loc": ["body", "url"], "msg": problem,
                                                        "type": "webhook_target_not_allowed"}])


@router.post("/webhooks", operation_id="webhooks-create", status_code=201, response_model=SubscriptionCreated,
             responses=problem_responses(InvalidInput, WebhookTargetNotAllowed))
def create_webhook(body: SubscriptionCreate, session: SessionDep, principal: Admin, request: Request,
                   response: Response,
                   organisation: Annotated[uuid.UUID | None, Query(
                       description="Only this organisation's events (instance-wide admin keys; an organisation's "
                       "admin key always subscribes to its own). Omitted: every organisation's.")] = None,
                   ) -> SubscriptionCreated:
    """Subscribe a URL to invoice events; the answer shows the signing secret once."""
    _check_target(request, str(body.url))
    sub = wh.create_subscription(session, url=str(body.url), event_types=body.event_types, secret=body.secret,
                                 description=body.description, active=body.active, actor=principal.actor,
                                 organisation_id=principal.organisation_id or organisation)
    response.headers["Location"] = f"/v1/webhooks/{sub.id}"
    return SubscriptionCreated(**_subscription(sub), secret=sub.secret)


@router.get("/webhooks", operation_id="webhooks-list", response_model=SubscriptionPage)
def list_webhooks(session: SessionDep, principal: Admin) -> SubscriptionPage:
    """List webhook subscriptions (secrets are never shown)."""
    return SubscriptionPage(data=[Subscription(**_subscription(s))
                                  for s in wh.list_subscriptions(session, principal.organisation_id)])


@router.get("/webhooks/{subscription_id}", operation_id="webhooks-get", response_model=Subscription,
            responses=NOT_FOUND)
def get_webhook(subscription_id: SubscriptionId, session: SessionDep, _: Admin) -> Subscription:
    """Read one webhook subscription."""
    return Subscription(**_subscription(wh.get_subscription(session, subscription_id)))


@router.patch("/webhooks/{subscription_id}", operation_id="webhooks-update", response_model=Subscription,
              responses=problem_responses(wh.SubscriptionNotFound, InvalidInput, WebhookTargetNotAllowed))
def update_webhook(subscription_id: SubscriptionId, body: SubscriptionUpdate, session: SessionDep,
                   _: Admin, request: Request) -> Subscription:
    """Change a subscription's URL, event types, secret, description or active flag."""
    sub = wh.get_subscription(session, subscription_id)
    changes = body.model_dump(exclude_unset=True)
    if "url" in changes and changes["url"] is not None:
        changes["url"] = str(changes["url"])
        _check_target(request, changes["url"])
    nulls = [k for k, v in changes.items() if v is None]
    if nulls:
        raise InvalidInput("these fields cannot be null", errors=[
            {"loc": ["body", k], "msg": "may not be null", "type": "value_error"} for k in nulls])
    return Subscription(**_subscription(wh.update_subscription(session, sub, changes)))


@router.delete("/webhooks/{subscription_id}", operation_id="webhooks-delete", status_code=204,
               responses=NOT_FOUND)
def delete_webhook(subscription_id: SubscriptionId, session: SessionDep, _: Admin) -> Response:
    """Delete a subscription with its waiting deliveries and its delivery log."""
    wh.delete_subscription(session, wh.get_subscription(session, subscription_id))
    return Response(status_code=204)


@router.get("/webhooks/{subscription_id}/deliveries", operation_id="webhooks-deliveries-list",
            response_model=DeliveryPage, responses=problem_responses(wh.SubscriptionNotFound, InvalidCursor, InvalidInput))
def list_webhook_deliveries(
    subscription_id: SubscriptionId, session: SessionDep, _: Admin,
    status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state.")] = None,
    cursor: Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeliveryPage:
    """The delivery log of a subscription, newest first."""
    wh.get_subscription(session, subscription_id)
    rows = wh.list_deliveries(session, subscription_id, status=status, after=_decode(cursor), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return DeliveryPage(data=[_delivery(d) for d in rows],
                        next_cursor=_encode(rows[-1]) if more and rows else None)


@router.get("/webhooks/{subscription_id}/deliveries/{delivery_id}", operation_id="webhooks-deliveries-get",
            response_model=Delivery, responses=problem_responses(wh.SubscriptionNotFound, wh.DeliveryNotFound))
def get_webhook_delivery(subscription_id: SubscriptionId, delivery_id: DeliveryId, session: SessionDep,
                         _: Admin) -> Delivery:
    """One delivery with every attempt (status code, error, duration, answer excerpt)."""
    d = wh.get_delivery(session, subscription_id, delivery_id)
    return _delivery(d, wh.attempts_of(session, d.id))


@router.post("/webhooks/{subscription_id}/deliveries/{delivery_id}/replay",
             operation_id="webhooks-deliveries-replay", response_model=Delivery,
             responses=problem_responses(wh.SubscriptionNotFound, wh.DeliveryNotFound, wh.DeliveryInFlight))
def replay_webhook_delivery(subscription_id: SubscriptionId, delivery_id: DeliveryId, session: SessionDep,
                            _: Admin) -> Delivery:
    """Send a delivery again now (dead or delivered ones too), with a fresh round of attempts."""
    d = wh.replay(session, wh.get_delivery(session, subscription_id, delivery_id))
    return _delivery(d)


@router.post("/webhooks/{subscription_id}/replay", operation_id="webhooks-replay",
             response_model=ReplayResult, responses=problem_responses(wh.SubscriptionNotFound, InvalidInput))
def replay_webhook(
    subscription_id: SubscriptionId, session: SessionDep, _: Admin,
    status: Annotated[Literal["dead", "delivered"], Query(description="Which deliveries to send again.")] = "dead",
) -> ReplayResult:
    """Send every dead (or delivered) delivery of a subscription again."""
    wh.get_subscription(session, subscription_id)
    return ReplayResult(replayed=wh.replay_all(session, subscription_id, DeliveryStatus(status)))


def _encode(d: WebhookDelivery) -> str:
    return cursors.encode_position(d.created_at, d.id)


def _decode(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        return cursors.decode_position(cursor)
    except ValueError:
        raise InvalidCursor("the cursor is not one this list handed out") from None
