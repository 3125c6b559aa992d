"""The Peppol Invoice Response of an invoice's current state, from the invoice and its audit trail."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from service.en16931.model import Identifier
from service.en16931.parser import parse_header
from service.en16931.response import (
    STATUS_REASONS,
    Clarification,
    ResponseParty,
    build_invoice_response,
    response_code_for,
)
from service.intake.guard import parse_untrusted
from service.intake.limits import UNBOUNDED
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus
from service.reasons import ReasonCode, clarification_codes, in_english

_VALIDATION_CODES = {"SCHEMA_INVALID", "RULE_VIOLATION", "NOT_WELL_FORMED", "UNSUPPORTED_DOCUMENT",
                     "ENVELOPE_INVALID", "PROFILE_NOT_EN16931"}
MAX_REASON_TEXT = 1000


def _clarification_codes(reason_codes: list[str]) -> list[str]:
    return [c for c in clarification_codes(reason_codes) if c in STATUS_REASONS] or ["OTH"]


def _ident(data: dict[str, Any] | None) -> Identifier | None:
    if not data or not data.get("value"):
        return None
    return Identifier(value=data["value"], scheme=data.get("scheme"))


def _parties(invoice: Invoice) -> tuple[ResponseParty, ResponseParty]:
    """(sender = buyer BG-7, receiver = seller BG-4)."""
    if invoice.data:
        buyer, seller = invoice.data.get("buyer") or {}, invoice.data.get("seller") or {}
        return (
            ResponseParty(endpoint=_ident(buyer.get("electronic_address")),
                          name=buyer.get("name") or buyer.get("trading_name")),
            ResponseParty(endpoint=_ident(seller.get("electronic_address")),
                          name=seller.get("name") or seller.get("trading_name")),
        )
    try:
        header = parse_header(parse_untrusted(invoice.invoice_xml or invoice.document, UNBOUNDED))
    except Exception:  # noqa: BLE001 - stored bytes always parsed at intake; be defensive for old rows
        header = None
    if header is None:
        return ResponseParty(), ResponseParty(name=invoice.seller_name)
    return (
        ResponseParty(endpoint=header.buyer_electronic_address, name=header.buyer_name),
        ResponseParty(endpoint=header.seller_electronic_address, name=header.seller_name),
    )


def _latest_event(session: Session, invoice: Invoice) -> AuditEvent | None:
    return session.exec(
        select(AuditEvent).where(AuditEvent.invoice_id == invoice.id, AuditEvent.to_status == invoice.status)
        .order_by(AuditEvent.at.desc()).limit(1)
    ).first()


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_TEXT else text[: MAX_REASON_TEXT - 1] + "…"


def clarifications_for(invoice: Invoice, event: AuditEvent | None) -> tuple[Clarification, ...]:
    """Clarification codes (OPStatusReason + OPStatusAction) for RE and UQ responses."""
    status = invoice.status
    reasons = invoice.reasons
    if status is InvoiceStatus.rejected:
        codes = list(event.reason_codes) if event and event.reason_codes else [r.code.value for r in reasons]
        if "DUPLICATE_INVOICE" in codes:
            first = next((r.get("first_invoice") for r in reasons if r.get("first_invoice")), None)
            text = f"Duplicate: invoice number {invoice.invoice_number} was already received" + (
                f" ({first})." if first else ".")
            return (Clarification("OTH", reason=text), Clarification("NOA", list_id="OPStatusAction"))
        if "BUYER_UNKNOWN" in codes:  # sent to the wrong receiver: the supplier sends it to its buyer
            message = next((r.message_en for r in reasons if r.code is ReasonCode.BUYER_UNKNOWN), None)
            return (Clarification("REC", reason=_short(message or "The buyer is unknown here.")),
                    Clarification("NIN", list_id="OPStatusAction"))
        if event is not None and event.actor == "system" and set(codes) <= _VALIDATION_CODES:
            rules = list(dict.fromkeys(r.get("rule_id") for r in reasons if r.get("rule_id")))
            text = "The document failed validation" + (f": {', '.join(rules[:20])}" if rules else "") + "."
            return (Clarification("OTH", reason=_short(text)), Clarification("NIN", list_id="OPStatusAction"))
        comment = event.comment if event and event.comment else None
        out = [Clarification(c, reason=_short(comment) if comment and i == 0 else None)
               for i, c in enumerate(_clarification_codes([c for c in codes if c]))]
        if out and out[0].code == "OTH" and not out[0].reason:
            out[0] = Clarification("OTH", reason=_short(comment or "Rejected by the buyer."))
        out.append(Clarification("NIN", list_id="OPStatusAction"))
        return tuple(out)
    if status in (InvoiceStatus.needs_review, InvoiceStatus.on_hold, InvoiceStatus.awaiting_approval):
        codes = [r.code.value for r in reasons]
        note = event.comment if status is InvoiceStatus.on_hold and event and event.comment else None
        if note is None and reasons:
            note = " ".join(dict.fromkeys(in_english(r) for r in reasons[:10]))
        out = []
        for i, c in enumerate(_clarification_codes(codes)):
            out.append(Clarification(c, reason=_short(note) if note and i == 0 else None))
        if out[0].code == "OTH" and not out[0].reason:
            out[0] = Clarification("OTH", reason="The invoice is being reviewed by the buyer.")
        return tuple(out)
    return ()


def invoice_response_xml(session: Session, invoice: Invoice) -> bytes:
    """The T111 Invoice Response for the invoice's current status (deterministic per version)."""
    event = _latest_event(session, invoice)
    at = event.at if event is not None else invoice.updated_at
    sender, receiver = _parties(invoice)
    return build_invoice_response(
        response_id=f"{invoice.id}-{invoice.version}",
        issue_date=at.date(),
        issue_time=at.time(),
        response_code=response_code_for(invoice.status.value),
        effective_date=at.date(),
        sender=sender,
        receiver=receiver,
        document_id=invoice.invoice_number or f"sha256:{invoice.sha256[:16]}",
        document_issue_date=invoice.issue_date,
        document_type_code=invoice.type_code,
        clarifications=clarifications_for(invoice, event),
    )
