"""receive(): one submitted Invoice/CreditNote -> a stored, validated, audited invoice.

Order of work (pure steps first, so the database transaction, on SQLite a write lock, is short):
hash the exact bytes -> refuse hostile XML -> validate (process-wide engine) -> parse to the
EN 16931 model -> [database] same-bytes replay -> resolve the seller in master data and authorise a
supplier key -> DUPLICATE_INVOICE -> rejected (validation, duplicate), or ``decide_invoice`` (the
matching service) + attachments. Either way the invoice's row is written once, with its original
bytes, in its final status, and then its audit events ``received`` and the decision
(``lifecycle.store_new``). Everything is flushed in the caller's unit of work; nothing here commits.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from service.db import reading
from service.decisions import decide_invoice, prepare
from service.en16931.model import DocumentType as ModelDocumentType
from service.en16931.model import Identifier, InvoiceDocument
from service.en16931.parser import DocumentError, Header, parse_header
from service.errors import Forbidden, NotReady, ServiceError
from service.intake.attachments import allowed_mime_codes, content_matches
from service.intake.limits import DocumentLimits
from service.intake.receivers import ReceiverCheck, check_receiver
from service.intake.unwrap import Unwrapped, unwrap
from service.lifecycle import AlreadyStored, Step, store_new
from service.masterdata.identifiers import seller_key
from service.masterdata.suppliers import resolve_supplier
from service.organisations.directory import BuyerMatch, buyer_organisation
from service.organisations.store import load_directory
from service.models.base import new_id, utcnow
from service.models.invoices import (
    DocumentType,
    Invoice,
    InvoiceAttachment,
    InvoiceStatus,
)
from service.reasons import Reason, ReasonCode, distinct_codes
from service.validation.scenarios import CII_INVOICE
from service.validation_process import parse_invoice

# Peppol profile 02: the buyer answers every invoice with an Invoice Response
BILLING_WITH_RESPONSE = "urn:peppol:bis:billing_with_response"
_T_INVOICES = Invoice.__table__

__all__ = [
    "BuyerUnknown",
    "DuplicateInvoice",
    "InvoiceRejected",
    "Receipt",
    "ReceiptOutcome",
    "SellerNotYours",
    "ValidationUnavailable",
    "receive",
    "seller_key",
]

REPLAY_PRECHECK_BYTES = 64 * 1024  # above this (~60 lines), validation costs far more than a look-up
MAX_REASONS = 50  # reasons kept on the invoice; the full list is in the validation report


class InvoiceRejected(ServiceError):
    status, slug, title = 422, "invoice-rejected", "Invoice rejected: validation failed"


class BuyerUnknown(InvoiceRejected):
    slug, title = "buyer-unknown", "Invoice rejected: the buyer is none of this instance's organisations"


class DuplicateInvoice(ServiceError):
    status, slug, title = 409, "duplicate-invoice", "Duplicate invoice: this seller already sent this number"


class SellerNotYours(Forbidden):
    slug, title = "seller-not-your-supplier", "The document's seller is not this key's supplier"


class ValidationUnavailable(NotReady):
    slug, title = "validation-unavailable", "Validation artefacts are not loaded"


class ReceiptOutcome(StrEnum):
    created = "created"  # 201: valid, stored, decided (approved / needs_review)
    replayed = "replayed"  # 200: the same bytes were received before
    rejected = "rejected"  # 422: stored with status rejected and its validation report
    duplicate = "duplicate"  # 409: stored as rejected, DUPLICATE_INVOICE, points at the first


@dataclass
class Receipt:
    outcome: ReceiptOutcome
    invoice: Invoice
    report: Any = None  # ValidationReport of this submission (None on replay)
    first: Invoice | None = None  # the first invoice, for duplicates
    model: InvoiceDocument | None = None
    # whether attachment rows were stored with it (None: not known here, e.g. a replay); spares
    # the answer a look-up of attachments for the new invoice that has none
    attachments_stored: bool | None = None


@dataclass(frozen=True)
class _Seller:
    name: str | None
    electronic_address: Identifier | None
    identifiers: tuple[Identifier, ...]
    vat_id: str | None


def receive(session: Session, xml: bytes, principal: Any, *, validation: Any, media_type: str = "application/xml",
            received_at: datetime | None = None, limits: DocumentLimits | None = None) -> Receipt:
    """Receive one document for ``principal`` (a ``service.api.deps.Principal``).

    ``xml`` is the body as received: the invoice (UBL or CII), a Peppol envelope around it, or a
    Factur-X / ZUGFeRD PDF (``media_type`` application/pdf; unwrap.py). ``received_at`` (default
    now) chooses the rule-set release the document is judged by; ``limits`` (default
    ``DocumentLimits()``) bound what the document may contain.
    Raises ``HostileDocument`` / ``MalformedDocument`` (400), the errors of ``limits.py`` (413/422),
    ``NoInvoiceInPdf`` (422) and
    ``SellerNotYours`` (403) before anything is stored, and ``ValidationUnavailable`` (503) when no
    validation engine is loaded. Rejections by validation and duplicates are stored and returned
    (not raised) so the caller's unit of work commits them.
    """
    received_at = received_at or utcnow()
    digest = hashlib.sha256(xml).hexdigest()
    unwrapped = unwrap(xml, media_type, limits=limits)
    tree = unwrapped.tree
    if validation is None:
        raise ValidationUnavailable("validation artefacts are not installed; run `einvoice artifacts install`")
    envelope = unwrapped.envelope
    if envelope is not None and envelope.instance_identifier:
        # the same Peppol message again (an access point retrying): the invoice we already have
        existing = _by_instance_identifier(session, envelope.instance_identifier)
        if existing is not None:
            _authorise_replay(existing, principal)
            return Receipt(ReceiptOutcome.replayed, existing)

    # A retry of a large document we already have is answered without validating it again (a
    # 5,000-line invoice takes over a second). Small ones are validated (a few ms) and found by the
    # same-bytes check below: a separate look-up first would cost every new submission more than it
    # saves on the rare retry. The look-up uses its own read-only connection, so it takes no write
    # lock (SQLite) before the validation.
    if len(xml) >= REPLAY_PRECHECK_BYTES:
        seen = _seen_before(session, digest)
        existing = session.get(Invoice, seen) if seen is not None else None
        if existing is not None:
            _authorise_replay(existing, principal)
            return Receipt(ReceiptOutcome.replayed, existing)

    report = validation.validate(unwrapped.xml, tree=tree, received_at=received_at)
    model: InvoiceDocument | None = None
    header: Header | None = None
    parse_problem: str | None = None
    if report.valid and unwrapped.invoice is not None:
        try:
            model = parse_invoice(report, unwrapped.invoice)  # the validation child's parse, if any
        except DocumentError as exc:  # valid per the rules, yet not mappable: reject, never crash
            parse_problem = str(exc)
    receiver_problem = None
    if model is not None and envelope is not None:
        check = check_receiver(session, envelope.receiver, model.buyer.electronic_address)
        if not check.accepted:
            receiver_problem, model = check, None
    # the buyer's organisation (BT-49, else BT-47); a buyer that is none of ours is BUYER_UNKNOWN
    directory = load_directory(session)
    buyer_problem: BuyerMatch | None = None
    if model is not None:
        match = buyer_organisation(directory, _pair(model.buyer.electronic_address),
                                   _pair(model.buyer.legal_registration))
        if match.organisation_id is None:
            buyer_problem, model = match, None
    if model is None:
        header = parse_header(unwrapped.invoice) if unwrapped.invoice is not None else Header()
        if buyer_problem is None:
            # an invalid document still goes to its buyer's organisation where BT-49 tells it
            match = buyer_organisation(directory, _pair(header.buyer_electronic_address), None)

    # -- database from here on -------------------------------------------------------------------
    seller = _seller_of(model, header)
    resolved = _resolve(session, seller, match.organisation_id)
    now = utcnow()
    # every field at once, without the constructor's attribute event per column (Invoice.new); each
    # later attribute assignment on a table model costs a few microseconds of bookkeeping
    invoice = Invoice.new(
        id=new_id(),
        status=InvoiceStatus.received,
        reasons=[],
        created_at=now,
        updated_at=now,
        sha256=digest,
        media_type=media_type,
        size_bytes=len(xml),
        document=xml,
        received_by=principal.actor,
        supplier_id=resolved,
        organisation_id=match.organisation_id,
        seller_key=seller_key(seller.electronic_address, seller.identifiers, seller.vat_id),
        seller_name=(seller.name or None) and seller.name[:500],
        **(_fields_from_model(model) if model is not None else _fields_from_header(header)),
        **_received_as(unwrapped, report),
    )

    # one query answers both "same bytes before?" and "same seller + BT-1 + type before?"
    existing, first = _earlier(session, invoice, check_duplicate=model is not None)
    if existing is not None:
        _authorise_replay(existing, principal)
        return Receipt(ReceiptOutcome.replayed, existing)
    invoice.supplier_id = _authorise(principal, resolved, valid=model is not None)
    invoice.validation_report = report.model_dump(mode="json")

    if model is None:
        if receiver_problem is not None:
            reasons = _receiver_reasons(receiver_problem)
        elif buyer_problem is not None:
            reasons = _buyer_reasons(buyer_problem)
        else:
            reasons = _validation_reasons(report, parse_problem)
        invoice.reasons = reasons
        try:
            store_new(session, invoice, _received_then(principal, InvoiceStatus.rejected, distinct_codes(reasons)),
                      if_absent=True)
        except AlreadyStored as exc:  # the same bytes stored by another process a moment ago
            return _after_race(session, invoice, exc, principal, report, None)
        return Receipt(ReceiptOutcome.rejected, invoice, report)

    if first is not None:
        return _store_duplicate(session, invoice, first, principal, report, model)
    invoice.dedup_key = _dedup_key(invoice)
    facts = prepare(invoice, model)  # the look-up keys go into the INSERT (no UPDATE after it)
    try:
        # matched first, then stored once in its decided status (service/decisions/decide.py)
        decide_invoice(session, invoice, model, facts, received=Step(InvoiceStatus.received, principal.actor))
    except AlreadyStored as exc:
        # SQLite serialises writers (BEGIN IMMEDIATE), so only PostgreSQL meets this: another process
        # stored the same bytes or the same number between our check and our insert
        return _after_race(session, invoice, exc, principal, report, model)
    attachments = _store_attachments(session, invoice, model, validation)
    return Receipt(ReceiptOutcome.created, invoice, report, model=model, attachments_stored=attachments > 0)


# -- helpers -------------------------------------------------------------------------------------------
def _received_as(unwrapped: Unwrapped, report: Any) -> dict[str, Any]:
    """The columns that say what the document came as and which release judged it."""
    envelope = unwrapped.envelope
    profile = report.document.profile_id
    return {
        "syntax": "cii" if report.document.root == CII_INVOICE else "ubl" if report.document.root else None,
        "profile_id": profile[:200] if profile else None,
        "validation_release": report.release,
        "invoice_response_required": profile == BILLING_WITH_RESPONSE,
        "invoice_xml": unwrapped.invoice_xml,
        "envelope_sender": envelope.sender[:200] if envelope and envelope.sender else None,
        "envelope_receiver": envelope.receiver[:200] if envelope and envelope.receiver else None,
        "envelope_document_type": envelope.document_type[:500] if envelope and envelope.document_type else None,
        "envelope_process": envelope.process[:200] if envelope and envelope.process else None,
        "envelope_instance_id": envelope.instance_identifier[:200]
        if envelope and envelope.instance_identifier else None,
        "envelope_country": envelope.country_c1[:2] if envelope and envelope.country_c1 else None,
    }


_BY_INSTANCE = sa_select(_T_INVOICES.c.id).where(_T_INVOICES.c.envelope_instance_id == bindparam("instance"))


def _by_instance_identifier(session: Session, instance_id: str) -> Invoice | None:
    """The invoice that came in the Peppol message with this InstanceIdentifier, if any. Looked up
    on its own read-only connection (like ``_seen_before``): no write lock before validating."""
    with reading(session.get_bind()).connect() as conn:
        found = conn.execute(_BY_INSTANCE, {"instance": instance_id[:200]}).scalar()
    return session.get(Invoice, found) if found is not None else None


def _receiver_reasons(check: ReceiverCheck) -> list[Reason]:
    code = ReasonCode.ENVELOPE_INVALID
    return [Reason(code, check.message or code.message_en, check.message_nl or code.message_nl, {
        "rule_id": "SBDH-RECEIVER",
        "location": "/StandardBusinessDocument/StandardBusinessDocumentHeader/Receiver/Identifier"})]


def _pair(identifier: Identifier | None) -> tuple[str | None, str] | None:
    return (identifier.scheme, identifier.value) if identifier is not None and identifier.value else None


def _buyer_reasons(match: BuyerMatch) -> list[Reason]:
    return [Reason.of(ReasonCode.BUYER_UNKNOWN, en=f"The document names {match.buyer}.",
                      nl=f"Het document noemt {match.buyer}.", actual=match.buyer)]


def _seller_of(model: InvoiceDocument | None, header: Header | None) -> _Seller:
    if model is not None:
        s = model.seller
        return _Seller(s.name or s.trading_name, s.electronic_address, s.all_identifiers(), s.vat_id)
    assert header is not None
    return _Seller(header.seller_name, header.seller_electronic_address, header.seller_identifiers,
                   header.seller_vat_id)


def _resolve(session: Session, seller: _Seller, organisation_id: uuid.UUID | None) -> uuid.UUID | None:
    if seller.electronic_address is None and not seller.identifiers and not seller.vat_id:
        return None
    supplier = resolve_supplier(
        session,
        electronic_address=(seller.electronic_address.scheme, seller.electronic_address.value)
        if seller.electronic_address else None,
        identifiers=[(i.scheme, i.value) for i in seller.identifiers],
        vat_id=seller.vat_id,
        organisation_id=organisation_id,  # the buyer organisation's master data of the supplier
    )
    return supplier.id if supplier is not None else None


def _is_supplier_key(principal: Any) -> bool:
    return getattr(principal.role, "value", principal.role) == "supplier"


def _authorise(principal: Any, supplier_id: uuid.UUID | None, *, valid: bool) -> uuid.UUID | None:
    """A supplier key may only submit its own supplier's documents (403 otherwise)."""
    if not _is_supplier_key(principal):
        return supplier_id
    own = principal.supplier_id
    if supplier_id is not None and supplier_id == own:
        return supplier_id
    if supplier_id is None and not valid:
        # an invalid document whose seller cannot be identified: store it as the key's own, so the
        # supplier can read its validation report back
        return own
    raise SellerNotYours(
        "the seller of this document (BT-34 electronic address, BT-29/BT-30 identifiers, BT-31 VAT "
        "identifier) is not the supplier this API key belongs to"
        if supplier_id is not None
        else "the seller of this document (BT-34, BT-29/BT-30, BT-31) is unknown in the supplier "
        "master data, so it cannot be this API key's supplier"
    )


