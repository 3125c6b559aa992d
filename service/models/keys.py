"""API keys: only a SHA-256 of the secret is stored; the key itself is shown once at creation."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from service.models.base import DecimalType, UTCDateTime, enum_type, new_id, utcnow


class Role(StrEnum):
    supplier = "supplier"  # bound to one supplier: posts invoices, reads only its own
    gateway = "gateway"  # Peppol access point / mailroom: posts invoices of any supplier
    erp = "erp"  # loads master data and orders, reads all, acknowledges (booked / paid)
    reviewer = "reviewer"  # review actions (approve / reject / hold / comment)
    admin = "admin"  # everything: keys, settings, replay


# An API key row. The secret is "ei_<prefix>_<random>"; prefix is stored in clear to find the row.
class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    prefix: str = Field(max_length=16, unique=True, index=True)
    secret_hash: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    role: Role = Field(sa_type=enum_type(Role, 16))
    supplier_id: uuid.UUID | None = Field(default=None, index=True)
    # the organisation whose data the key sees; None: instance-wide (admin and gateway keys only)
    organisation_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # approval rights (service/approvals/rights.py); None: the role's defaults
    rights: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    approval_limit: Decimal | None = Field(default=None, sa_type=DecimalType)  # most it approves alone
    # the staff user whose own key this is: four eyes count the key and the person's account as one person
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="staff_users.id", index=True)


# Requests of one API key in the current rate-limit window: one row per key, counted by an atomic
# upsert so that every server process shares the count (service/ratelimit.py).
class ApiKeyRateWindow(SQLModel, table=True):
    __tablename__ = "api_key_rate_windows"

    key_id: uuid.UUID = Field(primary_key=True)
    window_start: int = Field(sa_type=BigInteger)  # Unix seconds at which the window began
    count: int = 0
