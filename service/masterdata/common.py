"""Helpers shared by the master-data services: errors, input parsing, cursors, events, hashing."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import and_, or_
from sqlmodel import Session, col

from service import cursors
from service.errors import Conflict, InvalidCursor, InvalidInput, NotFound
from service.masterdata.codelists import CodeLists
from service.models.masterdata import MasterDataEvent, MasterDataEventKind

ErrorList = list[dict[str, Any]]


class SupplierNotFound(NotFound):
    slug, title = "supplier-not-found", "Supplier not found"


class OrderNotFound(NotFound):
    slug, title = "purchase-order-not-found", "Purchase order not found"


class ReceiptNotFound(NotFound):
    slug, title = "goods-receipt-not-found", "Goods receipt not found"


class IdentifierTaken(Conflict):
    slug, title = "identifier-taken", "Identifier belongs to another supplier"


class OrderExists(Conflict):
    slug, title = "purchase-order-exists", "Purchase order exists with other content"


class ReceiptExists(Conflict):
    slug, title = "goods-receipt-exists", "Goods receipt id already used for other content"


def error(loc: Iterable[Any], msg: str, type_: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": type_}


def pydantic_errors(exc: ValidationError, prefix: tuple[Any, ...] = ("body",)) -> ErrorList:
    return [error(prefix + tuple(e["loc"]), e["msg"], e["type"]) for e in exc.errors(include_url=False)]


def validate_model(
    model: type[BaseModel], raw: Any, codelists: CodeLists | None, prefix: tuple[Any, ...] = ("body",)
) -> tuple[Any | None, ErrorList]:
    """(model instance or None, every field error)."""
    try:
        return model.model_validate(raw, context={"codelists": codelists}), []
    except ValidationError as exc:
        return None, pydantic_errors(exc, prefix)


def raise_invalid(errors: ErrorList, what: str) -> None:
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the {what}", errors=errors)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("the body is not valid JSON",
                           errors=[error(["body"], f"not valid JSON: {exc}", "json_invalid")]) from None


def content_hash(data: Any) -> str:
    """SHA-256 of a canonical JSON rendering (decimals normalised, keys sorted)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=_canonical,
                                     separators=(",", ":")).encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        normal = value.normalize()
        return format(normal if normal.as_tuple().exponent <= 0 else normal.quantize(Decimal(1)), "f")
    if isinstance(value, uuid.UUID | datetime):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value)!r}")


# --- cursors: opaque keyset positions (created_at, id) -------------------------------------------


def encode_cursor(at: datetime, row_id: uuid.UUID | str) -> str:
    return cursors.encode_position(at, row_id)


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        return cursors.decode_position(cursor)
    except ValueError:
        raise InvalidCursor("the cursor is not one this service issued") from None


def keyset_page(session: Session, query, table, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of ``query`` in (created_at, id) order of ``table``, and the cursor after it.

    Rows may be ``table`` objects or tuples whose first item is one.
    """
    if cursor:
        at, row_id = decode_cursor(cursor)
        query = query.where(or_(table.created_at > at, and_(table.created_at == at, col(table.id) > row_id)))
    rows = list(session.exec(query.order_by(table.created_at, table.id).limit(limit + 1)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1][0] if isinstance(rows[-1], tuple) or hasattr(rows[-1], "_mapping") else rows[-1]
    return rows, encode_cursor(last.created_at, last.id)


# --- events ---------------------------------------------------------------------------------------


def record_event(
    session: Session,
    kind: MasterDataEventKind,
    *,
    actor: str,
    supplier_id: uuid.UUID | None = None,
    purchase_order_id: uuid.UUID | None = None,
    po_number: str | None = None,
    order_version: int | None = None,
    goods_receipt_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> MasterDataEvent:
    event = MasterDataEvent(
        kind=kind, actor=actor, supplier_id=supplier_id, purchase_order_id=purchase_order_id,
        po_number=po_number, order_version=order_version, goods_receipt_id=goods_receipt_id,
        data=data or {},
    )
    session.add(event)
    return event
