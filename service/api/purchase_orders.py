"""Purchase orders: /v1/purchase-orders (owned by the master data area).

Order numbers may contain slashes (``2026/000123``), so the routes take the number as a path; the
routes with a suffix (``/close``, ``/versions/{v}``) are registered before the plain one.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlmodel import Session

from service.api.deps import ErpPrincipal, Principal, require
from service.db import SessionDep
from service.decisions import rematch
from service.errors import (
    BadRequest,
    InvalidInput,
    NotReady,
    PayloadTooLarge,
    UnsupportedMediaType,
    problem_responses,
)
from service.masterdata.common import (
    InvalidCursor,
    OrderExists,
    OrderNotFound,
    error,
    parse_json,
    raise_invalid,
)
from service.masterdata.http import (
    Body,
    Context,
    JsonBody,
    JsonOrXmlBody,
    MasterDataContext,
    request_body,
)
from service.masterdata.orders import (
    OrderMeta,
    get_order_row,
    import_orders,
    list_orders,
    order_errors,
    order_out,
    save_order,
    set_status,
)
from service.masterdata.payloads import (
    BatchResult,
    PurchaseOrderIn,
    PurchaseOrderList,
    PurchaseOrderOut,
    inline_schema,
)
from service.masterdata.suppliers import resolve_supplier
from service.api.organisation_scope import ActingOrganisation
from service.masterdata.ubl import ORDER_DOCS, map_order, read_document
from service.models.keys import Role
from service.models.masterdata import OrderStatus, Supplier

router = APIRouter(prefix="/purchase-orders", tags=["purchase-orders"])

MasterDataReader = Annotated[Principal, Depends(require(Role.erp, Role.reviewer))]
OrderNumber = Annotated[str, Path(max_length=200, description="The order number (what BT-13 refers to).")]
_XML = ("A UBL 2.1 Order (Peppol BIS Order, transaction T01), validated against the UBL 2.1 Order XSD and "
        "mapped onto the JSON fields: cbc:ID -> number, cbc:DocumentCurrencyCode -> currency, "
        "cbc:CustomerReference -> buyer_reference, cac:SellerSupplierParty -> supplier (resolved like an "
        "invoice seller, or the supplier_id query parameter), cac:OrderLine/cac:LineItem -> lines.")
_BODY = request_body(inline_schema(PurchaseOrderIn), _XML)
_WRITE_ERRORS = (InvalidInput, BadRequest, UnsupportedMediaType, PayloadTooLarge, NotReady)
_NUMBER = "Order number (what BT-13 refers to); may contain slashes."


class UblOptions:
    """Query parameters for UBL Order bodies (ignored for JSON)."""

    def __init__(
        self,
        supplier_id: Annotated[uuid.UUID | None, Query(description="UBL only: the supplier, instead of resolving cac:SellerSupplierParty.")] = None,
        receipt_required: Annotated[bool, Query(description="UBL only: every line needs a goods receipt (3-way).")] = False,
        vat_category: Annotated[str | None, Query(max_length=4, description="UBL only: BT-151 for lines without cac:ClassifiedTaxCategory.")] = None,
        vat_rate: Annotated[Decimal | None, Query(ge=0, le=100, description="UBL only: BT-152 for lines without cac:ClassifiedTaxCategory.")] = None,
    ) -> None:
        self.supplier_id = supplier_id
        self.receipt_required = receipt_required
        self.vat_category = vat_category
        self.vat_rate = vat_rate


Options = Annotated[UblOptions, Depends()]


def _order_input(session: Session, body: Body, ctx: MasterDataContext, options: UblOptions,
                 number: str | None = None, *, organisation: uuid.UUID) -> tuple[PurchaseOrderIn, OrderMeta]:
    """JSON or UBL Order -> checked order (InvalidInput lists every problem)."""
    if body.kind == "json":
        raw: Any = parse_json(body.data)
        extra: list[dict[str, Any]] = []
        meta = OrderMeta()
        xpaths: dict[tuple[Any, ...], str] = {}
    else:
        root, _ = read_document(body.data, ORDER_DOCS, ctx.schemas)
        doc = map_order(root, receipt_required=options.receipt_required, vat_category=options.vat_category,
                        vat_rate=options.vat_rate)
        raw, extra, xpaths = doc.raw, list(doc.errors), doc.xpaths
        supplier = session.get(Supplier, options.supplier_id) if options.supplier_id else resolve_supplier(
            session, electronic_address=doc.seller["electronic_address"], identifiers=doc.seller["identifiers"],
            vat_id=doc.seller["vat_id"], organisation_id=organisation)
        if supplier is not None and supplier.organisation_id != organisation:
            supplier = None  # another organisation's supplier does not exist for this one
        if supplier is None:
            extra.append({**error(["body", "supplier_id"],
                                  "no registered supplier matches the seller (endpoint id, identifiers, VAT id); "
                                  "register it with POST /v1/suppliers or pass ?supplier_id=", "unknown_supplier"),
                          "xpath": "/*/cac:SellerSupplierParty"})
        raw["supplier_id"] = str(supplier.id) if supplier else None
        meta = OrderMeta(source=doc.source, document=body.data, issue_date=_date(doc.issue_date))
    if number is not None and isinstance(raw, dict) and raw.get("number") not in (None, number):
        extra.append(error(["body", "number"], f"the body's number {raw.get('number')!r} differs from the URL's "
                           f"{number!r}", "number_mismatch"))
    if number is not None and isinstance(raw, dict) and raw.get("number") is None:
        raw["number"] = number
    known = _known_supplier(session, raw, organisation)
    data, errors = order_errors(raw, ctx.codelists, known)
    errors = _with_xpaths(extra + _not_covered(errors, extra), xpaths)
    raise_invalid(errors, "purchase order")
    assert data is not None  # raise_invalid raised otherwise
    return data, meta


def _not_covered(errors: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Field errors not already explained by a mapping error at the same place (one message each)."""
    covered = {tuple(e["loc"]) for e in extra}
    covered |= {(*e["loc"][:-1], "vat_rate") for e in extra if e["type"] == "PEPPOL-T01-R029"}
    return [e for e in errors if tuple(e["loc"]) not in covered]