def _authorise_replay(existing: Invoice, principal: Any) -> None:
    if not _is_supplier_key(principal):
        return
    if existing.supplier_id == principal.supplier_id or existing.received_by == principal.actor:
        return
    raise SellerNotYours("the seller of this document is not the supplier this API key belongs to")


def _fields_from_model(m: InvoiceDocument) -> dict[str, Any]:
    return {
        "document_type": DocumentType(m.document_type.value),
        "invoice_number": m.number[:200],
        "type_code": m.type_code[:8],
        "issue_date": m.issue_date,
        "due_date": m.due_date,
        "currency": m.currency[:3],
        "purchase_order": m.purchase_order_reference[:200] if m.purchase_order_reference else None,
        "payable_amount": m.totals.payable_amount,
        "tax_inclusive_amount": m.totals.tax_inclusive_amount,
        "data": m.to_json(),
    }


def _fields_from_header(h: Header | None) -> dict[str, Any]:
    if h is None:
        return {}
    return {
        "document_type": DocumentType(h.document_type.value) if h.document_type else None,
        "invoice_number": h.number,
        "type_code": h.type_code,
        "issue_date": h.issue_date,
        "currency": h.currency,
        "purchase_order": h.purchase_order_reference,
        "payable_amount": h.payable_amount,
        "tax_inclusive_amount": h.tax_inclusive_amount,
    }


