"""JSON shapes of the invoice resource (GET /v1/invoices/{id}, list items, 201/409/422 bodies)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.models.invoices import Invoice, InvoiceAttachment
from service.reasons import Reason, ReasonCode


class SellerOut(BaseModel):
    name: str | None = Field(None, description="BT-27 Seller name (or BT-28 trading name)")
    key: str | None = Field(
        None, description="Seller key: BT-34 Seller electronic address as `scheme:value`, else `VAT:<BT-31>`"
    )
    electronic_address: dict[str, str | None] | None = Field(
        None, description="BT-34 Seller electronic address {scheme, value}"
    )
    vat_id: str | None = Field(None, description="BT-31 Seller VAT identifier")
    supplier_id: uuid.UUID | None = Field(None, description="The supplier in master data, when resolved")


class TotalsOut(BaseModel):
    line_extension_amount: Decimal | None = Field(None, description="BT-106 Sum of Invoice line net amount")
    allowance_total_amount: Decimal | None = Field(None, description="BT-107 Sum of allowances on document level")
    charge_total_amount: Decimal | None = Field(None, description="BT-108 Sum of charges on document level")
    tax_exclusive_amount: Decimal | None = Field(None, description="BT-109 Invoice total amount without VAT")
    tax_amount: Decimal | None = Field(None, description="BT-110 Invoice total VAT amount")
    tax_inclusive_amount: Decimal | None = Field(None, description="BT-112 Invoice total amount with VAT")
    prepaid_amount: Decimal | None = Field(None, description="BT-113 Paid amount")
    rounding_amount: Decimal | None = Field(None, description="BT-114 Rounding amount")
    payable_amount: Decimal | None = Field(None, description="BT-115 Amount due for payment")


class ReasonOut(BaseModel):
    """One reason (service.reasons.Reason): the same object for validation, duplicates and matching."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Reason code (SCHEMA_INVALID, RULE_VIOLATION, DUPLICATE_INVOICE, PRICE_VARIANCE, ...)")
    line_id: str | None = Field(None, description="BT-126 Invoice line identifier(s) the reason concerns")
    expected: Any = Field(None, description="What was expected (order, receipt, policy)")
    actual: Any = Field(None, description="What the invoice says")
    message: str | None = Field(None, description="Explanation in English (`message_nl`: the same in Dutch)")
    message_en: str | None = Field(None, description="Explanation in English")
    message_nl: str | None = Field(None, description="Explanation in Dutch")
    order_line_id: str | None = Field(None, description="Matching: the purchase-order line compared with")
    check: str | None = Field(None, description="Matching: the check that failed (price, quantity_ordered, total, ...)")
    tolerance: str | None = Field(None, description="Matching: the tolerance applied")
    related_invoice_id: str | None = Field(None, description="DUPLICATE_SUSPECTED: the invoice this one resembles")
    accepted: str | None = Field(None, description="Matching: a person accepted this variance (`<actor>: <reason>`); "
                                 "the check still failed")
    rule_id: str | None = Field(None, description="Validation: the failed rule (BR-CO-15, PEPPOL-EN16931-R001, ...)")
    location: str | None = Field(None, description="Validation: where in the document (XPath, or line)")
    first_invoice: str | None = Field(None, description="DUPLICATE_INVOICE: the first invoice with this number")


class ValidationSummary(BaseModel):
    outcome: str | None = Field(None, description="valid, invalid or error")
    scenario: str | None = Field(None, description="Validation scenario (peppol-bis-billing-3, nlcius, ...)")
    reason_code: str | None = Field(None, description="SCHEMA_INVALID, RULE_VIOLATION, NOT_WELL_FORMED, "
                                    "UNSUPPORTED_DOCUMENT, ENVELOPE_INVALID, PROFILE_NOT_EN16931")
    release: str | None = Field(None, description="Rule-set release applied, chosen by the time of receipt "
                                "(e.g. peppol-bis-billing-3@3.0.21); null for scenarios without releases")
    errors: int = Field(0, description="Number of fatal findings")
    warnings: int = Field(0, description="Number of warnings")
    failed_rules: list[str] = Field(default_factory=list, description="Distinct ids of the failed rules")


class AttachmentOut(BaseModel):
    n: int = Field(description="Position (1-based) in /attachments/{n}")
    document_reference: str = Field(description="BT-122 Supporting document reference")
    description: str | None = Field(None, description="BT-123 Supporting document description")
    filename: str | None = Field(None, description="BT-125 Attached document filename")
    mime_code: str | None = Field(None, description="BT-125 Attached document mime code, as declared")
    mime_allowed: bool = Field(description="The mime code is on Peppol's MimeCode list")
    content_matches: bool = Field(description="The bytes look like the declared mime code")
    size: int = Field(description="Size in bytes")
    href: str