def _date(text: str | None):
    from datetime import date

    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _known_supplier(session: Session, raw: Any, organisation: uuid.UUID) -> set[uuid.UUID]:
    """The body's supplier when it is one of ``organisation``'s (an order belongs to its supplier's
    organisation; another organisation's supplier is as unknown as one that does not exist)."""
    try:
        supplier_id = uuid.UUID(str(raw.get("supplier_id")))
    except (AttributeError, ValueError, TypeError):
        return set()
    supplier = session.get(Supplier, supplier_id)
    return {supplier_id} if supplier is not None and supplier.organisation_id == organisation else set()


def _with_xpaths(errors: list[dict[str, Any]], xpaths: dict[tuple[Any, ...], str]) -> list[dict[str, Any]]:
    if not xpaths:
        return errors
    out = []
    for e in errors:
        loc = tuple(e["loc"][1:])
        for size in range(len(loc), 0, -1):
            if loc[:size] in xpaths:
                e = {**e, "xpath": xpaths[loc[:size]]}
                break
        out.append(e)
    return out


def _respond(response: Response, session: Session, order, outcome: str) -> PurchaseOrderOut:
    response.status_code = status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/purchase-orders/{order.number}"
    return order_out(session, order)


@router.post(
    "", operation_id="purchase-orders-create", status_code=status.HTTP_201_CREATED,
    summary="Load a purchase order (JSON or UBL Order)",
    description="201 with the order when it is new; 200 when the same order was loaded before (safe "
    "retries); 409 when an order with this number exists with other content (PUT changes it). Checks: "
    "known supplier, unique line ids, positive quantities and prices (BT-146) and base quantities "
    "(BT-149), units UN/ECE Rec 20 (BT-130), currency ISO 4217 (BT-5), a VAT category (BT-151) and rate "
    "(BT-152) per line; every problem is listed in one 422.",
    openapi_extra=_BODY, responses={**problem_responses(*_WRITE_ERRORS, OrderExists),
                                    200: {"description": "The same order was loaded before (unchanged)."}},
)
def create(session: SessionDep, principal: ErpPrincipal, body: JsonOrXmlBody, ctx: Context, options: Options,
           response: Response, organisation: ActingOrganisation) -> PurchaseOrderOut:
    data, meta = _order_input(session, body, ctx, options, organisation=organisation)
    order, outcome = save_order(session, data, actor=principal.actor, meta=meta, replace=False)
    if outcome != "unchanged":
        rematch.rematch_order(session, order.number)
    return _respond(response, session, order, outcome)


