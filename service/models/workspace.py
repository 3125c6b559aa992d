"""Tables of the workspace area: staff accounts of the review workspace and invoice comments."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.base import DecimalType, UTCDateTime, enum_type, new_id, utcnow


class StaffRole(StrEnum):
    reviewer = "reviewer"  # works the review queue
    admin = "admin"  # reviewer plus account management


class Language(StrEnum):
    nl = "nl"
    en = "en"


# A member of the finance staff who signs in to the workspace (not an API key): with a local password,
# or through the organisation's identity provider (OpenID Connect; then ``oidc_subject`` is set and the
# account was created from the provider's token at the first sign-in).
class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)  # stored lower-case
    display_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)  # where notifications are mailed; None: in-app only
    # where ``email`` came from: "sign_in" (the provider's token, at every sign-in), "admin" (user
    # administration), "command" (`einvoice users create`); None: not known (before migration 0036)
    email_source: str | None = Field(default=None, max_length=16)
    password_hash: str | None = Field(default=None, max_length=255)  # argon2id, never the password; None: no password
    oidc_issuer: str | None = Field(default=None, max_length=500)  # the identity provider that signs this user in
    oidc_subject: str | None = Field(default=None, max_length=255)  # the provider's stable id of the user ("sub")
    role: StaffRole = Field(default=StaffRole.reviewer, sa_type=enum_type(StaffRole, 16))
    language: Language = Field(default=Language.nl, sa_type=enum_type(Language, 8))
    active: bool = True
    failed_logins: int = 0  # consecutive failures; reset by a successful login or `users unlock`
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Part of every session cookie; bumped at logout and unlock so old cookies stop working.
    session_epoch: int = 0
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # approval rights (service/approvals/rights.py); None: the role's defaults
    rights: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    approval_limit: Decimal | None = Field(default=None, sa_type=DecimalType)  # most they approve alone
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A free-text note on an invoice by a reviewer (status changes are AuditEvents, not comments).
class InvoiceComment(SQLModel, table=True):
    __tablename__ = "invoice_comments"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    actor: str = Field(max_length=200)  # "user:<name>" or "key:<prefix>"
    text: str
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A person resolved one invoice line by hand (#17): paired it with an order line matching could not
# find (``kind`` "pairing", ``order_line_id``), or accepted a price or quantity variance with a reason
# (``kind`` "variance", ``code``). Matching reads them as input on every later re-match; the latest
# pairing of a line wins. Never changed or deleted: the history of who resolved what.
class LineResolution(SQLModel, table=True):
    __tablename__ = "invoice_line_resolutions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    kind: str = Field(max_length=16)  # "pairing" | "variance"
    line_id: str = Field(max_length=200)  # BT-126
    order_line_id: str | None = Field(default=None, max_length=200)
    code: str | None = Field(default=None, max_length=64)  # PRICE_VARIANCE, QUANTITY_EXCEEDS_*
    reason: str | None = None
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A staff member's saved view of the find list (#17): a name and the list's query string (search
# words, status, sort column and direction). Per person; saving a name again replaces its query.
class SavedView(SQLModel, table=True):
    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="staff_users.id", index=True)
    name: str = Field(max_length=100)
    query: str = Field(max_length=1000)  # "q=...&status=...&sort=...&dir=..." (urlencoded)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