def _received_then(principal: Any, to: InvoiceStatus, codes: list[str]) -> list[Step]:
    """A rejected invoice's two status changes: received by the principal, rejected by the system."""
    return [Step(InvoiceStatus.received, principal.actor), Step(to, "system", codes)]


def _dedup_key(invoice: Invoice) -> str | None:
    if not invoice.invoice_number:
        return None
    seller = f"supplier:{invoice.supplier_id}" if invoice.supplier_id else invoice.seller_key
    if not seller:
        return None
    doc_type = invoice.document_type.value if invoice.document_type else "?"
    return f"{seller}|{doc_type}|{invoice.invoice_number}"[:600]


_T = Invoice.__table__
# One prepared statement (compiled once) for both lookups: same bytes, or an accepted invoice of the
# same seller (supplier or seller key) with the same BT-1 and type. A NULL bind never matches.
_EARLIER = (
    sa_select(_T.c.id, _T.c.sha256, _T.c.dedup_key)
    .where(or_(
        _T.c.sha256 == bindparam("sha"),
        and_(
            _T.c.invoice_number == bindparam("number"),
            _T.c.document_type == bindparam("doc_type"),
            _T.c.dedup_key.is_not(None),
            or_(_T.c.supplier_id == bindparam("supplier_id"), _T.c.seller_key == bindparam("seller_key")),
        ),
    ))
    .order_by(_T.c.created_at)
    .limit(3)
)


