"""Read functions for matching (and anyone else): plain queries, no writes, no flush.

- ``get_order(session, po_number, *, for_update=False) -> OrderView | None``: the current version with
  its lines; ``for_update`` locks the order header row (``SELECT ... FOR UPDATE`` on PostgreSQL).
- ``lock_order(session, po_number) -> UUID | None``: only the header lock (no lines loaded).
- ``get_order_version(session, po_number, version) -> OrderView | None``: an older version (replay).
- ``received_by_line(session, po_number) -> ReceivedView``: cumulative received per line id.
- ``supplier_facts(session, supplier_id) -> SupplierFacts | None``: known IBANs and policy overrides.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from service.masterdata.receipts import ReceivedView, received_by_line
from service.models.masterdata import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderVersion,
    Supplier,
    SupplierBankAccount,
)

__all__ = ["OrderLineView", "OrderView", "ReceivedView", "SupplierFacts", "get_order", "get_order_version", "lock_order",
           "received_by_line", "supplier_facts"]

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


def _view(session: Session, order: PurchaseOrder, version: int) -> OrderView | None:
    row = session.exec(
        select(PurchaseOrderVersion).where(
            PurchaseOrderVersion.purchase_order_id == order.id, PurchaseOrderVersion.version == version
        )
    ).first()
    if row is None:
        return None
    lines = session.exec(
        select(PurchaseOrderLine).where(PurchaseOrderLine.version_id == row.id).order_by(PurchaseOrderLine.position)
    ).all()
    return OrderView(
        id=order.id, number=order.number, supplier_id=row.supplier_id, currency=row.currency,
        status=order.status.value, version=row.version, version_id=row.id, buyer_reference=row.buyer_reference,
        lines=tuple(
            OrderLineView(
                line_id=ln.line_id, item_name=ln.item_name, seller_item_id=ln.seller_item_id,
                standard_item_id=ln.standard_item_id, quantity=ln.quantity, unit_code=ln.unit_code,
                unit_price=ln.unit_price, base_quantity=ln.base_quantity, vat_category=ln.vat_category,
                vat_rate=ln.vat_rate, receipt_required=ln.receipt_required,
            )
            for ln in lines
        ),
    )


def get_order(session: Session, po_number: str, *, for_update: bool = False) -> OrderView | None:
    """The order's current version with its lines (header row locked when ``for_update``)."""
    query = select(PurchaseOrder).where(PurchaseOrder.number == po_number)
    if for_update:
        query = query.with_for_update()
    order = session.exec(query).first()
    return _view(session, order, order.current_version) if order is not None else None


def lock_order(session: Session, po_number: str) -> uuid.UUID | None:
    """Lock the order header row (``SELECT id ... FOR UPDATE``; cheap) and return its id, or None."""
    return session.exec(
        select(PurchaseOrder.id).where(PurchaseOrder.number == po_number).with_for_update()
    ).first()


def get_order_version(session: Session, po_number: str, version: int) -> OrderView | None:
    order = session.exec(select(PurchaseOrder).where(PurchaseOrder.number == po_number)).first()
    return _view(session, order, version) if order is not None else None


def supplier_facts(session: Session, supplier_id: uuid.UUID) -> SupplierFacts | None:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        return None
    ibans = session.exec(select(SupplierBankAccount.iban).where(SupplierBankAccount.supplier_id == supplier_id)).all()
    policy: dict[str, Any] = dict(supplier.policy or {})
    for key in _DECIMAL_POLICY_KEYS:
        if policy.get(key) is not None:
            policy[key] = Decimal(str(policy[key]))
    return SupplierFacts(id=supplier.id, name=supplier.name, ibans=frozenset(ibans), policy=policy,
                         version=supplier.version)
