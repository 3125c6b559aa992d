"""Goods receipts: /v1/goods-receipts (owned by the master data area)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

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
    ReceiptExists,
    ReceiptNotFound,
    parse_json,
    raise_invalid,
)
from service.masterdata.http import Context, JsonOrXmlBody, request_body
from service.masterdata.orders import get_order_row
from service.masterdata.payloads import (
    GoodsReceiptIn,
    GoodsReceiptList,
    GoodsReceiptOut,
    inline_schema,
)
from service.masterdata.receipts import (
    check_receipt,
    get_receipt,
    list_receipts,
    receipt_out,
    record_receipt,
)
from service.masterdata.suppliers import resolve_supplier
from service.api.organisation_scope import sees
from service.masterdata.ubl import RECEIPT_DOCS, map_receipt, read_document
from service.models.keys import Role
from service.models.masterdata import DocumentSource

router = APIRouter(prefix="/goods-receipts", tags=["goods-receipts"])

MasterDataReader = Annotated[Principal, Depends(require(Role.erp, Role.reviewer))]
_XML = ("A UBL 2.1 ReceiptAdvice or DespatchAdvice (Peppol BIS Despatch Advice, T16), validated against its "
        "UBL 2.1 XSD: cbc:ID -> receipt_id, cac:OrderReference/cbc:ID -> po_number, "
        "cac:Shipment/cac:Delivery/cbc:ActualDeliveryDate (else cbc:IssueDate) -> date, each "
        "cac:ReceiptLine / cac:DespatchLine -> a line: cac:OrderLineReference/cbc:LineID -> po_line_id, "
        "cbc:ReceivedQuantity minus cbc:RejectedQuantity / cbc:DeliveredQuantity -> quantity (with its unit).")


@router.post(
    "", operation_id="goods-receipts-create", status_code=status.HTTP_201_CREATED,
    summary="Record a goods receipt (JSON, UBL ReceiptAdvice or DespatchAdvice)",
    description="Each line adds a quantity to an order line; a negative quantity is a return. Idempotent by "
    "`receipt_id`: the same receipt again is a 200 with the stored one, the same id with other content a "
    "409. Checks: known order and order lines, the line's unit, returns never exceeding what was "
    "received; every problem is listed in one 422. Invoices under review for the order are re-evaluated.",
    openapi_extra=request_body(inline_schema(GoodsReceiptIn), _XML),
    responses={**problem_responses(InvalidInput, BadRequest, ReceiptExists, UnsupportedMediaType, PayloadTooLarge, NotReady),
               200: {"description": "This receipt was recorded before (idempotent replay)."}},
)
def create(
    session: SessionDep, principal: ErpPrincipal, body: JsonOrXmlBody, ctx: Context, response: Response,
    receipt_id: Annotated[str | None, Query(max_length=200, description="UBL only: the receipt id to use "
                                            "instead of the document's cbc:ID.")] = None,
) -> GoodsReceiptOut:
    source, document, extra = DocumentSource.json, None, []
    if body.kind == "json":
        raw: Any = parse_json(body.data)
    else:
        root, name = read_document(body.data, RECEIPT_DOCS, ctx.schemas)
        mapped = map_receipt(root, name, receipt_id=receipt_id)
        raw, source, document, extra = mapped.raw, mapped.source, body.data, mapped.errors
        extra += _despatch_supplier_errors(session, mapped)
        raise_invalid(extra, "goods receipt")
    data, order = check_receipt(session, raw, ctx.codelists, organisation_id=principal.organisation_id)
    receipt, created = record_receipt(session, data, order, actor=principal.actor, source=source, document=document)
    if not sees(principal, receipt.organisation_id):  # receipt ids are unique across the instance
        raise ReceiptExists(f"goods receipt id {receipt.receipt_id} is in use by another organisation")
    if created:
        rematch.rematch_order(session, receipt.po_number)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/goods-receipts/{receipt.receipt_id}"
    return receipt_out(session, [receipt])[0]


def _despatch_supplier_errors(session, mapped) -> list[dict[str, Any]]:
    """A despatch advice from a registered supplier must be for that supplier's order (a sender we do
    not know, e.g. a logistics provider, is accepted)."""
    if not mapped.seller or not isinstance(mapped.raw.get("po_number"), str):
        return []
    order = get_order_row(session, mapped.raw["po_number"])
    sender = resolve_supplier(session, electronic_address=mapped.seller["electronic_address"],
                              identifiers=mapped.seller["identifiers"], vat_id=mapped.seller["vat_id"],
                              organisation_id=order.organisation_id if order is not None else None)
    if sender is None or order is None or sender.id == order.supplier_id:
        return []
    return [{"loc": ["body", "supplier"], "msg": f"the despatch advice comes from supplier {sender.id}, the order "
             f"{order.number} was placed with supplier {order.supplier_id}", "type": "supplier_mismatch",
             "xpath": "/*/cac:DespatchSupplierParty"}]


@router.get("", operation_id="goods-receipts-list", summary="List goods receipts",
            description="Oldest first, cursor-paginated; `po_number` limits to one order.",
            responses=problem_responses(InvalidCursor))
def list_(
    session: SessionDep, principal: MasterDataReader,
    po_number: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> GoodsReceiptList:
    rows, next_cursor = list_receipts(session, cursor=cursor, limit=limit, po_number=po_number,
                                      organisation_id=principal.organisation_id)
    return GoodsReceiptList(data=receipt_out(session, rows), next_cursor=next_cursor)


@router.get("/{receipt_id:path}", operation_id="goods-receipts-get", summary="Read a goods receipt",
            responses=problem_responses(ReceiptNotFound))
def get(receipt_id: Annotated[str, Path(max_length=200)], session: SessionDep, _: MasterDataReader) -> GoodsReceiptOut:
    return receipt_out(session, [get_receipt(session, receipt_id)])[0]
