"""What has been received of an order, per order line: the read that 3-way matching and the order's
own view share (its own module, so orders and receipts need not import each other)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session, select

from service.models.masterdata import GoodsReceipt, GoodsReceiptLine, PurchaseOrder

__all__ = ["ReceivedView", "received_by_line"]


@dataclass(frozen=True)
class ReceivedView:
    """Cumulative received quantity per order line id, and the receipts it was summed from.

    ``movements``: every receipt and return line (receipt id, order line id, quantity; returns
    negative), in the order they were recorded, for a decision to show how it was netted.
    """

    quantities: dict[str, Decimal] = field(default_factory=dict)
    receipt_ids: tuple[str, ...] = ()
    movements: tuple[tuple[str, str, Decimal], ...] = ()


def received_by_line(session: Session, po_number: str) -> ReceivedView:
    rows = session.exec(
        select(GoodsReceipt.receipt_id, GoodsReceiptLine.po_line_id, GoodsReceiptLine.quantity)
        .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.goods_receipt_id)
        .join(PurchaseOrder, PurchaseOrder.id == GoodsReceiptLine.purchase_order_id)
        .where(PurchaseOrder.number == po_number)
        .order_by(GoodsReceipt.receipt_date, GoodsReceipt.created_at, GoodsReceipt.receipt_id,
                  GoodsReceiptLine.position)
    ).all()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    receipts: set[str] = set()
    for receipt_id, line_id, quantity in rows:  # summed in Python: SQLite keeps decimals as text
        totals[line_id] += quantity
        receipts.add(receipt_id)
    return ReceivedView(dict(totals), tuple(sorted(receipts)), tuple((r, ln, q) for r, ln, q in rows))