class EnvelopeOut(BaseModel):
    """The Peppol business message envelope (SBDH) the invoice came in."""

    sender: str | None = Field(None, description="Sender participant identifier, scheme:value")
    receiver: str | None = Field(None, description="Receiver participant identifier, scheme:value")
    document_type: str | None = Field(None, description="Peppol document type identifier (DOCUMENTID)")
    process: str | None = Field(None, description="Peppol process identifier (PROCESSID)")
    instance_identifier: str | None = Field(None, description="The message's InstanceIdentifier (unique)")
    country_c1: str | None = Field(None, description="COUNTRY_C1: the sender's country")


class InvoiceLinks(BaseModel):
    self: str
    document: str
    visual: str | None = Field(None, description="The invoice's visual: the Factur-X / ZUGFeRD PDF it came in")
    data: str
    validation: str
    response: str
    decision: str


class ErpStateOut(BaseModel):
    erp_document_number: str | None = Field(None, description="The ERP's booking document number")
    booked_at: datetime | None = None
    payment_date: date | None = Field(None, description="Payment date the ERP reported")
    paid_amount: Decimal | None = None
    payment_reference: str | None = None
    paid_at: datetime | None = None


class InvoiceOut(BaseModel):
    id: uuid.UUID
    status: str = Field(description="received, rejected, needs_review, on_hold, awaiting_approval (a four-eyes "
                        "rule wants a second, different approver), approved, booked, paid")
    document_type: str | None = Field(None, description="invoice or credit_note (UBL root element)")
    type_code: str | None = Field(None, description="BT-3 Invoice type code")
    invoice_number: str | None = Field(None, description="BT-1 Invoice number")
    issue_date: date | None = Field(None, description="BT-2 Invoice issue date")
    due_date: date | None = Field(None, description="BT-9 Payment due date")
    currency: str | None = Field(None, description="BT-5 Invoice currency code")
    seller: SellerOut = Field(description="BG-4 Seller")
    organisation_id: uuid.UUID | None = Field(
        None, description="The buyer organisation the invoice belongs to (BT-49, else BT-47); null only for a "
        "document refused as BUYER_UNKNOWN or one whose buyer could not be read")
    buyer_reference: str | None = Field(None, description="BT-10 Buyer reference")
    purchase_order: str | None = Field(None, description="BT-13 Purchase order reference")
    syntax: str | None = Field(None, description="ubl or cii (UN/CEFACT Cross Industry Invoice)")
    media_type: str = Field("application/xml", description="As received: application/xml, or application/pdf "
                            "for a Factur-X / ZUGFeRD PDF")
    profile_id: str | None = Field(None, description="BT-23 Business process type")
    invoice_response_required: bool = Field(
        False, description="The business process is Peppol profile 02 (urn:peppol:bis:billing_with_response): "
        "the buyer owes the supplier an Invoice Response for this invoice (GET /response gives it).")
    envelope: EnvelopeOut | None = Field(None, description="The Peppol envelope the invoice came in, if any")
    totals: TotalsOut = Field(description="BG-22 Document totals")
    reasons: list[ReasonOut] = Field(default_factory=list, description="Every failed check, with line, expected and actual")
    validation: ValidationSummary | None = None
    duplicate_of: uuid.UUID | None = Field(None, description="The first invoice, for DUPLICATE_INVOICE")
    attachments: list[AttachmentOut] | None = Field(None, description="BG-24 embedded attachments (single-invoice reads)")
    erp: ErpStateOut | None = Field(None, description="Booking and payment reported by the ERP (single-invoice reads)")
    sha256: str = Field(description="SHA-256 of the original bytes")
    size_bytes: int
    received_by: str = Field(description="Who submitted it (key:<prefix>)")
    version: int = Field(description="Bumped on every change; part of the ETag")
    created_at: datetime
    updated_at: datetime
    links: InvoiceLinks


