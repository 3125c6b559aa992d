"""Purchase orders: checks, versioned storage, close/reopen, reads and the bulk import path.

A change of content (supplier, currency, buyer reference, lines) stores a new immutable version and
leaves the old ones as they were, so a decision can always be explained against the version it used.
The status (open / closed) belongs to the order, not to a version. The same content sent again is a
no-op ("unchanged"): ERPs may resend their whole order book every night.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import and_, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.masterdata.codelists import CodeLists
from service.masterdata.common import (
    ErrorList,
    OrderExists,
    OrderNotFound,
    content_hash,
    error,
    keyset_page,
    raise_invalid,
    record_event,
    validate_model,
)
from service.masterdata.payloads import (
    BatchItemResult,
    ItemOut,
    OrderLineOut,
    PurchaseOrderIn,
    PurchaseOrderOut,
    PurchaseOrderSummary,
)
from service.masterdata.received import received_by_line
from service.models.base import utcnow
from service.models.masterdata import (
    DocumentSource,
    MasterDataEventKind,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderVersion,
    Supplier,
)
from service.normal_forms import order_key

Outcome = Literal["created", "updated", "unchanged"]

__all__ = [
    "OrderMeta",
    "check_order",
    "get_order_row",
    "import_orders",
    "list_orders",
    "order_out",
    "order_errors",
    "save_order",
    "set_status",
]


@dataclass(frozen=True)
class OrderMeta:
    """What a UBL document adds to the JSON fields: where it came from and its original bytes."""

    source: DocumentSource = DocumentSource.json
    document: bytes | None = None
    issue_date: date | None = None


# --- checks ----------------------------------------------------------------------------------------


def _structural_errors(raw: Any, prefix: tuple[Any, ...]) -> ErrorList:
    """Checks across lines that Pydantic does not do: unique line ids."""
    errors: ErrorList = []
    lines = raw.get("lines") if isinstance(raw, dict) else None
    if isinstance(lines, list):
        seen: dict[str, int] = {}
        for i, line in enumerate(lines):
            line_id = line.get("line_id") if isinstance(line, dict) else None
            if isinstance(line_id, str | int) and str(line_id).strip():
                key = str(line_id).strip()
                if key in seen:
                    errors.append(error((*prefix, "lines", i, "line_id"),
                                        f"line id {key} is used twice (also lines[{seen[key]}])", "duplicate_line_id"))
                else:
                    seen[key] = i
    return errors


def _raw_supplier_id(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw.get("supplier_id")))
    except (AttributeError, ValueError, TypeError):
        return None


def order_errors(
    raw: Any, codelists: CodeLists | None, known_suppliers: set[uuid.UUID] | None,
    prefix: tuple[Any, ...] = ("body",),
) -> tuple[PurchaseOrderIn | None, ErrorList]:
    """(checked order or None, every error): fields, code lists, unique line ids, known supplier.

    ``known_suppliers`` is the set of supplier ids that exist (None: skip that check).
    """
    data, errors = validate_model(PurchaseOrderIn, raw, codelists, prefix)
    errors += _structural_errors(raw, prefix)
    supplier_id = _raw_supplier_id(raw)
    if known_suppliers is not None and supplier_id is not None and supplier_id not in known_suppliers:
        errors.append(error((*prefix, "supplier_id"), f"no supplier with id {supplier_id}", "unknown_supplier"))
    return (data if not errors else None), errors


def check_order(session: Session, raw: Any, codelists: CodeLists | None) -> PurchaseOrderIn:
    """The checked order, or InvalidInput listing every problem."""
    supplier_id = _raw_supplier_id(raw)
    known = set()
    if supplier_id is not None and session.get(Supplier, supplier_id) is not None:
        known.add(supplier_id)
    data, errors = order_errors(raw, codelists, known)
    raise_invalid(errors, "purchase order")
    assert data is not None  # raise_invalid raised otherwise
    return data


# --- storage ---------------------------------------------------------------------------------------


def _line_rows(data: PurchaseOrderIn) -> list[dict[str, Any]]:
    return [
        {
            "position": i, "line_id": line.line_id, "item_name": line.item.name,
            "seller_item_id": line.item.seller_item_id, "standard_item_id": line.item.standard_item_id,
            "quantity": line.quantity, "unit_code": line.unit_code, "unit_price": line.unit_price,
            "base_quantity": line.base_quantity, "vat_category": line.vat_category,
            "vat_rate": line.vat_rate, "receipt_required": line.receipt_required,
        }
        for i, line in enumerate(data.lines)
    ]


def _hash(data: PurchaseOrderIn, rows: list[dict[str, Any]]) -> str:
    return content_hash({
        "supplier_id": data.supplier_id, "currency": data.currency,
        "buyer_reference": data.buyer_reference, "lines": rows,
    })


def get_order_row(session: Session, number: str, *, for_update: bool = False) -> PurchaseOrder | None:
    query = select(PurchaseOrder).where(PurchaseOrder.number == number)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def _current_hash(session: Session, order: PurchaseOrder) -> str | None:
    return session.exec(
        select(PurchaseOrderVersion.content_sha256).where(
            PurchaseOrderVersion.purchase_order_id == order.id,
            PurchaseOrderVersion.version == order.current_version,
        )
    ).first()


def _new_version(
    session: Session, order: PurchaseOrder, version: int, data: PurchaseOrderIn,
    rows: list[dict[str, Any]], digest: str, meta: OrderMeta, actor: str,
) -> PurchaseOrderVersion:
    row = PurchaseOrderVersion(
        purchase_order_id=order.id, version=version, supplier_id=data.supplier_id, currency=data.currency,
        buyer_reference=data.buyer_reference, issue_date=meta.issue_date, source=meta.source,
        content_sha256=digest, document=meta.document, created_by=actor,
    )
    session.add(row)
    return row


def _insert_lines(session: Session, pending: list[tuple[uuid.UUID, list[dict[str, Any]]]]) -> None:
    values = [{"id": uuid.uuid4(), "version_id": version_id, **r} for version_id, rows in pending for r in rows]
    if values:
        session.execute(insert(PurchaseOrderLine), values)


def save_order(
    session: Session,
    data: PurchaseOrderIn,
    *,
    actor: str,
    meta: OrderMeta = OrderMeta(),
    replace: bool = True,
) -> tuple[PurchaseOrder, Outcome]:
    """Store ``data``: a new order, a new version of an existing one, or nothing if unchanged.

    ``replace=False`` (POST) refuses to change an existing order's content (409; use PUT).
    """
    rows = _line_rows(data)
    digest = _hash(data, rows)
    order = get_order_row(session, data.number, for_update=True)
    status = OrderStatus(data.status)
    organisation_id = session.get(Supplier, data.supplier_id).organisation_id  # checked: it exists
    if order is not None and order.organisation_id != organisation_id:
        # order numbers are unique across the instance (the centre's ERP numbers them)
        raise OrderExists(f"purchase order number {data.number} is in use by another organisation")
    if order is None:
        order = PurchaseOrder(number=data.number, number_key=order_key(data.number), supplier_id=data.supplier_id,
                              organisation_id=organisation_id, status=status, current_version=1)
        session.add(order)
        try:
            session.flush()
        except IntegrityError:
            raise OrderExists(f"purchase order {data.number} was created concurrently; retry") from None
        version = _new_version(session, order, 1, data, rows, digest, meta, actor)
        outcome: Outcome = "created"
    else:
        same = _current_hash(session, order) == digest
        if same and order.status == status:
            return order, "unchanged"
        if not replace:  # POST: only the very same order is an idempotent retry
            raise OrderExists(
                f"purchase order {data.number} exists with other content; PUT /v1/purchase-orders/{{number}} "
                "changes it", purchase_order=f"/v1/purchase-orders/{data.number}",
            )
        version = None
        if not same:
            order.current_version += 1
            order.supplier_id = data.supplier_id
            version = _new_version(session, order, order.current_version, data, rows, digest, meta, actor)
        if order.status != status:
            order.status = status
            kind = MasterDataEventKind.order_closed if status is OrderStatus.closed else MasterDataEventKind.order_reopened
            record_event(session, kind, actor=actor, supplier_id=order.supplier_id, purchase_order_id=order.id,
                         po_number=order.number, order_version=order.current_version)
        order.updated_at = utcnow()
        session.add(order)
        outcome = "updated"
    if version is not None:
        session.flush()
        _insert_lines(session, [(version.id, rows)])
        record_event(
            session, MasterDataEventKind.order_version_created, actor=actor, supplier_id=order.supplier_id,
            purchase_order_id=order.id, po_number=order.number, order_version=order.current_version,
            data={"source": meta.source.value, "lines": len(rows)},
        )
    session.flush()
    return order, outcome


def set_status(session: Session, number: str, status: OrderStatus, *, actor: str) -> tuple[PurchaseOrder, bool]:
    """Close or reopen an order (no new version; an event when it changes). (order, changed)."""
    order = get_order_row(session, number, for_update=True)
    if order is None:
        raise OrderNotFound(f"no purchase order {number}")
    if order.status != status:
        order.status = status
        order.updated_at = utcnow()
        session.add(order)
        kind = MasterDataEventKind.order_closed if status is OrderStatus.closed else MasterDataEventKind.order_reopened
        record_event(session, kind, actor=actor, supplier_id=order.supplier_id, purchase_order_id=order.id,
                     po_number=order.number, order_version=order.current_version)
        session.flush()
        return order, True
    return order, False


# --- reads -----------------------------------------------------------------------------------------


def order_out(session: Session, order: PurchaseOrder, version: int | None = None) -> PurchaseOrderOut:
    wanted = version or order.current_version
    row = session.exec(
        select(PurchaseOrderVersion).where(
            PurchaseOrderVersion.purchase_order_id == order.id, PurchaseOrderVersion.version == wanted
        )
    ).first()
    if row is None:
        raise OrderNotFound(f"purchase order {order.number} has no version {wanted}")
    lines = session.exec(
        select(PurchaseOrderLine).where(PurchaseOrderLine.version_id == row.id).order_by(PurchaseOrderLine.position)
    ).all()
    received = received_by_line(session, order.number).quantities
    return PurchaseOrderOut(
        number=order.number, supplier_id=row.supplier_id, currency=row.currency,
        buyer_reference=row.buyer_reference, status=order.status.value, version=row.version,
        current_version=order.current_version, source=row.source.value,
        lines=[
            OrderLineOut(
                line_id=ln.line_id,
                item=ItemOut(name=ln.item_name, seller_item_id=ln.seller_item_id, standard_item_id=ln.standard_item_id),
                quantity=ln.quantity, unit_code=ln.unit_code, unit_price=ln.unit_price,
                base_quantity=ln.base_quantity, vat_category=ln.vat_category, vat_rate=ln.vat_rate,
                receipt_required=ln.receipt_required, received_quantity=received.get(ln.line_id, 0),
            )
            for ln in lines
        ],
        created_at=order.created_at, updated_at=order.updated_at, version_created_at=row.created_at,
    )


def list_orders(
    session: Session, *, cursor: str | None, limit: int, supplier_id: uuid.UUID | None = None,
    status: OrderStatus | None = None, organisation_id: uuid.UUID | None = None,
) -> tuple[list[PurchaseOrderSummary], str | None]:
    query = select(PurchaseOrder, PurchaseOrderVersion).join(
        PurchaseOrderVersion,
        and_(PurchaseOrderVersion.purchase_order_id == PurchaseOrder.id,
             PurchaseOrderVersion.version == PurchaseOrder.current_version),
    )
    if organisation_id is not None:
        query = query.where(PurchaseOrder.organisation_id == organisation_id)
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier_id == supplier_id)
    if status is not None:
        query = query.where(PurchaseOrder.status == status)
    rows, next_cursor = keyset_page(session, query, PurchaseOrder, cursor, limit)
    counts = dict(session.exec(
        select(PurchaseOrderLine.version_id, func.count())
        .where(col(PurchaseOrderLine.version_id).in_([v.id for _, v in rows]))
        .group_by(PurchaseOrderLine.version_id)
    ).all()) if rows else {}
    return [
        PurchaseOrderSummary(
            number=o.number, supplier_id=o.supplier_id, currency=v.currency, buyer_reference=v.buyer_reference,
            status=o.status.value, current_version=o.current_version, line_count=counts.get(v.id, 0),
            created_at=o.created_at, updated_at=o.updated_at,
        )
        for o, v in rows
    ], next_cursor


# --- bulk ------------------------------------------------------------------------------------------


def _existing(session: Session, numbers: Sequence[str]) -> dict[str, tuple[PurchaseOrder, str]]:
    out: dict[str, tuple[PurchaseOrder, str]] = {}
    for start in range(0, len(numbers), 500):
        chunk = list(numbers[start:start + 500])
        rows = session.exec(
            select(PurchaseOrder, PurchaseOrderVersion.content_sha256)
            .join(PurchaseOrderVersion,
                  and_(PurchaseOrderVersion.purchase_order_id == PurchaseOrder.id,
                       PurchaseOrderVersion.version == PurchaseOrder.current_version))
            .where(col(PurchaseOrder.number).in_(chunk))
            .with_for_update(of=PurchaseOrder)
        ).all()
        out.update({o.number: (o, digest) for o, digest in rows})
    return out


def import_orders(
    session: Session, raws: Iterable[Any], codelists: CodeLists | None, *, actor: str,
    prefix: tuple[Any, ...] = (), organisation_id: uuid.UUID | None = None,
) -> list[BatchItemResult]:
    """Check and store many orders in the caller's transaction (create or new version; upsert).

    Invalid orders are reported and skipped; the valid ones are stored. An order number that occurs
    twice is applied in order (the second one may create a new version).
    """
    raws = list(raws)
    supplier_ids = {s for s in (_raw_supplier_id(r) for r in raws) if s is not None}
    organisation_of: dict[uuid.UUID, uuid.UUID] = {}  # supplier -> its organisation (the order's)
    ids_list = list(supplier_ids)
    for start in range(0, len(ids_list), 500):
        query = select(Supplier.id, Supplier.organisation_id).where(col(Supplier.id).in_(ids_list[start:start + 500]))
        if organisation_id is not None:  # another organisation's supplier is as unknown as a missing one
            query = query.where(Supplier.organisation_id == organisation_id)
        organisation_of.update(dict(session.exec(query).all()))
    known = set(organisation_of)

    results: list[BatchItemResult] = []
    checked: list[tuple[int, PurchaseOrderIn]] = []
    for index, raw in enumerate(raws):
        data, errors = order_errors(raw, codelists, known, (*prefix, index) if prefix else ())
        if errors:
            number = raw.get("number") if isinstance(raw, dict) and isinstance(raw.get("number"), str) else None
            results.append(BatchItemResult(index=index, number=number, outcome="invalid", errors=errors))
        else:
            checked.append((index, data))

    existing = _existing(session, list(dict.fromkeys(d.number for _, d in checked)))
    now = utcnow()
    new_orders: list[dict[str, Any]] = []
    new_versions: list[dict[str, Any]] = []
    pending_lines: list[tuple[uuid.UUID, list[dict[str, Any]]]] = []
    state: dict[str, dict[str, Any]] = {}  # number -> {"id", "version", "digest", "status", "row"}

    for number, (order, digest) in existing.items():
        state[number] = {"id": order.id, "version": order.current_version, "digest": digest,
                         "status": order.status, "row": order, "supplier_id": order.supplier_id,
                         "organisation_id": order.organisation_id}

    for index, data in checked:
        rows = _line_rows(data)
        digest = _hash(data, rows)
        status = OrderStatus(data.status)
        current = state.get(data.number)
        events: list[tuple[MasterDataEventKind, int]] = []
        if current is None:
            order_id = uuid.uuid4()
            current = {"id": order_id, "version": 1, "digest": digest, "status": status, "row": None,
                       "supplier_id": data.supplier_id, "organisation_id": organisation_of[data.supplier_id]}
            state[data.number] = current
            new_orders.append({"id": order_id, "number": data.number, "number_key": order_key(data.number),
                               "supplier_id": data.supplier_id, "organisation_id": organisation_of[data.supplier_id],
                               "status": status, "current_version": 1, "created_at": now, "updated_at": now})
            outcome: Outcome = "created"
            events.append((MasterDataEventKind.order_version_created, 1))
        elif current["organisation_id"] != organisation_of[data.supplier_id]:
            # order numbers are unique across the instance (the centre's ERP numbers them)
            results.append(BatchItemResult(index=index, number=data.number, outcome="invalid", errors=[
                error((*prefix, index, "number") if prefix else ("number",),
                      "this purchase order number is in use by another organisation", "number_taken")]))
            continue
        elif current["digest"] == digest and current["status"] == status:
            results.append(BatchItemResult(index=index, number=data.number, outcome="unchanged",
                                           version=current["version"]))
            continue
        else:
            outcome = "updated"
            if current["digest"] != digest:
                current["version"] += 1
                current["digest"] = digest
                current["supplier_id"] = data.supplier_id
                events.append((MasterDataEventKind.order_version_created, current["version"]))
            if current["status"] != status:
                current["status"] = status
                events.append((MasterDataEventKind.order_closed if status is OrderStatus.closed
                               else MasterDataEventKind.order_reopened, current["version"]))
            current["dirty"] = True
        if events and events[0][0] is MasterDataEventKind.order_version_created:
            version_id = uuid.uuid4()
            new_versions.append({
                "id": version_id, "purchase_order_id": current["id"], "version": current["version"],
                "supplier_id": data.supplier_id, "currency": data.currency,
                "buyer_reference": data.buyer_reference, "issue_date": None, "source": DocumentSource.json,
                "content_sha256": digest, "document": None, "created_by": actor, "created_at": now,
            })
            pending_lines.append((version_id, rows))
        for kind, version in events:
            record_event(session, kind, actor=actor, supplier_id=data.supplier_id, purchase_order_id=current["id"],
                         po_number=data.number, order_version=version,
                         data={"source": "json", "lines": len(rows)} if kind is MasterDataEventKind.order_version_created else {})
        results.append(BatchItemResult(index=index, number=data.number, outcome=outcome, version=current["version"]))

    if new_orders:
        try:
            session.execute(insert(PurchaseOrder), new_orders)
        except IntegrityError:
            raise OrderExists("another import created some of these orders at the same time; retry") from None
    for current in state.values():
        row = current["row"]
        if row is not None and current.get("dirty"):
            row.current_version = current["version"]
            row.status = current["status"]
            row.supplier_id = current["supplier_id"]
            row.updated_at = now
            session.add(row)
    session.flush()
    if new_versions:
        session.execute(insert(PurchaseOrderVersion), new_versions)
    _insert_lines(session, pending_lines)
    session.flush()
    results.sort(key=lambda r: r.index)
    return results
