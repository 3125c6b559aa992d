"""Invoice intake and reading: POST/GET /v1/invoices... (owned by the intake area)."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import literal, tuple_
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from service import cursors, invoice_search
from service.api import offload
from service.api.deps import (
    InvoiceReader,
    InvoiceSubmitter,
    Principal,
    confirm_key,
    confirms_key,
    key_unconfirmed,
    read_key_with_configuration,
)
from service.api.json_body import JSONBody
from service.api.planned import PlannedRoute, planned
from service.api.visibility import may_read, readable
from service.api.invoice_payloads import (
    InvoiceList,
    InvoiceOut,
    invoice_out,
    validation_summary,
)
from service.bounds import CURSOR_LENGTH, LARGEST_ATTACHMENT_INDEX, REFERENCE_LENGTH
from service.booking import erp_state
from service.db import SessionDep, commit_horizon, reading
from service.errors import (
    BadRequest,
    InvalidCursor,
    InvoiceNotFound,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    UnsupportedMediaType,
    problem_responses,
)
from service.api.problems import problem_response
from service.intake import (
    BuyerUnknown,
    DuplicateInvoice,
    HostileDocument,
    InvoiceRejected,
    MalformedDocument,
    ReceiptOutcome,
    SellerNotYours,
    ValidationUnavailable,
    receive,
)
from service.intake.attachments import safe_media_type
from service.intake.limits import LIMIT_ERRORS, DocumentLimits
from service.intake.unwrap import PDF_MEDIA_TYPES, NoInvoiceInPdf
from service.intake.response import invoice_response_xml
from service.models.invoices import Invoice, InvoiceAttachment, InvoiceStatus
from service.validation.report import ValidationReport
from service.validation_process import ValidationTimeExceeded

# PlannedRoute: the intake and the read by id (``@planned``) call their dependencies from a plan
router = APIRouter(tags=["invoices"], route_class=PlannedRoute)

XML_MEDIA_TYPES = ("application/xml", "text/xml")
DOCUMENT_MEDIA_TYPES = (*XML_MEDIA_TYPES, *PDF_MEDIA_TYPES)
_CHUNKED_READ = "the body is read in chunks and refused as soon as it passes the limit"


class EmptyDocument(BadRequest):
    slug, title = "empty-document", "The request body is empty"


class AttachmentNotFound(NotFound):
    slug, title = "attachment-not-found", "Attachment not found"


# -- reading the body -----------------------------------------------------------------------------------
async def read_document(request: Request) -> tuple[bytes, str]:
    """The XML body, streamed with the size limit; (bytes, media type). Runs after authentication,
    before any database transaction of the request (on SQLite a writing one holds the write lock)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in DOCUMENT_MEDIA_TYPES:
        raise UnsupportedMediaType(
            "send the invoice (UBL or CII, or in a Peppol envelope) as application/xml or text/xml, or a "
            f"Factur-X / ZUGFeRD PDF as application/pdf (got {media_type or 'no Content-Type'})",
            accepted=list(DOCUMENT_MEDIA_TYPES),
        )
    limit = request.app.state.settings.max_document_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the document is larger than {limit} bytes", limit=limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the document is larger than {limit} bytes ({_CHUNKED_READ})", limit=limit)
    if not body.strip():
        raise EmptyDocument("send the UBL Invoice or CreditNote XML as the request body")
    return bytes(body), media_type


DocumentBody = Annotated[tuple[bytes, str], Depends(read_document)]

_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "description": "The UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0, EN 16931, NLCIUS) or "
        "UN/CEFACT CII D16B CrossIndustryInvoice, UTF-8, without DOCTYPE; or either in a Peppol business "
        "message envelope (StandardBusinessDocument); or a Factur-X / ZUGFeRD / XRechnung PDF with "
        "the invoice XML embedded (application/pdf).",
        "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in DOCUMENT_MEDIA_TYPES},
    }
}


def _location(request: Request, invoice: Invoice) -> str:
    base = request.app.state.settings.public_base_url.rstrip("/")
    return f"{base}/v1/invoices/{invoice.id}"