_SEEN = sa_select(_T.c.id).where(_T.c.sha256 == bindparam("sha"))


def _seen_before(session: Session, digest: str) -> uuid.UUID | None:
    with reading(session.get_bind()).connect() as conn:
        return conn.execute(_SEEN, {"sha": digest}).scalar()


def _earlier(session: Session, invoice: Invoice, *, check_duplicate: bool) -> tuple[Invoice | None, Invoice | None]:
    """(the invoice with the same bytes, the first accepted invoice with the same seller/BT-1/type)."""
    rows = session.connection().execute(_EARLIER, {
        "sha": invoice.sha256,
        "number": invoice.invoice_number if check_duplicate else None,
        "doc_type": invoice.document_type.value if invoice.document_type else None,
        "supplier_id": invoice.supplier_id,
        "seller_key": invoice.seller_key,
    }).all()
    same_id = next((r.id for r in rows if r.sha256 == invoice.sha256), None)
    first_id = next((r.id for r in rows if r.sha256 != invoice.sha256 and r.dedup_key is not None), None)
    return (session.get(Invoice, same_id) if same_id else None,
            session.get(Invoice, first_id) if first_id else None)


def _store_duplicate(session, invoice, first, principal, report, model) -> Receipt:
    invoice.dedup_key = None
    invoice.duplicate_of = first.id
    code = ReasonCode.DUPLICATE_INVOICE
    invoice.reasons = [Reason.of(code, en=f"First received as invoice {first.id}.",
                                        nl=f"Eerder ontvangen als factuur {first.id}.",
                                        actual=invoice.invoice_number, first_invoice=str(first.id))]
    store_new(session, invoice, _received_then(principal, InvoiceStatus.rejected, [code.value]))
    return Receipt(ReceiptOutcome.duplicate, invoice, report, first=first, model=model)


