"""Read functions for matching (and anyone else): plain queries, no writes, no flush.

The one read path of master data: the matching service (service/decisions/inputs.py) reads orders
and suppliers only through these functions.

- ``get_order(session, po_number, *, for_update=False) -> OrderView | None``: the current version with
  its lines; ``for_update`` locks the order header row (``SELECT ... FOR UPDATE`` on PostgreSQL).
- ``lock_order(session, po_number) -> UUID | None``: only the header lock (no lines loaded).
- ``get_order_version(session, po_number, version) -> OrderView | None``: an older version (replay).
- ``received_by_line(session, po_number) -> ReceivedView``: cumulative received per line id.
- ``orders_by_key(session, key, *, supplier_id=None, limit=2) -> list[str]``: order numbers by their
  normal form (``service.normal_forms.order_key``).
- ``supplier_facts(session, supplier_id) -> SupplierFacts | None``: known IBANs and policy overrides.
- ``seller_keys(session, supplier_id) -> list[str]``: the seller keys an invoice of the supplier gets.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from service.masterdata.identifiers import seller_key
from service.masterdata.receipts import ReceivedView, received_by_line
from service.models.masterdata import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderVersion,
    Supplier,
    SupplierBankAccount,
    SupplierIdentifier,
)

__all__ = ["OrderLineView", "OrderView", "ReceivedView", "SupplierFacts", "get_order", "get_order_version",
           "lock_order", "orders_by_key", "received_by_line", "seller_keys", "supplier_facts"]

_DECIMAL_POLICY_KEYS = ("price_over_pct", "price_under_pct", "quantity_over_pct", "total_abs", "charge_abs")


@dataclass(frozen=True)
class OrderLineView:
    line_id: str
    item_name: str  # BT-153
    seller_item_id: str | None  # BT-155
    standard_item_id: str | None  # BT-157
    quantity: Decimal
    unit_code: str  # BT-130
    unit_price: Decimal  # BT-146 (net, per base quantity)
    base_quantity: Decimal  # BT-149
    vat_category: str  # BT-151
    vat_rate: Decimal  # BT-152
    receipt_required: bool


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID  # purchase_orders.id
    number: str
    organisation_id: uuid.UUID
    supplier_id: uuid.UUID
    currency: str
    status: str  # "open" | "closed" (of the order, now)
    version: int
    version_id: uuid.UUID
    buyer_reference: str | None
    lines: tuple[OrderLineView, ...]


@dataclass(frozen=True)
class SupplierFacts:
    id: uuid.UUID
    name: str
    ibans: frozenset[str]
    policy: dict[str, Any]  # decimals as Decimal, receipt_mode as str
    version: int


_PO = PurchaseOrder.__table__
_VERSION = PurchaseOrderVersion.__table__
_LINE = PurchaseOrderLine.__table__
_SUPPLIER = Supplier.__table__
_ACCOUNT = SupplierBankAccount.__table__


def _view(session: Session, head: Any, version: int) -> OrderView | None:
    """Two core statements (no ORM objects): matching reads the order of every invoice this way."""
    rows = session.execute(
        select(_VERSION.c.id, _VERSION.c.supplier_id, _VERSION.c.currency, _VERSION.c.buyer_reference,
               _LINE.c.line_id, _LINE.c.item_name, _LINE.c.seller_item_id, _LINE.c.standard_item_id,
               _LINE.c.quantity, _LINE.c.unit_code, _LINE.c.unit_price, _LINE.c.base_quantity,
               _LINE.c.vat_category, _LINE.c.vat_rate, _LINE.c.receipt_required)
        .select_from(_VERSION.outerjoin(_LINE, _LINE.c.version_id == _VERSION.c.id))
        .where(_VERSION.c.purchase_order_id == head.id, _VERSION.c.version == version)
        .order_by(_LINE.c.position)
    ).all()
    if not rows:
        return None
    first = rows[0]
    return OrderView(
        id=head.id, number=head.number, organisation_id=head.organisation_id, supplier_id=first.supplier_id, currency=first.currency,
        status=str(getattr(head.status, "value", head.status)), version=version, version_id=first.id,
        buyer_reference=first.buyer_reference,
        lines=tuple(
            OrderLineView(
                line_id=r.line_id, item_name=r.item_name, seller_item_id=r.seller_item_id,
                standard_item_id=r.standard_item_id, quantity=r.quantity, unit_code=r.unit_code,
                unit_price=r.unit_price, base_quantity=r.base_quantity, vat_category=r.vat_category,
                vat_rate=r.vat_rate, receipt_required=bool(r.receipt_required),
            )
            for r in rows if r.line_id is not None
        ),
    )


def _head(session: Session, po_number: str, *, for_update: bool = False) -> Any:
    query = select(_PO.c.id, _PO.c.number, _PO.c.organisation_id, _PO.c.status, _PO.c.current_version).where(
        _PO.c.number == po_number)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).first()


def get_order(session: Session, po_number: str, *, for_update: bool = False) -> OrderView | None:
    """The order's current version with its lines (header row locked when ``for_update``)."""
    head = _head(session, po_number, for_update=for_update)
    return _view(session, head, int(head.current_version)) if head is not None else None


