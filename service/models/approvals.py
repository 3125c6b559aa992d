"""Tables of the approval controls (four eyes): versioned rules and every manual approval.

Owned by ``service/approvals/``. An auditor reads both: which rule was in force for a decision
(``approval_rule_versions``, never updated) and who approved what, alone or as first or second
person (``invoice_approvals``, one row per approval action, written with its audit event).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.base import DecimalType, UTCDateTime, enum_type, new_id, utcnow

GLOBAL_RULES_SCOPE = "global"


def organisation_rules_scope(organisation_id: uuid.UUID | str) -> str:
    """The scope of one organisation's four-eyes rules (the seam for per-organisation rules)."""
    return f"organisation:{organisation_id}"


# A version of the four-eyes rules (global, or one organisation's). Never updated: a change is a new row.
class ApprovalRuleVersion(SQLModel, table=True):
    __tablename__ = "approval_rule_versions"
    __table_args__ = (UniqueConstraint("scope", "version"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    scope: str = Field(max_length=100)  # "global" or "organisation:<uuid>"
    version: int
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApprovalStep(StrEnum):
    single = "single"  # a person approved alone (no rule asked for a second person)
    first = "first"  # first of two: the invoice waits in awaiting_approval
    second = "second"  # a different person completed the approval


# One manual approval action on an invoice, in the transaction of its audit event.
class InvoiceApproval(SQLModel, table=True):
    __tablename__ = "invoice_approvals"
    __table_args__ = (Index("ix_invoice_approvals_invoice_at", "invoice_id", "at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id")
    audit_event_id: uuid.UUID = Field(foreign_key="audit_events.id")
    step: ApprovalStep = Field(sa_type=enum_type(ApprovalStep, 8))
    actor: str = Field(max_length=200)
    comment: str | None = None
    rule_version: str = Field(max_length=200)  # "global:<n>" or "organisation:<id>:<n>"
    # why a second person was (or was not) needed: the rule's triggers that applied
    triggers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the invoice's open reason codes the approval overrode
    overridden: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    payable_amount: Decimal | None = Field(default=None, sa_type=DecimalType)  # BT-115 when approved
    currency: str | None = Field(default=None, max_length=3)
    first_approver: str | None = Field(default=None, max_length=200)  # on a second approval
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class BankAccountAction(StrEnum):
    add = "add"  # make the IBAN one of the supplier's verified accounts
    remove = "remove"  # take a verified IBAN off the supplier


class BankAccountChangeStatus(StrEnum):
    proposed = "proposed"
    verified = "verified"
    rejected = "rejected"


class VerificationMethod(StrEnum):
    callback = "callback"  # called the supplier back on a number known from before
    signed_letter = "signed_letter"  # a letter signed by the supplier, on paper or as a signed PDF
    portal = "portal"  # the supplier's own account in a supplier portal


# A proposed change of a supplier's bank accounts (BT-84), decided by a different person.
class BankAccountChange(SQLModel, table=True):
    __tablename__ = "bank_account_changes"
    __table_args__ = (Index("ix_bank_account_changes_supplier_at", "supplier_id", "proposed_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id")
    iban: str = Field(max_length=34, index=True)  # compact, upper case
    action: BankAccountAction = Field(sa_type=enum_type(BankAccountAction, 8))
    status: BankAccountChangeStatus = Field(default=BankAccountChangeStatus.proposed,
                                            sa_type=enum_type(BankAccountChangeStatus, 16))
    note: str | None = None  # the proposer's: where the IBAN comes from
    invoice_id: uuid.UUID | None = Field(default=None, foreign_key="invoices.id")  # proposed from this invoice
    proposed_by: str = Field(max_length=200)
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    method: VerificationMethod | None = Field(default=None, sa_type=enum_type(VerificationMethod, 16))
    decision_note: str | None = None