def _after_race(session, invoice, exc, principal, report, model) -> Receipt:
    if invoice.envelope_instance_id:  # the same Peppol message, stored by another process a moment ago
        same_message = session.exec(
            select(Invoice).where(Invoice.envelope_instance_id == invoice.envelope_instance_id)).first()
        if same_message is not None:
            _authorise_replay(same_message, principal)
            return Receipt(ReceiptOutcome.replayed, same_message)
    existing, first = _earlier(session, invoice, check_duplicate=model is not None)
    if existing is not None:
        _authorise_replay(existing, principal)
        return Receipt(ReceiptOutcome.replayed, existing)
    if first is None:
        raise exc  # not a race we know how to resolve: let the unit of work roll back
    fresh = Invoice(**{k: getattr(invoice, k) for k in _COPY})
    return _store_duplicate(session, fresh, first, principal, report, model)


_COPY = ("sha256", "media_type", "size_bytes", "document", "received_by", "supplier_id", "organisation_id",
         "seller_key",
         "seller_name", "validation_report", "document_type", "invoice_number", "type_code", "issue_date",
         "due_date", "currency", "purchase_order", "payable_amount", "tax_inclusive_amount", "data",
         "syntax", "profile_id", "validation_release", "invoice_response_required", "invoice_xml",
         "envelope_sender", "envelope_receiver", "envelope_document_type", "envelope_process",
         "envelope_instance_id", "envelope_country")


