"""Webhook subscriptions and the transactional outbox.

``service.lifecycle.transition`` calls ``enqueue()`` for every status change: one ``WebhookDelivery`` row per
matching active subscription, in the same transaction as the status change. If that transaction
rolls back, no webhook is ever sent; if it commits, the dispatcher (service/erp/dispatcher.py)
will send it, at least once, signed, with retries.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, select

from service import generations
from service.db import Prepared
from service.errors import Conflict, NotFound
from service.erp.signing import new_secret
from service.models.base import new_id, utcnow
from service.models.erp import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus

ALL_EVENTS = "*"
EVENT_TYPES = [f"invoice.{s.value}" for s in InvoiceStatus]


class SubscriptionNotFound(NotFound):
    slug, title = "webhook-not-found", "Webhook subscription not found"


class DeliveryNotFound(NotFound):
    slug, title = "webhook-delivery-not-found", "Webhook delivery not found"


class DeliveryInFlight(Conflict):
    slug, title = "webhook-delivery-in-flight", "The delivery is being sent right now"


def event_type(to_status: InvoiceStatus) -> str:
    return f"invoice.{to_status.value}"


def event_payload(event: AuditEvent, etype: str, invoice: Invoice | None = None) -> dict[str, Any]:
    """The JSON body of a delivery: the feed's event object wrapped with its type."""
    return {
        "id": str(event.id),
        "type": etype,
        "data": {
            "invoice_id": str(event.invoice_id),
            "from": event.from_status.value if event.from_status else None,
            "to": event.to_status.value,
            "reason_codes": list(event.reason_codes or []),
            "actor": event.actor,
            "at": event.at.isoformat().replace("+00:00", "Z"),
            # Peppol profile 02 (billing_with_response): the buyer owes the supplier an Invoice
            # Response (GET /v1/invoices/{id}/response)
            "invoice_response_required": bool(invoice.invoice_response_required) if invoice is not None else False,
            "event_id": str(event.id),
            # a manual approval: its step and the four-eyes rule version that applied
            **({"approval": event.approval} if event.approval else {}),
        },
    }


_ACTIVE = select(WebhookSubscription.id, WebhookSubscription.event_types,
                 WebhookSubscription.organisation_id).where(
    WebhookSubscription.active == True  # noqa: E712
)
_INSERT_DELIVERY = insert(WebhookDelivery.__table__)
_INSERT_ONE_DELIVERY = Prepared(_INSERT_DELIVERY)


def _active(session: Session) -> list[Any]:
    """The active subscriptions: the process's copy while the configuration's generation holds
    (service/generations.py; a new invoice makes two transitions and each asks). Writes to
    subscriptions below tell the transaction to read the generation again."""
    return generations.cached(session, "webhook_subscriptions", _load_active)


def _load_active(session: Session) -> list[Any]:
    return list(session.execute(_ACTIVE).all())


def enqueue(session: Session, invoice: Invoice, event: AuditEvent) -> int:
    """Write one outbox row per active subscription that wants this event type."""
    etype = event_type(event.to_status)
    subs = _active(session)
    # a subscription of an organisation hears of that organisation's invoices only
    wanted = [sub_id for sub_id, types, org in subs if (ALL_EVENTS in types or etype in types)
              and (org is None or org == invoice.organisation_id)]
    if wanted:
        payload, now = event_payload(event, etype, invoice), utcnow()
        rows = [dict(id=new_id(), subscription_id=sub_id, event_id=event.id, event_type=etype, invoice_id=invoice.id,
                     payload=payload, status=DeliveryStatus.pending, attempts=0, next_attempt_at=now, created_at=now)
                for sub_id in wanted]
        if len(rows) == 1:  # the usual case: one INSERT straight to the driver (service/db.py)
            _INSERT_ONE_DELIVERY.execute(session, rows[0])
        else:  # several rows in one INSERT, as SQLAlchemy writes them
            session.execute(_INSERT_DELIVERY, rows)
    return len(wanted)


# --- subscriptions ------------------------------------------------------------------------------


def create_subscription(session: Session, *, url: str, event_types: list[str], secret: str | None,
                        description: str, active: bool, actor: str,
                        organisation_id: uuid.UUID | None = None) -> WebhookSubscription:
    sub = WebhookSubscription(url=url, secret=secret or new_secret(), event_types=event_types,
                              description=description, active=active, created_by=actor,
                              organisation_id=organisation_id)
    session.add(sub)
    session.flush()
    generations.forget(session)
    return sub


def get_subscription(session: Session, subscription_id: uuid.UUID) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise SubscriptionNotFound(f"no webhook subscription {subscription_id}")
    return sub


def list_subscriptions(session: Session, organisation_id: uuid.UUID | None = None) -> list[WebhookSubscription]:
    query = select(WebhookSubscription)
    if organisation_id is not None:
        query = query.where(WebhookSubscription.organisation_id == organisation_id)
    return list(session.exec(query.order_by(WebhookSubscription.created_at, WebhookSubscription.id)))


def update_subscription(session: Session, sub: WebhookSubscription, changes: dict[str, Any]) -> WebhookSubscription:
    for name, value in changes.items():
        setattr(sub, name, value)
    sub.updated_at = utcnow()
    session.add(sub)
    session.flush()
    generations.forget(session)
    return sub


def delete_subscription(session: Session, sub: WebhookSubscription) -> None:
    """Delete the subscription with its outbox rows and their delivery log."""
    ids = select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == sub.id)
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id))
    session.delete(sub)
    session.flush()
    generations.forget(session)


# --- deliveries ---------------------------------------------------------------------------------


def list_deliveries(session: Session, subscription_id: uuid.UUID, *, status: DeliveryStatus | None,
                    after: tuple[Any, uuid.UUID] | None, limit: int) -> list[WebhookDelivery]:
    """Newest first; ``after`` is the (created_at, id) of the last row of the previous page."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if after is not None:
        at, last_id = after
        stmt = stmt.where(
            (WebhookDelivery.created_at < at)
            | ((WebhookDelivery.created_at == at) & (WebhookDelivery.id < last_id))
        )
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit)
    return list(session.exec(stmt))


def get_delivery(session: Session, subscription_id: uuid.UUID, delivery_id: uuid.UUID) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise DeliveryNotFound(f"no delivery {delivery_id} for webhook {subscription_id}")
    return delivery


def attempts_of(session: Session, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.number)
    return list(session.exec(stmt))


def replay(session: Session, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (dead, delivered or waiting): a fresh round of attempts, now."""
    if delivery.status is DeliveryStatus.delivering:
        raise DeliveryInFlight("the delivery is being sent; replay it after this attempt",
                               delivery_id=str(delivery.id))
    delivery.status = DeliveryStatus.pending
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    delivery.leased_by = None
    session.add(delivery)
    session.flush()
    return delivery


def replay_all(session: Session, subscription_id: uuid.UUID, status: DeliveryStatus) -> int:
    """Replay every delivery of a subscription in ``status`` (dead by default in the API)."""
    rows = session.exec(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id,
                                                      WebhookDelivery.status == status)).all()
    for row in rows:
        replay(session, row)
    return len(rows)
