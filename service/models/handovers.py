"""Tables of hand-overs (issue #17): an invoice assigned to a colleague, or forwarded to a budget
holder who confirms the delivery (a prestatieverklaring), and the in-app notifications they cause."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, enum_type, new_id, utcnow


class HandoverKind(StrEnum):
    assign = "assign"  # a colleague works the invoice from now on
    confirm = "confirm"  # a budget holder confirms that goods or services were delivered


class HandoverStatus(StrEnum):
    open = "open"
    confirmed = "confirmed"  # delivery confirmed (kind confirm)
    declined = "declined"  # delivery not confirmed, with a reason (kind confirm)
    replaced = "replaced"  # assigned to someone else since (kind assign), or forwarded again
    closed = "closed"  # the invoice was decided
    withdrawn = "withdrawn"  # the person who handed it over (or an admin) took it back


# One hand-over of an invoice from one person to another. At most one open hand-over of each kind
# per invoice (the service closes the previous one when a new one is made).
class Handover(SQLModel, table=True):
    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_assignee_status", "assignee_id", "status"),
                      Index("ix_handovers_requested_by_status", "requested_by", "status"))

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    organisation_id: uuid.UUID | None = Field(default=None, index=True)  # the invoice's
    kind: HandoverKind = Field(sa_type=enum_type(HandoverKind, 16))
    assignee_id: uuid.UUID = Field(foreign_key="staff_users.id")
    requested_by: str = Field(max_length=200)  # actor: "user:<name>" or "key:<prefix>"
    note: str | None = None
    due_date: date | None = None  # the confirmation is asked by this date (reminders after it)
    status: HandoverStatus = Field(default=HandoverStatus.open, sa_type=enum_type(HandoverStatus, 16))
    resolution: str | None = None  # the decline reason, or the confirmer's note
    resolved_by: str | None = Field(default=None, max_length=200)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    receipt_id: str | None = Field(default=None, max_length=200)  # the goods receipt a confirmation recorded
    reminded_on: date | None = None  # the last day a reminder went out (one per day at most)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Something a staff user should know about (a hand-over to them, a confirmation, a reminder), shown
# in the workspace and, when the person has an e-mail address and SMTP is set up, mailed.
class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="staff_users.id")
    kind: str = Field(max_length=32)  # assigned | confirm_requested | confirmed | declined | reminder | withdrawn
    invoice_id: uuid.UUID | None = Field(default=None, foreign_key="invoices.id")
    handover_id: uuid.UUID | None = Field(default=None, foreign_key="handovers.id")
    # the words of the message (invoice number, names, date): rendered in the reader's language
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# An administrator's change to a staff account (created, role, rights, approval limit, e-mail,
# deactivated): who changed whom, when, from what to what.
class StaffChange(SQLModel, table=True):
    __tablename__ = "staff_changes"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="staff_users.id", index=True)
    organisation_id: uuid.UUID | None = Field(default=None)
    actor: str = Field(max_length=200)
    change: str = Field(max_length=32)  # created | updated | deactivated | reactivated
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