def _etag(invoice: Invoice) -> str:
    return f'"{invoice.id.hex}-{invoice.version}"'


def _load_attachments(session: Session, invoice_id: uuid.UUID) -> list[InvoiceAttachment]:
    return list(session.exec(
        select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == invoice_id)
        .options(defer(InvoiceAttachment.content))
        .order_by(InvoiceAttachment.position)
    ).all())


def _erp_state(session: Session, invoice: Invoice) -> dict[str, Any] | None:
    if invoice.status not in (InvoiceStatus.booked, InvoiceStatus.paid):
        return None
    return erp_state(session, invoice.id)


def _resource(session: Session, invoice: Invoice, *, attachments: bool | None = None) -> dict[str, Any]:
    """The invoice as the API shows it; ``attachments=False``: known to have none (no look-up)."""
    rows = [] if attachments is False else _load_attachments(session, invoice.id)
    return invoice_out(invoice, rows, _erp_state(session, invoice)).model_dump(mode="json")


@router.post(
    "/invoices",
    operation_id="invoices-create",
    status_code=201,
    response_model=InvoiceOut,
    summary="Submit an Invoice or CreditNote",
    description=(
        "Receives one UBL 2.1 Invoice or CreditNote or UN/CEFACT CII invoice as the body, also in a Peppol "
        "business message envelope (StandardBusinessDocument: its checks and BR-SBDH rules, receiver = "
        "one of the organisations' identifiers, or the buyer's electronic address BT-49 while none has "
        "any; failures are ENVELOPE_INVALID; sender, receiver, document "
        "type, process and instance identifier are stored, and the same instance identifier again "
        "returns the stored invoice), or a Factur-X / ZUGFeRD / XRechnung PDF (application/pdf: the "
        "embedded XML is validated as CII, the PDF is kept as the visual; profiles below EN 16931 are "
        "PROFILE_NOT_EN16931; a PDF without a readable invoice is 422 and nothing is stored). The "
        "document is judged by the rule-set release in force at its receipt. The SHA-256 of the exact bytes "
        "identifies the submission: posting the same bytes again returns the stored invoice (200), so "
        "retries are safe. Hostile XML (DOCTYPE, entities, deep nesting, non-UTF-8) is refused with 400 "
        "and nothing is stored; so is a document over a limit (413 above EINVOICE_MAX_DOCUMENT_BYTES, "
        "EINVOICE_MAX_ELEMENTS or an attachment's decoded size, 422 for too many attributes on an "
        "element, namespaces, attachments or too long a text; the problem names the limit and its "
        "setting). A valid document is stored with its original bytes, parsed to the "
        "EN 16931 model and decided by matching (201, status `approved` or `needs_review`). A document "
        "that fails validation is stored as `rejected` with its report (422). A second document of the "
        "same seller with the same BT-1 Invoice number and type is stored as rejected "
        "(DUPLICATE_INVOICE, 409, `first_invoice` points at the first). A `supplier` key may only submit "
        "documents whose seller (BT-34 electronic address, BT-29/BT-30 identifiers, BT-31 VAT "
        "identifier) is its own supplier (403). The invoice belongs to the organisation whose identifier "
        "is its buyer electronic address BT-49, else BT-47; a buyer that is none of the organisations is "
        "BUYER_UNKNOWN (422, stored as rejected)."
    ),
    responses={
        200: {"model": InvoiceOut, "description": "The same bytes were received before: the stored invoice."},
        **problem_responses(
            HostileDocument, MalformedDocument, EmptyDocument, SellerNotYours, DuplicateInvoice,
            PayloadTooLarge, UnsupportedMediaType, InvoiceRejected, BuyerUnknown, ValidationUnavailable,
            NoInvoiceInPdf, *LIMIT_ERRORS, ValidationTimeExceeded,
        ),
    },
    openapi_extra=_REQUEST_BODY,
)
@confirms_key
@planned
async def create_invoice(request: Request, principal: InvoiceSubmitter, body: DocumentBody) -> Any:
    """Submit an Invoice or CreditNote.

    async, with all of its database and validation work in one trip through the thread pool
    (``_create``): authentication with a recently seen key (``deps.RecentKeys``), the role check
    and the streamed body run on the event loop, so a submission costs one trip instead of five."""
    xml, media_type = body
    return await offload.in_thread(_create, request, principal, xml, media_type)