@router.post(
    "/batch", operation_id="purchase-orders-batch", summary="Load many purchase orders (JSON)",
    description="Body: `{\"orders\": [...]}` (at most 1,000). Each order is created, gets a new version when its "
    "content changed, or stays unchanged; invalid orders are reported (with every problem) and "
    "skipped, the valid ones are stored. Always 200 with one result per order.",
    openapi_extra=request_body({"type": "object", "required": ["orders"], "properties": {
        "orders": {"type": "array", "maxItems": 1000, "items": inline_schema(PurchaseOrderIn)}}}),
    responses=problem_responses(*_WRITE_ERRORS, OrderExists),
)
def batch(session: SessionDep, principal: ErpPrincipal, body: JsonBody, ctx: Context,
          organisation: ActingOrganisation) -> BatchResult:
    raw = parse_json(body.data)
    orders = raw.get("orders") if isinstance(raw, dict) else None
    if not isinstance(orders, list) or len(orders) > 1000:
        raise InvalidInput("the body needs `orders`: a list of at most 1,000 purchase orders", errors=[
            error(["body", "orders"], "a list of at most 1,000 purchase orders", "list_type")])
    results = import_orders(session, orders, ctx.codelists, actor=principal.actor, prefix=("body", "orders"),
                            organisation_id=organisation)
    rematch.rematch_orders(session, [r.number for r in results if r.outcome in ("created", "updated") and r.number])
    counts = {k: sum(1 for r in results if r.outcome == k) for k in ("created", "updated", "unchanged", "invalid")}
    return BatchResult(**counts, results=results)


@router.get(
    "", operation_id="purchase-orders-list", summary="List purchase orders",
    description="Oldest first, cursor-paginated; filter by supplier and status.",
    responses=problem_responses(InvalidCursor),
)
def list_(
    session: SessionDep, principal: MasterDataReader,
    supplier_id: uuid.UUID | None = None,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    cursor: Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> PurchaseOrderList:
    rows, next_cursor = list_orders(session, cursor=cursor, limit=limit, supplier_id=supplier_id, status=status_,
                                    organisation_id=principal.organisation_id)
    return PurchaseOrderList(data=rows, next_cursor=next_cursor)


def _order(session: Session, number: str):
    order = get_order_row(session, number)
    if order is None:
        raise OrderNotFound(f"no purchase order {number}")
    return order


@router.post("/{number:path}/close", operation_id="purchase-orders-close", summary="Close a purchase order",
             description="Closed orders are not matched (PO_CLOSED). No new version; invoices under review "
             "for the order are re-evaluated.", responses=problem_responses(OrderNotFound))
def close(number: OrderNumber, session: SessionDep, principal: ErpPrincipal) -> PurchaseOrderOut:
    return _set_status(session, number, OrderStatus.closed, principal)


@router.post("/{number:path}/reopen", operation_id="purchase-orders-reopen", summary="Reopen a purchase order",
             responses=problem_responses(OrderNotFound))
def reopen(number: OrderNumber, session: SessionDep, principal: ErpPrincipal) -> PurchaseOrderOut:
    return _set_status(session, number, OrderStatus.open, principal)


def _set_status(session: Session, number: str, status_: OrderStatus, principal: Principal) -> PurchaseOrderOut:
    order, changed = set_status(session, number, status_, actor=principal.actor)
    if changed:
        rematch.rematch_order(session, order.number)
    return order_out(session, order)


@router.get("/{number:path}/versions/{version}", operation_id="purchase-orders-get-version",
            summary="Read one version of a purchase order", responses=problem_responses(OrderNotFound))
def get_version(number: OrderNumber, version: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep,
                _: MasterDataReader) -> PurchaseOrderOut:
    return order_out(session, _order(session, number), version)


@router.get("/{number:path}", operation_id="purchase-orders-get", summary="Read a purchase order",
            description="The current version with its lines and the quantity received per line.",
            responses=problem_responses(OrderNotFound))
def get(number: OrderNumber, session: SessionDep, _: MasterDataReader) -> PurchaseOrderOut:
    return order_out(session, _order(session, number))


@router.put(
    "/{number:path}", operation_id="purchase-orders-replace", summary="Create or change a purchase order",
    description="Changed content stores a new version (earlier versions stay as decisions used them); "
    "the same content is a no-op; a different `status` closes or reopens. 201 when the order is new; 409 "
    "only when another request created the same new order at the same moment (retry).",
    openapi_extra=_BODY, responses={**problem_responses(*_WRITE_ERRORS, OrderExists),
                                    201: {"description": "The order did not exist and was created."}},
)
def replace(number: OrderNumber, session: SessionDep, principal: ErpPrincipal, body: JsonOrXmlBody, ctx: Context,
            options: Options, response: Response, organisation: ActingOrganisation) -> PurchaseOrderOut:
    data, meta = _order_input(session, body, ctx, options, number=number, organisation=organisation)
    order, outcome = save_order(session, data, actor=principal.actor, meta=meta, replace=True)
    if outcome != "unchanged":
        rematch.rematch_order(session, order.number)
    return _respond(response, session, order, outcome)
