"""Goods receipts: each line adds (or, negative, returns) a quantity of one purchase-order line.

Idempotent by ``receipt_id``: the same receipt sent again is answered with the stored one; the same
id with other content is a conflict. The cumulative received quantity per order line is what 3-way
matching compares with.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from service.masterdata.codelists import CodeLists
from service.masterdata.common import (
    ErrorList,
    ReceiptExists,
    ReceiptNotFound,
    content_hash,
    error,
    keyset_page,
    raise_invalid,
    record_event,
    validate_model,
)
from service.masterdata.orders import get_order_row
from service.masterdata.payloads import GoodsReceiptIn, GoodsReceiptOut, ReceiptLineOut
from service.masterdata.received import ReceivedView, received_by_line
from service.models.masterdata import (
    DocumentSource,
    GoodsReceipt,
    GoodsReceiptLine,
    MasterDataEventKind,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderVersion,
)

__all__ = ["ReceivedView", "check_receipt", "get_receipt", "list_receipts", "receipt_out",
           "received_by_line", "record_receipt"]


def _current_lines(session: Session, order: PurchaseOrder) -> dict[str, PurchaseOrderLine]:
    lines = session.exec(
        select(PurchaseOrderLine)
        .join(PurchaseOrderVersion, PurchaseOrderVersion.id == PurchaseOrderLine.version_id)
        .where(PurchaseOrderVersion.purchase_order_id == order.id,
               PurchaseOrderVersion.version == order.current_version)
    ).all()
    return {ln.line_id: ln for ln in lines}


def _hash(data: GoodsReceiptIn) -> str:
    return content_hash({
        "po_number": data.po_number, "date": data.date,
        "lines": [{"po_line_id": ln.po_line_id, "quantity": ln.quantity, "unit_code": ln.unit_code}
                  for ln in data.lines],
    })


def check_receipt(
    session: Session, raw: Any, codelists: CodeLists | None, *, loc_map: dict[str, Any] | None = None,
    organisation_id: uuid.UUID | None = None,
) -> tuple[GoodsReceiptIn, PurchaseOrder | None]:
    """The checked receipt and its (locked) order, or InvalidInput listing every problem.

    A receipt that was stored before is returned without the order checks (idempotent replay).
    With ``organisation_id``, an order of another organisation is as unknown as a missing one.
    """
    data, errors = validate_model(GoodsReceiptIn, raw, codelists)
    po_number = raw.get("po_number") if isinstance(raw, dict) else None
    order = get_order_row(session, po_number.strip(), for_update=True) if isinstance(po_number, str) and po_number.strip() else None
    if order is not None and organisation_id is not None and order.organisation_id != organisation_id:
        order = None
    if data is not None and session.exec(select(GoodsReceipt.id).where(GoodsReceipt.receipt_id == data.receipt_id)).first():
        return data, order  # idempotent path; content compared by record_receipt
    if isinstance(po_number, str) and po_number.strip() and order is None:
        errors.append(error(["body", "po_number"], f"no purchase order {po_number.strip()}", "unknown_order"))
    if order is not None and data is not None:
        errors += _line_errors(session, order, data)
    raise_invalid(errors, "goods receipt")
    assert data is not None  # raise_invalid raised otherwise
    return data, order


def _line_errors(session: Session, order: PurchaseOrder, data: GoodsReceiptIn) -> ErrorList:
    errors: ErrorList = []
    lines = _current_lines(session, order)
    received = received_by_line(session, order.number).quantities
    after: dict[str, Decimal] = dict(received)
    for i, ln in enumerate(data.lines):
        po_line = lines.get(ln.po_line_id)
        if po_line is None:
            errors.append(error(["body", "lines", i, "po_line_id"],
                                f"purchase order {order.number} has no line {ln.po_line_id}", "unknown_order_line"))
            continue
        if ln.unit_code and ln.unit_code != po_line.unit_code:
            errors.append(error(["body", "lines", i, "unit_code"],
                                f"unit {ln.unit_code} differs from the order line's unit {po_line.unit_code}",
                                "unit_mismatch"))
        after[ln.po_line_id] = after.get(ln.po_line_id, Decimal(0)) + ln.quantity
        if after[ln.po_line_id] < 0:
            errors.append(error(["body", "lines", i, "quantity"],
                                f"returns exceed what was received on line {ln.po_line_id} "
                                f"(received so far {received.get(ln.po_line_id, Decimal(0))})",
                                "return_exceeds_received"))
    return errors


def record_receipt(
    session: Session, data: GoodsReceiptIn, order: PurchaseOrder | None, *, actor: str,
    source: DocumentSource = DocumentSource.json, document: bytes | None = None,
) -> tuple[GoodsReceipt, bool]:
    """(receipt, created). The same receipt again returns the stored one; other content is a 409."""
    digest = _hash(data)
    existing = session.exec(select(GoodsReceipt).where(GoodsReceipt.receipt_id == data.receipt_id)).first()
    if existing is not None:
        if existing.content_sha256 != digest:
            raise ReceiptExists(
                f"goods receipt {data.receipt_id} was recorded with other content",
                goods_receipt=f"/v1/goods-receipts/{data.receipt_id}",
            )
        return existing, False
    assert order is not None  # check_receipt guarantees it for new receipts
    receipt = GoodsReceipt(
        receipt_id=data.receipt_id, purchase_order_id=order.id, organisation_id=order.organisation_id,
        po_number=order.number, receipt_date=data.date,
        source=source, content_sha256=digest, document=document, created_by=actor,
    )
    session.add(receipt)
    session.flush()
    session.execute(insert(GoodsReceiptLine), [
        {"id": uuid.uuid4(), "goods_receipt_id": receipt.id, "purchase_order_id": order.id, "position": i,
         "po_line_id": ln.po_line_id, "quantity": ln.quantity, "unit_code": ln.unit_code}
        for i, ln in enumerate(data.lines)
    ])
    record_event(
        session, MasterDataEventKind.goods_receipt_recorded, actor=actor, supplier_id=order.supplier_id,
        purchase_order_id=order.id, po_number=order.number, order_version=order.current_version,
        goods_receipt_id=receipt.id, data={"receipt_id": receipt.receipt_id, "source": source.value},
    )
    session.flush()
    return receipt, True


def get_receipt(session: Session, receipt_id: str) -> GoodsReceipt:
    receipt = session.exec(select(GoodsReceipt).where(GoodsReceipt.receipt_id == receipt_id)).first()
    if receipt is None:
        raise ReceiptNotFound(f"no goods receipt {receipt_id}")
    return receipt


def receipt_out(session: Session, receipts: list[GoodsReceipt]) -> list[GoodsReceiptOut]:
    lines: dict[uuid.UUID, list[GoodsReceiptLine]] = defaultdict(list)
    if receipts:
        for ln in session.exec(
            select(GoodsReceiptLine).where(col(GoodsReceiptLine.goods_receipt_id).in_([r.id for r in receipts]))
        ).all():
            lines[ln.goods_receipt_id].append(ln)
    return [
        GoodsReceiptOut(
            receipt_id=r.receipt_id, po_number=r.po_number, date=r.receipt_date, source=r.source.value,
            lines=[ReceiptLineOut(po_line_id=ln.po_line_id, quantity=ln.quantity, unit_code=ln.unit_code)
                   for ln in sorted(lines[r.id], key=lambda x: x.position)],
            created_at=r.created_at,
        )
        for r in receipts
    ]


def list_receipts(
    session: Session, *, cursor: str | None, limit: int, po_number: str | None = None,
    organisation_id: uuid.UUID | None = None,
) -> tuple[list[GoodsReceipt], str | None]:
    query = select(GoodsReceipt)
    if organisation_id is not None:
        query = query.where(GoodsReceipt.organisation_id == organisation_id)
    if po_number:
        query = query.where(GoodsReceipt.po_number == po_number)
    rows, next_cursor = keyset_page(session, query, GoodsReceipt, cursor, limit)
    return rows, next_cursor