def _create(request: Request, principal: Principal, xml: bytes, media_type: str) -> Response:
    """The request's unit of work, as ``db.get_session`` would run it: commit once after the answer
    is built, roll back on any error. A key taken from ``RecentKeys`` is confirmed in the same
    transaction before anything is committed; a revoked one is 401 and nothing is stored."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            response = _receive(request, session, principal, xml, media_type)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return response


def _receive(request: Request, session: Session, principal: Principal, xml: bytes, media_type: str) -> Response:
    unconfirmed = key_unconfirmed(request)
    if unconfirmed:
        read_key_with_configuration(session, principal)
    try:
        receipt = receive(session, xml, principal, validation=request.app.state.validation, media_type=media_type,
                          limits=DocumentLimits.from_settings(request.app.state.settings))
    except ServiceError:
        if unconfirmed:  # a revoked key hears 401, not what became of its document
            confirm_key(session, request, principal)
        raise
    if unconfirmed:
        confirm_key(session, request, principal)
    invoice = receipt.invoice
    resource = _resource(session, invoice, attachments=receipt.attachments_stored)
    headers = {"Location": _location(request, invoice), "ETag": _etag(invoice)}
    if receipt.outcome is ReceiptOutcome.created:
        return JSONBody(resource, status_code=201, headers=headers)
    if receipt.outcome is ReceiptOutcome.replayed:
        return JSONBody(resource, status_code=200, headers=headers)
    instance = request.url.path
    if receipt.outcome is ReceiptOutcome.duplicate:
        first = receipt.first
        err: DuplicateInvoice | InvoiceRejected = DuplicateInvoice(
            f"invoice number {invoice.invoice_number} (BT-1) of this seller was already received as "
            f"/v1/invoices/{first.id}; this document is stored as rejected",
            first_invoice=f"/v1/invoices/{first.id}",
            invoice=resource,
        )
        return problem_response(409, err.to_problem(instance), headers)
    report = receipt.report
    summary = validation_summary(invoice.validation_report)
    rules = ", ".join(summary.failed_rules[:10]) if summary else ""
    code = (summary.reason_code if summary else None) or next(
        (r.code.value for r in invoice.reasons), "invalid")
    if code == "BUYER_UNKNOWN":
        err = BuyerUnknown(f"the buyer of this document is none of this instance's organisations "
                           f"({invoice.reasons[0].get('actual') if invoice.reasons else None}); it is stored as rejected", invoice=resource,
                           validation=report.model_dump(mode="json") if report is not None else None)
        return problem_response(422, err.to_problem(instance), headers)
    err = InvoiceRejected(
        f"the document failed validation ({code}"
        f"{': ' + rules if rules else ''}); it is stored as rejected",
        invoice=resource,
        validation=report.model_dump(mode="json") if report is not None else invoice.validation_report,
    )
    return problem_response(422, err.to_problem(instance), headers)


# -- reading --------------------------------------------------------------------------------------------
def _get_visible(session: Session, invoice_id: uuid.UUID, principal: Principal, *, full: bool = False) -> Invoice:
    query = select(Invoice).where(Invoice.id == invoice_id)
    if not full:
        query = query.options(defer(Invoice.document))
    invoice = session.exec(query).first()
    if invoice is None or not may_read(principal, invoice):
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    return invoice


_NOT_FOUND = problem_responses(InvoiceNotFound)


@router.get(
    "/invoices/{invoice_id}",
    operation_id="invoices-get",
    response_model=InvoiceOut,
    summary="Read an invoice",
    description="The invoice resource: status, BT-1 Invoice number, BT-2 Invoice issue date, seller, "
    "BT-5 currency, totals (BT-106..BT-115), BT-13 Purchase order reference, reasons, validation "
    "summary, timestamps and links. Send `If-None-Match` with the `ETag` to get 304 when unchanged. "
    "Supplier keys see only their own supplier's invoices, gateway keys only the invoices they "
    "delivered (404 otherwise).",
    responses={304: {"description": "Not modified (If-None-Match matched the ETag)."}, **_NOT_FOUND},
)
@confirms_key
@planned
async def get_invoice(invoice_id: uuid.UUID, request: Request, principal: InvoiceReader) -> Any:
    """Read an invoice.

    async with its database work in one trip through the thread pool (``_read_invoice``), like
    ``create_invoice``: the most frequent read costs one trip instead of four."""
    return await offload.in_thread(_read_invoice, request, principal, invoice_id)


def _read_invoice(request: Request, principal: Principal, invoice_id: uuid.UUID) -> Response:
    """A read-only unit of work; a key taken from ``RecentKeys`` is confirmed before anything is read."""
    with Session(reading(request.app.state.engine), expire_on_commit=False) as session:
        try:
            if key_unconfirmed(request):
                confirm_key(session, request, principal)
            invoice = _get_visible(session, invoice_id, principal)
            etag = _etag(invoice)
            if _etag_matches(request.headers.get("if-none-match"), etag):
                response: Response = Response(status_code=304, headers={"ETag": etag})
            else:
                response = JSONBody(_resource(session, invoice), headers={"ETag": etag})
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return response


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


@router.get(
    "/invoices/{invoice_id}/validation",
    operation_id="invoices-validation",
    response_model=ValidationReport,
    summary="Read the validation report",
    description="The full validation report of the submission: every layer (XML, UBL 2.1 XSD, EN 16931, "
    "Peppol BIS Billing 3.0 / NLCIUS rule sets) with its artefact, validity, duration and findings "
    "(rule id, severity, message, location, business terms).",
    responses=_NOT_FOUND,
)
def get_validation(invoice_id: uuid.UUID, session: SessionDep, principal: InvoiceReader) -> Any:
    """Read the validation report."""
    invoice = _get_visible(session, invoice_id, principal)
    return JSONBody(invoice.validation_report or {})


class NoDocumentData(NotFound):
    slug, title = "no-invoice-data", "The document was rejected: it has no EN 16931 data"


@router.get(
    "/invoices/{invoice_id}/data",
    operation_id="invoices-data",
    summary="Read the EN 16931 content",
    description="The invoice's content as the EN 16931 model (JSON): BT-1..BT-24 header terms, seller "
    "and buyer (BG-4, BG-7) with every identifier, BT-84 payment accounts, allowances and charges "
    "(BG-20/BG-21), VAT breakdown (BG-23), totals (BG-22) and lines (BG-25, BT-126..BT-157). Decimal "
    "values are strings. Only accepted documents have it (404 for rejected ones).",
    responses=problem_responses(InvoiceNotFound, NoDocumentData),
)
def get_data(invoice_id: uuid.UUID, request: Request, session: SessionDep, principal: InvoiceReader) -> Any:
    """Read the EN 16931 content."""
    invoice = _get_visible(session, invoice_id, principal)
    if not invoice.data:
        raise NoDocumentData(f"invoice {invoice_id} was rejected; read /validation for why")
    etag = f'"{invoice.sha256}"'
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONBody(invoice.data, headers={"ETag": etag})


@router.get(
    "/invoices/{invoice_id}/document",
    operation_id="invoices-document",
    summary="Download the original document",
    description="The submitted bytes, unchanged (kept for the seven-year fiscal retention), with the "
    "media type they were sent with; `Repr-Digest` carries their SHA-256.",
    responses={
        200: {"description": "The original UBL XML.",
              "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in XML_MEDIA_TYPES}},
        **_NOT_FOUND,
    },
    response_class=Response,
)
def get_document(invoice_id: uuid.UUID, session: SessionDep, principal: InvoiceReader) -> Response:
    """Download the original document."""
    invoice = _get_visible(session, invoice_id, principal, full=True)
    digest = base64.b64encode(bytes.fromhex(invoice.sha256)).decode("ascii")
    return Response(
        content=invoice.document,
        media_type=invoice.media_type,
        headers={"ETag": f'"{invoice.sha256}"', "Repr-Digest": f"sha-256=:{digest}:",
                 "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/invoices/{invoice_id}/attachments/{n}",
    operation_id="invoices-attachment",
    summary="Download an embedded attachment",
    description="The n-th (1-based, in document order) embedded BG-24 Additional supporting document "
    "(BT-125 Attached document), decoded. Served with its declared mime code only when that code is on "
    "Peppol's MimeCode list and the bytes match it; otherwise as application/octet-stream.",
    responses={
        200: {"description": "The attachment bytes.", "content": {"application/octet-stream": {}}},
        **problem_responses(InvoiceNotFound, AttachmentNotFound),
    },
    response_class=Response,
)
def get_attachment(invoice_id: uuid.UUID, n: Annotated[int, Path(ge=1, le=LARGEST_ATTACHMENT_INDEX)],
                   session: SessionDep, principal: InvoiceReader) -> Response:
    """Download an embedded attachment."""
    _get_visible(session, invoice_id, principal)
    att = session.exec(
        select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == invoice_id, InvoiceAttachment.position == n)
    ).first()
    if att is None:
        raise AttachmentNotFound(f"invoice {invoice_id} has no attachment {n}")
    filename = _safe_filename(att.filename or f"attachment-{n}")
    return Response(
        content=att.content,
        media_type=safe_media_type(att.mime_code, att.mime_allowed, att.content_matches),
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{att.sha256}"',
        },
    )


def _safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .") or "attachment"
    return cleaned[:150]


@router.get(
    "/invoices/{invoice_id}/response",
    operation_id="invoices-response",
    summary="Peppol Invoice Response for the current status",
    description="A Peppol BIS Invoice Response 3.0 (UBL 2.1 ApplicationResponse) for the invoice's "
    "current status: AB received, RE rejected (clarification codes from the reason codes, the "
    "reviewer's comment as reason), UQ under review or on hold, AP approved or booked, PD paid. The "
    "sender is the buyer (BG-7), the receiver the seller (BG-4); the document reference is BT-1, BT-2, BT-3.",
    responses={
        200: {"description": "The Invoice Response XML.",
              "content": {"application/xml": {"schema": {"type": "string"}}}},
        **_NOT_FOUND,
    },
    response_class=Response,
)
def get_response(invoice_id: uuid.UUID, session: SessionDep, principal: InvoiceReader) -> Response:
    """Peppol Invoice Response for the current status."""
    invoice = _get_visible(session, invoice_id, principal, full=True)
    return Response(content=invoice_response_xml(session, invoice), media_type="application/xml",
                    headers={"ETag": _etag(invoice)})


# -- the list -------------------------------------------------------------------------------------------
def _encode_cursor(kind: str, at: datetime, invoice_id: uuid.UUID) -> str:
    return cursors.encode_position(at, invoice_id, kind)


def _decode_cursor(cursor: str, kind: str) -> tuple[datetime, uuid.UUID]:
    try:
        return cursors.decode_position(cursor, kind)
    except ValueError:
        raise InvalidCursor(
            "pass next_cursor exactly as received, with the same updated_after filter"
        ) from None


@router.get(
    "/invoices",
    operation_id="invoices-list",
    response_model=InvoiceList,
    summary="List invoices",
    description="Cursor-paginated list. Without `updated_after`: newest first (by receipt time, then id), "
    "so invoices arriving while you page never shift later pages (no duplicates, no gaps). With "
    "`updated_after`: oldest change first (by `updated_at`, then id), for incremental synchronisation; "
    "an invoice that changes again while you page reappears later. Pass `next_cursor` back as `cursor` "
    "with the same filters; it is null on the last page. A new or changed invoice is listed once every "
    "transaction that started before it has ended, so a cursor never passes an invoice still being "
    "committed. Supplier keys see only their own supplier's invoices, gateway keys only those they "
    "delivered. The page "
    "has an `ETag` (ids and versions): `If-None-Match` answers 304 while nothing on it changed.",
    responses={304: {"description": "Not modified (If-None-Match matched the page's ETag)."},
               **problem_responses(InvalidCursor)},
)
def list_invoices(
    request: Request,
    session: SessionDep,
    principal: InvoiceReader,
    status: Annotated[InvoiceStatus | None, Query(description="Only invoices with this status.")] = None,
    seller: Annotated[str | None, Query(
        max_length=300,
        description="Supplier id (UUID), or the seller key: BT-34 electronic address as `scheme:value` "
        "(e.g. `0106:12345678`), else `VAT:<BT-31>`.")] = None,
    purchase_order: Annotated[str | None, Query(max_length=REFERENCE_LENGTH,
                                                description="BT-13 Purchase order reference.")] = None,
    q: Annotated[str | None, Query(max_length=invoice_search.MAX_QUERY_LENGTH, description=(
        "Search: every word must match the invoice number (BT-1, part of it or the same letters and "
        "digits), the seller's or supplier's name, a seller identifier (BT-34, VAT, KvK, ...), the "
        "order number (BT-13) or an exact amount (BT-115 or BT-112; `1.234,50` and `1,234.50` both "
        "read). Combined with the other filters."))] = None,
    updated_after: Annotated[datetime | None, Query(
        description="Only invoices changed after this time (ISO 8601; UTC when no offset is given); "
        "orders by change time.")] = None,
    cursor: Annotated[str | None, Query(max_length=CURSOR_LENGTH, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (1-200).")] = 50,
) -> Any:
    """List invoices."""
    query = select(Invoice).options(defer(Invoice.document))
    scope = readable(principal)
    if scope is not None:
        query = query.where(scope)
    if status is not None:
        query = query.where(Invoice.status == status)
    if purchase_order:
        query = query.where(Invoice.purchase_order == purchase_order)
    if seller:
        query = query.where(_seller_filter(seller))
    if (found := invoice_search.condition(session, q)) is not None:
        query = query.where(found)
    if updated_after is not None:
        if updated_after.tzinfo is None:  # no offset given: UTC
            updated_after = updated_after.replace(tzinfo=UTC)
        query = query.where(Invoice.updated_at > updated_after)
        kind, col = "u", Invoice.updated_at
        if cursor:
            at, last = _decode_cursor(cursor, kind)
            query = query.where(tuple_(col, Invoice.id) > _position(col, at, last))
        query = query.order_by(col, Invoice.id)
    else:
        kind, col = "c", Invoice.created_at
        if cursor:
            at, last = _decode_cursor(cursor, kind)
            query = query.where(tuple_(col, Invoice.id) < _position(col, at, last))
        query = query.order_by(col.desc(), Invoice.id.desc())
    horizon = commit_horizon(session)
    if horizon is not None:  # PostgreSQL: never page past a row a running transaction may still commit
        query = query.where(col < horizon)
    rows = list(session.exec(query.limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last_row = rows[-1]
        next_cursor = _encode_cursor(kind, last_row.updated_at if kind == "u" else last_row.created_at, last_row.id)
    etag = '"' + hashlib.sha256(
        ("|".join(f"{inv.id.hex}:{inv.version}" for inv in rows) + f"|{next_cursor}").encode()
    ).hexdigest()[:32] + '"'
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    data = [invoice_out(inv, None).model_dump(mode="json") for inv in rows]
    return JSONBody({"data": data, "next_cursor": next_cursor}, headers={"ETag": etag})


def _position(col, at: datetime, last: uuid.UUID):
    # A row value: both databases start the index range scan at the cursor (an OR of two comparisons
    # would make PostgreSQL walk every row before it: deep pages would cost their depth).
    return tuple_(literal(at, col.type), literal(last, Invoice.id.type))


def _seller_filter(seller: str):
    try:
        return Invoice.supplier_id == uuid.UUID(seller)
    except ValueError:
        pass
    scheme, _, value = seller.partition(":")
    if value:
        return Invoice.seller_key == f"{scheme.strip().upper()}:{''.join(value.split()).upper()}"
    return Invoice.seller_key == seller