class InvoiceList(BaseModel):
    data: list[InvoiceOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page")


def validation_summary(report: dict[str, Any] | None) -> ValidationSummary | None:
    """A few numbers from the stored report (cheap: no model rebuild)."""
    if not report:
        return None
    layers = report.get("layers") or []
    errors = warnings = 0
    failed: dict[str, None] = {}
    by_name = {}
    for layer in layers:
        by_name[layer.get("name")] = layer
        for f in layer.get("findings") or []:
            if f.get("severity") == "fatal":
                errors += 1
                if f.get("rule_id"):
                    failed.setdefault(f["rule_id"], None)
            elif f.get("severity") == "warning":
                warnings += 1
    outcome = report.get("outcome")
    reason = None
    if outcome != "valid":
        if (by_name.get("xml") or {}).get("validity") == "invalid":
            reason = "NOT_WELL_FORMED"
        elif (by_name.get("envelope") or {}).get("validity") not in (None, "valid"):
            reason = "ENVELOPE_INVALID"
        elif report.get("scenario") is None:
            reason = "PROFILE_NOT_EN16931" if "PROFILE_NOT_EN16931" in failed else "UNSUPPORTED_DOCUMENT"
        elif (by_name.get("xsd") or {}).get("validity") == "invalid":
            reason = "SCHEMA_INVALID"
        else:
            reason = "RULE_VIOLATION"
    return ValidationSummary(outcome=outcome, scenario=report.get("scenario"), reason_code=reason,
                             release=report.get("release"), errors=errors, warnings=warnings,
                             failed_rules=list(failed))


def _awaiting(invoice: Invoice) -> list[ReasonOut]:
    """While an invoice waits for its second approver, SECOND_APPROVAL_REQUIRED leads its reasons."""
    if invoice.status != "awaiting_approval":
        return []
    return [ReasonOut(**Reason.of(ReasonCode.SECOND_APPROVAL_REQUIRED).to_api())]


def invoice_out(invoice: Invoice, attachments: list[InvoiceAttachment] | None,
                erp: dict[str, Any] | None = None) -> InvoiceOut:
    base = f"/v1/invoices/{invoice.id}"
    data = invoice.data or {}
    seller_data = data.get("seller") or {}
    ea = seller_data.get("electronic_address")
    totals = dict(data.get("totals") or {})
    totals.pop("tax_amount_accounting_currency", None)
    if not totals:
        totals = {"payable_amount": invoice.payable_amount, "tax_inclusive_amount": invoice.tax_inclusive_amount}
    return InvoiceOut(
        id=invoice.id,
        status=invoice.status.value if hasattr(invoice.status, "value") else str(invoice.status),
        document_type=invoice.document_type.value if invoice.document_type else None,
        type_code=invoice.type_code,
        invoice_number=invoice.invoice_number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        seller=SellerOut(
            name=invoice.seller_name,
            key=invoice.seller_key,
            electronic_address={"scheme": ea.get("scheme"), "value": ea.get("value")} if ea else None,
            vat_id=seller_data.get("vat_id"),
            supplier_id=invoice.supplier_id,
        ),
        organisation_id=invoice.organisation_id,
        buyer_reference=data.get("buyer_reference"),
        purchase_order=invoice.purchase_order,
        syntax=invoice.syntax,
        media_type=invoice.media_type,
        profile_id=invoice.profile_id,
        invoice_response_required=bool(invoice.invoice_response_required),
        envelope=EnvelopeOut(
            sender=invoice.envelope_sender, receiver=invoice.envelope_receiver,
            document_type=invoice.envelope_document_type, process=invoice.envelope_process,
            instance_identifier=invoice.envelope_instance_id, country_c1=invoice.envelope_country,
        ) if invoice.envelope_sender or invoice.envelope_instance_id else None,
        totals=TotalsOut(**totals),
        reasons=_awaiting(invoice) + [ReasonOut(**r.to_api()) for r in invoice.reasons],
        validation=validation_summary(invoice.validation_report),
        duplicate_of=invoice.duplicate_of,
        attachments=None if attachments is None else [
            AttachmentOut(
                n=a.position, document_reference=a.document_reference, description=a.description,
                filename=a.filename, mime_code=a.mime_code, mime_allowed=a.mime_allowed,
                content_matches=a.content_matches, size=a.size_bytes, href=f"{base}/attachments/{a.position}",
            )
            for a in attachments
        ],
        erp=ErpStateOut(**erp) if erp else None,
        sha256=invoice.sha256,
        size_bytes=invoice.size_bytes,
        received_by=invoice.received_by,
        version=invoice.version,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
        links=InvoiceLinks(self=base, document=f"{base}/document",
                           visual=f"{base}/document" if invoice.media_type == "application/pdf" else None,
                           data=f"{base}/data", validation=f"{base}/validation",
                           response=f"{base}/response", decision=f"{base}/decision"),
    )
