"""Tables of the ERP integration area: change feed, webhook subscriptions/outbox/attempts, ERP state.

The change feed and the webhook outbox are written by ``service.erp.feed.record`` and
``service.erp.webhooks.enqueue``, which ``service.lifecycle.transition`` calls in the same
transaction as the status change.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from service.models.base import DecimalType, UTCDateTime, enum_type, new_id, utcnow
from service.models.invoices import InvoiceStatus

# BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid).
BigId = BigInteger().with_variant(Integer(), "sqlite")


# One status transition in the change feed. ``seq`` is handed out at insert (before commit);
# ``position`` is the feed order, assigned in commit order by the publisher (service/erp/feed.py),
# so a poller reading ``position > cursor`` never skips a transaction that committed late.
class FeedEntry(SQLModel, table=True):
    __tablename__ = "change_feed"
    # an organisation's feed page from an index range in feed order (not a sort of all its entries)
    __table_args__ = (Index("ix_change_feed_organisation_id_position", "organisation_id", "position"),)

    seq: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    position: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True, unique=True, index=True))
    event_id: uuid.UUID = Field(unique=True)  # the AuditEvent
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    organisation_id: uuid.UUID | None = Field(default=None, index=True)  # the invoice's (pollers see their own)
    from_status: InvoiceStatus | None = Field(default=None, sa_type=enum_type(InvoiceStatus, 32))
    to_status: InvoiceStatus = Field(sa_type=enum_type(InvoiceStatus, 32))
    reason_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)
    # the invoice's business process asks the buyer for an Invoice Response (Peppol profile 02)
    invoice_response_required: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # a manual approval's step and the four-eyes rule version that applied (as on the audit event)
    approval: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


# A webhook subscription: where to POST which event types, and the secret that signs them.
class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    url: str = Field(max_length=2000)
    # events of this organisation's invoices only; None: of every organisation (an instance-wide admin's)
    organisation_id: uuid.UUID | None = Field(default=None, index=True)
    # Kept in clear: the dispatcher needs it to compute the HMAC. Never returned after creation.
    secret: str = Field(max_length=200)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str = Field(default="", max_length=500)
    active: bool = True
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt (next_attempt_at)
    delivering = "delivering"  # claimed by a dispatcher until lease_until
    delivered = "delivered"  # the endpoint answered 2xx
    dead = "dead"  # parked after the configured number of attempts; replayable


# The transactional outbox: one row per (subscription, event), written with the status change.
class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscriptions.id", index=True)
    event_id: uuid.UUID
    event_type: str = Field(max_length=64)
    invoice_id: uuid.UUID = Field(index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=enum_type(DeliveryStatus, 16), index=True)
    attempts: int = 0  # attempts in the current round (reset by a replay)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    leased_by: str | None = Field(default=None, max_length=100)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# The delivery log: one row per HTTP attempt, success or not.
class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="webhook_deliveries.id", index=True)
    number: int  # 1, 2, ... over the delivery's whole life (replays continue the count)
    started_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: int = 0
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=1000)
    response_excerpt: str | None = Field(default=None, max_length=500)
    worker: str = Field(default="", max_length=100)


# What the ERP reported about an invoice: its booking (document number) and its payment.
class ErpInvoiceState(SQLModel, table=True):
    __tablename__ = "erp_invoice_states"

    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", primary_key=True)
    erp_document_number: str = Field(max_length=200)
    booked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    booked_by: str = Field(default="", max_length=200)
    payment_date: date | None = Field(default=None, index=True)  # the day the money left
    paid_amount: Decimal | None = Field(default=None, sa_type=DecimalType)
    payment_reference: str | None = Field(default=None, max_length=200)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when the ERP reported it
    paid_by: str | None = Field(default=None, max_length=200)