def _store_attachments(session: Session, invoice: Invoice, model: InvoiceDocument, validation: Any) -> int:
    """Store the embedded attachments; how many."""
    embedded = [a for a in model.attachments if a.content is not None]
    if not embedded:
        return 0
    allowed = allowed_mime_codes(getattr(validation, "artifacts_dir", None))
    for position, att in enumerate(embedded, start=1):
        session.add(InvoiceAttachment(
            invoice_id=invoice.id,
            position=position,
            document_reference=att.id[:200],
            description=att.description,
            filename=att.filename[:300] if att.filename else None,
            mime_code=att.mime_code[:100] if att.mime_code else None,
            mime_allowed=bool(att.mime_code) and att.mime_code in allowed,
            content_matches=content_matches(att.mime_code, att.content or b""),
            size_bytes=att.size or 0,
            sha256=att.sha256 or hashlib.sha256(att.content or b"").hexdigest(),
            content=att.content or b"",
        ))
    session.flush()
    return len(embedded)


def _validation_reasons(report: Any, parse_problem: str | None) -> list[Reason]:
    if parse_problem is not None:
        # the parser's own words are English; the Dutch message names the problem by its code
        return [Reason.of(ReasonCode.UNSUPPORTED_DOCUMENT, en=parse_problem, nl=parse_problem)]
    code = ReasonCode(report.reason_code or ReasonCode.RULE_VIOLATION.value)
    reasons = []
    for finding in report.fatal_findings[:MAX_REASONS]:
        where = f" ({finding.rule_id})" if finding.rule_id else ""
        layer_code = _layer_code(finding.layer, code)
        # the artefact's message is English; Dutch says what kind of failure and names the rule
        reasons.append(Reason(layer_code, finding.message or layer_code.message_en, f"{layer_code.message_nl}{where}", {
            "rule_id": finding.rule_id,
            "location": finding.location or (f"line {finding.line}" if finding.line else None),
        }))
    if not reasons:
        reasons.append(Reason.of(code))
    return reasons


def _layer_code(layer: str, default: ReasonCode) -> ReasonCode:
    """The reason code of a finding by the layer that made it (the report's code is the first of
    them that applies: an invalid envelope around an invalid invoice has both kinds)."""
    if layer == "scenario" and default is ReasonCode.PROFILE_NOT_EN16931:
        return default
    by_layer = {
        "xsd": ReasonCode.SCHEMA_INVALID,
        "xml": ReasonCode.NOT_WELL_FORMED,
        "scenario": ReasonCode.UNSUPPORTED_DOCUMENT,
        "envelope": ReasonCode.ENVELOPE_INVALID,
    }
    return by_layer.get(layer, ReasonCode.RULE_VIOLATION if default is ReasonCode.ENVELOPE_INVALID else default)



# keep the model's enum and the table's enum in step (same values)
assert {d.value for d in ModelDocumentType} == {d.value for d in DocumentType}
