"""Invoices (the stored submission and its lifecycle state) and their audit trail.

Owned by the intake area; the lifecycle (service/lifecycle.py) is the only writer of ``status``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint, event
from sqlalchemy import false as sa_false
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from service.models.base import DecimalType, UTCDateTime, enum_type, new_id, new_row, utcnow
from service.models.organisations import DEFAULT_ORGANISATION_ID
from service.reasons import Reason, reasons_from_stored


class InvoiceStatus(StrEnum):
    received = "received"
    rejected = "rejected"
    needs_review = "needs_review"
    on_hold = "on_hold"
    awaiting_approval = "awaiting_approval"  # approved by one person; a four-eyes rule wants a second
    approved = "approved"
    booked = "booked"
    paid = "paid"


class DocumentType(StrEnum):
    invoice = "invoice"
    credit_note = "credit_note"


# The list's amount sort key: BT-115 as a whole number of cents, rounded down, kept within these bounds
# (a BIGINT on both databases; 10^18 cents is far beyond any invoice). The key never orders two amounts
# the wrong way round (rounding down and clamping keep the order); only amounts with more than two
# decimals, which EN 16931 does not allow for BT-115 (BR-DEC-18), can share a cent with a neighbour.
MAX_CENTS = 10**18
CENTS_ABOVE_ALL = 2**63 - 1  # where an invoice without an amount sorts (last, either way)
CENTS_BELOW_ALL = -(2**63 - 1)


def cents(amount: Decimal | None) -> int | None:
    """An amount as whole cents (rounded down, bounded by MAX_CENTS); None stays None."""
    if amount is None:
        return None
    whole = int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_FLOOR))
    return max(-MAX_CENTS, min(MAX_CENTS, whole))


def _payable_cents(context) -> int | None:
    # an INSERT's default for rows written without the model (bulk loads: a Core INSERT of dicts); the
    # model sets the key itself whenever its amount is set (below), which also covers a prepared
    # INSERT of every attribute (service.lifecycle), where a default would not run
    return cents(context.get_current_parameters().get("payable_amount"))


class ReasonsJSON(TypeDecorator):
    """``invoices.reasons``, the storage boundary of reasons: the JSON list of ``Reason.to_stored()``
    objects in the database, ``Reason`` objects in Python (read once, here). A mapping given instead of
    a ``Reason`` (bulk loaders, rows as older versions wrote them) is stored as it is."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return [r.to_stored() if isinstance(r, Reason) else dict(r) for r in value
                if isinstance(r, Reason | Mapping)]

    def process_result_value(self, value, dialect) -> list[Reason]:
        return reasons_from_stored(value)


