"""Master data tables: suppliers, purchase orders (versioned), goods receipts, master-data events.

Owned by the master data area (``service/masterdata/``). Identity of a purchase-order line across
versions is ``(purchase_order_id, line_id)``: the ledger of invoiced quantities and the goods-receipt
lines refer to that pair, never to the row id of one version's line.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.base import DecimalType, UTCDateTime, enum_type, new_id, utcnow
from service.models.organisations import DEFAULT_ORGANISATION_ID


class OrderStatus(StrEnum):
    open = "open"
    closed = "closed"


class DocumentSource(StrEnum):
    json = "json"
    order = "order"  # UBL 2.1 Order (Peppol BIS Order T01)
    receipt_advice = "receipt_advice"  # UBL 2.1 ReceiptAdvice
    despatch_advice = "despatch_advice"  # UBL 2.1 DespatchAdvice (Peppol T16)
    prestatieverklaring = "prestatieverklaring"  # a budget holder confirmed the delivery (hand-over)


class MasterDataEventKind(StrEnum):
    supplier_created = "supplier_created"
    supplier_updated = "supplier_updated"
    order_version_created = "order_version_created"
    order_closed = "order_closed"
    order_reopened = "order_reopened"
    goods_receipt_recorded = "goods_receipt_recorded"
    # bank accounts change only through a proposal another person decides (service/approvals)
    bank_account_proposed = "bank_account_proposed"
    bank_account_verified = "bank_account_verified"
    bank_account_rejected = "bank_account_rejected"
    # an API key's or staff user's approval rights or limit changed (service/approvals/grants.py)
    rights_changed = "rights_changed"


# A supplier (seller) as the buyer's ERP knows it; the matching policy overrides travel with it.
class Supplier(SQLModel, table=True):
    __tablename__ = "suppliers"
    # the same supplier delivers to several organisations with its own master data in each
    __table_args__ = (UniqueConstraint("organisation_id", "electronic_address_scheme", "electronic_address_value",
                                       name="uq_suppliers_organisation_electronic_address"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    # organisations are never deleted; the column has no foreign key so that a row needs no look-up
    organisation_id: uuid.UUID = Field(default=DEFAULT_ORGANISATION_ID, index=True)
    name: str = Field(max_length=500)  # BT-27 seller name
    electronic_address_scheme: str | None = Field(default=None, max_length=8)  # BT-34 scheme (EAS)
    electronic_address_value: str | None = Field(default=None, max_length=200)  # BT-34
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 1  # bumped on every change (the policy version matching records)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A legal or tax identifier of a supplier: 0106 KvK, 0190 OIN, 0088 GLN, VAT, other ICD schemes.
class SupplierIdentifier(SQLModel, table=True):
    __tablename__ = "supplier_identifiers"
    __table_args__ = (Index("ix_supplier_identifiers_scheme_value", "scheme", "value"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id", index=True)
    scheme: str = Field(max_length=8)
    value: str = Field(max_length=100)  # normalised (compact, upper case)


# A bank account (BT-84 payment account) the ERP confirmed for a supplier.
class SupplierBankAccount(SQLModel, table=True):
    __tablename__ = "supplier_bank_accounts"
    __table_args__ = (UniqueConstraint("supplier_id", "iban"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id", index=True)
    iban: str = Field(max_length=34, index=True)  # compact, upper case
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A purchase order (BT-13 is its number); its content lives in immutable versions.
class PurchaseOrder(SQLModel, table=True):
    __tablename__ = "purchase_orders"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    number: str = Field(max_length=200, unique=True, index=True)  # BT-13
    organisation_id: uuid.UUID = Field(default=DEFAULT_ORGANISATION_ID, index=True)  # the buyer's
    # the number as invoices may write it: upper case, no white space (service.normal_forms.order_key)
    number_key: str | None = Field(default=None, max_length=200, index=True)
    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id", index=True)  # of the current version
    status: OrderStatus = Field(default=OrderStatus.open, sa_type=enum_type(OrderStatus, 16))
    current_version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# One version of a purchase order's content; a change creates a new one, old ones stay as they were.
class PurchaseOrderVersion(SQLModel, table=True):
    __tablename__ = "purchase_order_versions"
    __table_args__ = (UniqueConstraint("purchase_order_id", "version"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    purchase_order_id: uuid.UUID = Field(foreign_key="purchase_orders.id")
    version: int
    supplier_id: uuid.UUID = Field(foreign_key="suppliers.id")
    currency: str = Field(max_length=3)  # BT-5 (ISO 4217)
    buyer_reference: str | None = Field(default=None, max_length=200)  # BT-10
    issue_date: date | None = None
    source: DocumentSource = Field(default=DocumentSource.json, sa_type=enum_type(DocumentSource, 32))  # column: 16 (orders never say prestatieverklaring)
    content_sha256: str = Field(max_length=64)  # of the canonical content (no-op updates are detected)
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A line of one purchase-order version.
class PurchaseOrderLine(SQLModel, table=True):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (UniqueConstraint("version_id", "line_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    version_id: uuid.UUID = Field(foreign_key="purchase_order_versions.id")
    position: int = 0
    line_id: str = Field(max_length=100)  # referenced by BT-132
    item_name: str = Field(max_length=500)  # BT-153
    seller_item_id: str | None = Field(default=None, max_length=200)  # BT-155
    standard_item_id: str | None = Field(default=None, max_length=200)  # BT-157
    quantity: Decimal = Field(sa_type=DecimalType)  # BT-129
    unit_code: str = Field(max_length=8)  # BT-130 (UN/ECE Rec 20)
    unit_price: Decimal = Field(sa_type=DecimalType)  # BT-146 net price
    base_quantity: Decimal = Field(default=Decimal(1), sa_type=DecimalType)  # BT-149
    vat_category: str = Field(max_length=4)  # BT-151
    vat_rate: Decimal = Field(sa_type=DecimalType)  # BT-152
    receipt_required: bool = False  # 3-way matching for this line


# A goods receipt (JSON, UBL ReceiptAdvice or DespatchAdvice); idempotent by receipt_id.
class GoodsReceipt(SQLModel, table=True):
    __tablename__ = "goods_receipts"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    receipt_id: str = Field(max_length=200, unique=True, index=True)
    organisation_id: uuid.UUID = Field(default=DEFAULT_ORGANISATION_ID, index=True)  # its order's
    purchase_order_id: uuid.UUID = Field(foreign_key="purchase_orders.id", index=True)
    po_number: str = Field(max_length=200)
    receipt_date: date
    source: DocumentSource = Field(default=DocumentSource.json, sa_type=enum_type(DocumentSource, 32))
    content_sha256: str = Field(max_length=64)
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A received (positive) or returned (negative) quantity of one purchase-order line.
class GoodsReceiptLine(SQLModel, table=True):
    __tablename__ = "goods_receipt_lines"
    __table_args__ = (Index("ix_goods_receipt_lines_order_line", "purchase_order_id", "po_line_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    goods_receipt_id: uuid.UUID = Field(foreign_key="goods_receipts.id", index=True)
    purchase_order_id: uuid.UUID = Field(foreign_key="purchase_orders.id")
    position: int = 0
    po_line_id: str = Field(max_length=100)
    quantity: Decimal = Field(sa_type=DecimalType)
    unit_code: str | None = Field(default=None, max_length=8)


# Something in master data changed that matching reacts to (new order version, receipt, ...).
class MasterDataEvent(SQLModel, table=True):
    __tablename__ = "masterdata_events"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: MasterDataEventKind = Field(sa_type=enum_type(MasterDataEventKind, 32))
    supplier_id: uuid.UUID | None = Field(default=None, index=True)
    purchase_order_id: uuid.UUID | None = Field(default=None, index=True)
    po_number: str | None = Field(default=None, max_length=200)
    order_version: int | None = None
    goods_receipt_id: uuid.UUID | None = None
    actor: str = Field(default="", max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
