"""Tables of the matching area: decisions with their inputs, the quantity ledger, policy versions
and standing-order rules (owned by the matching service, ``service/decisions/``, and the ledger,
``service/ledger.py``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.base import DecimalType, UTCDateTime, enum_type, new_id, utcnow


class LedgerState(StrEnum):
    pending = "pending"  # the invoice is under review (counts against the order; credits do not)
    approved = "approved"  # the invoice or credit note is approved (counts)
    released = "released"  # the invoice was rejected (no longer counts)


# One decision of the engine on one invoice, with everything it was computed from (for replay).
class MatchDecision(SQLModel, table=True):
    __tablename__ = "match_decisions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    outcome: str = Field(max_length=16)  # approve | review
    reason_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decision: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    inputs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    order_number: str | None = Field(default=None, max_length=200, index=True)
    order_version: int | None = None
    policy_version: str = Field(max_length=200)
    engine_version: str = Field(max_length=50)
    trigger: str = Field(max_length=32)  # intake | re-match
    actor: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# Quantity (order line unit) an invoice or credit note takes from / gives back to a purchase-order
# line; for standing orders the amount (BT-109) per rule and period ("standing:<rule>:<period>").
class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_order_line", "order_number", "order_line_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    decision_id: uuid.UUID = Field(foreign_key="match_decisions.id")
    order_number: str = Field(max_length=200)
    order_line_id: str = Field(max_length=200)
    quantity: Decimal = Field(sa_type=DecimalType)
    credit: bool = False
    corrected_invoice_id: uuid.UUID | None = Field(default=None, index=True)  # credit notes: BT-25's invoice
    state: LedgerState = Field(sa_type=enum_type(LedgerState, 16))
    invoice_received_at: datetime = Field(sa_type=UTCDateTime)  # first come, first served on re-match
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Running total per order line of what counts against it (approved and pending invoices, approved
# credit notes), kept with every ledger change so a decision reads one row per line, not the history.
class LedgerBalance(SQLModel, table=True):
    __tablename__ = "ledger_balances"
    __table_args__ = (UniqueConstraint("order_number", "order_line_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    order_number: str = Field(max_length=200)
    order_line_id: str = Field(max_length=200)
    quantity: Decimal = Field(default=Decimal(0), sa_type=DecimalType)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


GLOBAL_POLICY_SCOPE = "global"


def supplier_policy_scope(supplier_id: uuid.UUID | str) -> str:
    """The ``MatchPolicyVersion.scope`` of a supplier's overrides."""
    return f"supplier:{supplier_id}"


def organisation_policy_scope(organisation_id: uuid.UUID | str) -> str:
    """The ``MatchPolicyVersion.scope`` of an organisation's own policy (in place of the global one)."""
    return f"organisation:{organisation_id}"


# A version of the matching policy: global defaults, or one supplier's overrides. Never updated.
class MatchPolicyVersion(SQLModel, table=True):
    __tablename__ = "match_policy_versions"
    __table_args__ = (UniqueConstraint("scope", "version"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    scope: str = Field(max_length=100)  # "global", "organisation:<uuid>" or "supplier:<uuid>"
    version: int
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A rule that lets invoices without a purchase order (rent, utilities, subscriptions) pass.
class StandingOrderRule(SQLModel, table=True):
    __tablename__ = "standing_order_rules"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    supplier_id: uuid.UUID = Field(index=True)
    name: str = Field(default="", max_length=200)
    buyer_reference: str | None = Field(default=None, max_length=200)  # BT-10
    contract_reference: str | None = Field(default=None, max_length=200)  # BT-12
    expected_amount: Decimal = Field(sa_type=DecimalType)  # per period, against BT-109
    currency: str = Field(default="EUR", max_length=3)
    period: str = Field(default="month", max_length=16)  # month | quarter | year
    tolerance_abs: Decimal = Field(default=Decimal("1.00"), sa_type=DecimalType)
    tolerance_pct: Decimal = Field(default=Decimal(0), sa_type=DecimalType)
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True
    version: int = 1  # bumped on every change; decisions record the version they used
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