# One submitted document (accepted or rejected), with its original bytes and current status.
class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("sha256"),
        UniqueConstraint("dedup_key"),
        # the same Peppol message (envelope InstanceIdentifier) again is a safe retry
        UniqueConstraint("envelope_instance_id", name="uq_invoices_envelope_instance_id"),
        Index("ix_invoices_status_due_date_id", "status", "due_date", "id"),  # review queue paging
        # the workspace's queue is always one organisation's (migration 0030): its page, total and
        # neighbours from one index range, 340 -> 16 ms at 100,000 invoices (SQLite)
        Index("ix_invoices_organisation_status_due_date_id", "organisation_id", "status", "due_date", "id"),
        # credit notes waiting for the invoice they correct (few among many invoices under review)
        Index("ix_invoices_document_type_status", "document_type", "status"),
        # matching's duplicate look-ups (bounded, indexed): same seller, issue date and amount (on
        # PostgreSQL; SQLite keeps amounts as text and reads the seller's day); look-alike numbers
        Index("ix_invoices_supplier_issue_date_amount", "supplier_id", "issue_date", "tax_inclusive_amount"),
        Index("ix_invoices_seller_key_issue_date_amount", "seller_key", "issue_date", "tax_inclusive_amount"),
        Index("ix_invoices_number_key", "number_key"),
        Index("ix_invoices_number_key_runs", "number_key_runs"),
        Index("ix_invoices_order_key", "order_key"),
        # the search's amount alternatives (an OR is answered from indexes only if each part has one)
        Index("ix_invoices_payable_amount", "payable_amount"),
        Index("ix_invoices_tax_inclusive_amount", "tax_inclusive_amount"),
        # list pages (GET /v1/invoices): each filter, then the list's order (migration 0018)
        Index("ix_invoices_created_at_id", "created_at", "id"),
        Index("ix_invoices_updated_at_id", "updated_at", "id"),
        Index("ix_invoices_status_created_at_id", "status", "created_at", "id"),
        Index("ix_invoices_supplier_created_at_id", "supplier_id", "created_at", "id"),
        Index("ix_invoices_seller_key_created_at_id", "seller_key", "created_at", "id"),
        Index("ix_invoices_purchase_order_created_at_id", "purchase_order", "created_at", "id"),
        Index("ix_invoices_received_by_created_at_id", "received_by", "created_at", "id"),  # a gateway's list
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    status: InvoiceStatus = Field(default=InvoiceStatus.received, sa_type=enum_type(InvoiceStatus, 32))
    document_type: DocumentType | None = Field(default=None, sa_type=enum_type(DocumentType, 16))
    sha256: str = Field(max_length=64)
    media_type: str = Field(default="application/xml", max_length=100)
    size_bytes: int = 0
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))

    invoice_number: str | None = Field(default=None, max_length=200, index=True)  # BT-1
    # BT-1's two look-alike keys (service.normal_forms.invoice_number_keys), set when it is matched
    number_key: str | None = Field(default=None, max_length=200)
    number_key_runs: str | None = Field(default=None, max_length=400)
    type_code: str | None = Field(default=None, max_length=8)  # BT-3
    issue_date: date | None = None  # BT-2
    due_date: date | None = None  # BT-9
    currency: str | None = Field(default=None, max_length=3)  # BT-5
    seller_name: str | None = Field(default=None, max_length=500)  # BT-27
    seller_key: str | None = Field(default=None, max_length=300)  # normalised seller identity
    supplier_id: uuid.UUID | None = Field(default=None)
    # the buyer organisation (BT-49, else BT-47); None for a document refused as BUYER_UNKNOWN or one whose
    # buyer could not be read. No foreign key: organisations are never deleted, and intake must not have to
    # create the default organisation (two first invoices at once would wait on each other's insert)
    organisation_id: uuid.UUID | None = Field(default=DEFAULT_ORGANISATION_ID, index=True)
    purchase_order: str | None = Field(default=None, max_length=200)  # BT-13
    # BT-13 (else BT-10) in its normal form (service.normal_forms.order_key): an order created later
    # under that number re-matches the invoice
    order_key: str | None = Field(default=None, max_length=200)
    # the order a reviewer linked by hand (service.resolve.link_order); matching uses it instead of BT-13
    linked_order: str | None = Field(default=None, max_length=200)
    payable_amount: Decimal | None = Field(default=None, sa_type=DecimalType)  # BT-115
    tax_inclusive_amount: Decimal | None = Field(default=None, sa_type=DecimalType)  # BT-112
    # the find list's amount order (cents(); migration 0033 indexes it for both directions): SQLite
    # keeps amounts as text, and a CAST per row read and sorted every invoice
    payable_cents: int | None = Field(default=None, sa_column=Column(BigInteger, default=_payable_cents))

    # what validation, duplicate detection and matching found (service.reasons.Reason; see ReasonsJSON)
    reasons: list[Reason] = Field(default_factory=list, sa_column=Column(ReasonsJSON, nullable=False))
    validation_report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # EN 16931 model as JSON
    # "<seller_key>|<document_type>|<BT-1>" for accepted documents only (NULL for rejected ones): the
    # unique constraint makes DUPLICATE_INVOICE race-free across processes.
    dedup_key: str | None = Field(default=None, max_length=600)
    duplicate_of: uuid.UUID | None = Field(default=None)  # the first invoice, for DUPLICATE_INVOICE

    # What the document came as. ``document`` keeps the bytes as received (a Peppol envelope, a
    # Factur-X PDF: then the PDF is also the invoice's visual); ``invoice_xml`` is the invoice
    # inside such a container (None when ``document`` is the invoice itself).
    syntax: str | None = Field(default=None, max_length=8)  # "ubl" | "cii"
    profile_id: str | None = Field(default=None, max_length=200)  # BT-23 business process
    validation_release: str | None = Field(default=None, max_length=100)  # "peppol-bis-billing-3@3.0.21"
    # profile urn:peppol:bis:billing_with_response (02): the buyer owes an Invoice Response
    invoice_response_required: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    invoice_xml: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    envelope_sender: str | None = Field(default=None, max_length=200)  # SBDH Sender, "scheme:value"
    envelope_receiver: str | None = Field(default=None, max_length=200)  # SBDH Receiver
    envelope_document_type: str | None = Field(default=None, max_length=500)  # DOCUMENTID scope
    envelope_process: str | None = Field(default=None, max_length=200)  # PROCESSID scope
    envelope_instance_id: str | None = Field(default=None, max_length=200)  # InstanceIdentifier
    envelope_country: str | None = Field(default=None, max_length=2)  # COUNTRY_C1

    received_by: str = Field(default="", max_length=200)
    version: int = 1  # bumped on every change; feeds the ETag
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        if self.payable_cents is None:  # (the constructor fills fields without attribute events)
            self.payable_cents = cents(self.payable_amount)

    @classmethod
    def new(cls, **values: Any) -> Invoice:
        """``Invoice(**values)`` without an attribute event per column (``new_row``: ~110 us less)."""
        if values.get("payable_cents") is None:
            values["payable_cents"] = cents(values.get("payable_amount"))
        return new_row(cls, **values)