def lock_order(session: Session, po_number: str) -> uuid.UUID | None:
    """Lock the order header row (``SELECT id ... FOR UPDATE``; cheap) and return its id, or None."""
    return session.execute(select(_PO.c.id).where(_PO.c.number == po_number).with_for_update()).scalar()


def orders_by_key(session: Session, key: str, *, supplier_id: uuid.UUID | None = None, limit: int = 2) -> list[str]:
    """Numbers of the orders whose normal form is ``key`` (of ``supplier_id`` when given), at most
    ``limit`` (indexed on ``number_key``)."""
    query = select(_PO.c.number).where(_PO.c.number_key == key)
    if supplier_id is not None:
        query = query.where(_PO.c.supplier_id == supplier_id)
    return list(session.execute(query.order_by(_PO.c.number).limit(limit)).scalars())


def get_order_version(session: Session, po_number: str, version: int) -> OrderView | None:
    head = _head(session, po_number)
    return _view(session, head, version) if head is not None else None


def supplier_facts(session: Session, supplier_id: uuid.UUID) -> SupplierFacts | None:
    """Known IBANs, policy overrides and version of a supplier (one core statement: matching reads the
    supplier of every invoice this way)."""
    rows = session.execute(
        select(_SUPPLIER.c.name, _SUPPLIER.c.policy, _SUPPLIER.c.version, _ACCOUNT.c.iban)
        .select_from(_SUPPLIER.outerjoin(_ACCOUNT, _ACCOUNT.c.supplier_id == _SUPPLIER.c.id))
        .where(_SUPPLIER.c.id == supplier_id)
    ).all()
    if not rows:
        return None
    first = rows[0]
    policy: dict[str, Any] = dict(first.policy or {})
    for key in _DECIMAL_POLICY_KEYS:
        if policy.get(key) is not None:
            policy[key] = Decimal(str(policy[key]))
    return SupplierFacts(id=supplier_id, name=first.name or "", ibans=frozenset(r.iban for r in rows if r.iban),
                         policy=policy, version=int(first.version))


@dataclass(frozen=True)
class _Key:
    scheme: str | None
    value: str


def seller_keys(session: Session, supplier_id: uuid.UUID) -> list[str]:
    """The seller keys (``service.masterdata.identifiers.seller_key``) an invoice of this supplier can
    carry: its electronic address and each legal or VAT identifier, sorted."""
    ident = SupplierIdentifier.__table__
    address = session.execute(select(_SUPPLIER.c.electronic_address_scheme, _SUPPLIER.c.electronic_address_value)
                              .where(_SUPPLIER.c.id == supplier_id)).first()
    pairs = [(address.electronic_address_scheme, address.electronic_address_value)] if address else []
    pairs += [tuple(r) for r in session.execute(select(ident.c.scheme, ident.c.value)
                                                .where(ident.c.supplier_id == supplier_id)).all()]
    keys = {seller_key(_Key(scheme, value)) for scheme, value in pairs if value}
    return sorted(k for k in keys if k)