# Each reason code of an invoice (once, however many of its reasons carry it) with the invoice's status and
# organisation: the review queue counts invoices per code from one index range instead of reading every
# queued invoice's ``reasons`` JSON (247 ms at 60,000 under review, SQLite). Written only by the database's
# triggers on ``invoices`` (migration 0038), whoever writes an invoice, bulk loads included; never by the
# service (``info["filled_by_triggers"]``: a copy of the rows an INSERT wrote must leave it out).
class InvoiceReasonCode(SQLModel, table=True):
    __tablename__ = "invoice_reason_codes"
    __table_args__ = (
        # status first: a queue of every organisation (no organisation chosen) is a range of it too
        Index("ix_invoice_reason_codes_status_organisation_code", "status", "organisation_id", "code"),
        {"info": {"filled_by_triggers": True}},
    )

    invoice_id: uuid.UUID = Field(primary_key=True)
    code: str = Field(primary_key=True)
    status: InvoiceStatus = Field(sa_type=enum_type(InvoiceStatus, 32))
    organisation_id: uuid.UUID | None = Field(default=None)

# A status transition: who, when, from, to, why. Written in the same transaction as the change.
class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        # the dashboard's figures (migration 0034), read from the index alone: per day by status ...
        Index("ix_audit_events_to_status_at", "to_status", "at", "from_status", "invoice_id"),
        # ... and per invoice (first decision, payment, flagged), grouped in the index's order
        Index("ix_audit_events_invoice_status_at", "invoice_id", "to_status", "at", "from_status"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    from_status: InvoiceStatus | None = Field(default=None, sa_type=enum_type(InvoiceStatus, 32))
    to_status: InvoiceStatus = Field(sa_type=enum_type(InvoiceStatus, 32))
    actor: str = Field(max_length=200)  # "key:<prefix>", "user:<name>", "system"
    reason_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    comment: str | None = None
    # a manual approval: {"step", "rule_version", "triggers", "first_approver"} (service/approvals)
    approval: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# An embedded attachment (BG-24, EmbeddedDocumentBinaryObject) extracted from an accepted invoice.
class InvoiceAttachment(SQLModel, table=True):
    __tablename__ = "invoice_attachments"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invoice_id: uuid.UUID = Field(foreign_key="invoices.id", index=True)
    position: int  # n in /v1/invoices/{id}/attachments/{n}, 1-based, in document order
    document_reference: str = Field(max_length=200)  # BT-122
    description: str | None = None  # BT-123
    filename: str | None = Field(default=None, max_length=300)  # BT-125 filename
    mime_code: str | None = Field(default=None, max_length=100)  # BT-125 mime code, as declared
    mime_allowed: bool = False  # declared mime code is on Peppol's MimeCode list
    content_matches: bool = False  # the bytes look like the declared type (magic numbers)
    size_bytes: int = 0
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@event.listens_for(Invoice.payable_amount, "set")  # an amount set after construction
def _keep_payable_cents(target: Invoice, value: Any, oldvalue: Any, initiator: Any) -> None:
    target.payable_cents = cents(value)
