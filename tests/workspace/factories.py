"""Invoices in review states, built directly through the models and the lifecycle.

Until intake and matching land, tests arrange flagged invoices this way; the document bytes are the
Peppol base example (from the artefacts mirror) with its number, seller and amounts replaced.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session

from service.lifecycle import transition
from service.models.base import utcnow
from service.models.invoices import DocumentType, Invoice, InvoiceStatus
from service.reasons import Reason, distinct_codes

REPO = Path(__file__).resolve().parents[2]
MIRROR = Path(os.environ.get("EINVOICE_ARTIFACTS_MIRROR") or REPO.parent / "shared" / "artifacts")
BASE_EXAMPLE = MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml"


def sample_document(number: str, seller: str, due: date | None) -> bytes:
    xml = BASE_EXAMPLE.read_text(encoding="utf-8")
    xml = xml.replace("<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1)
    xml = xml.replace("SupplierTradingName Ltd.", seller)
    if due:
        xml = xml.replace("<cbc:DueDate>2017-12-01</cbc:DueDate>", f"<cbc:DueDate>{due.isoformat()}</cbc:DueDate>")
    return xml.encode("utf-8")


def price_variance(line_id: str = "1") -> dict:
    return {"code": "PRICE_VARIANCE", "line_id": line_id, "expected": "400.00", "actual": "410.00",
            "tolerance": "2%", "message": "Unit price 410.00 exceeds the order price 400.00 by more than 2 %",
            "message_nl": "Prijs per eenheid 410,00 ligt meer dan 2 % boven de orderprijs 400,00",
            "message_en": "Unit price 410.00 exceeds the order price 400.00 by more than 2 %"}


def not_received(line_id: str = "2") -> dict:
    return {"code": "NOT_RECEIVED", "line_id": line_id, "expected": "3", "actual": "0", "tolerance": None,
            "message": "Nothing received on order line 2",
            "message_nl": "Op orderregel 2 is nog niets ontvangen", "message_en": "Nothing received on order line 2"}


def as_reasons(reasons: list[Reason | dict]) -> list[Reason]:
    """The invoice's reasons as the model holds them; a dict is read as a stored row is (a bare
    ``message`` is a row from before migration 0025)."""
    return [r if isinstance(r, Reason) else Reason.from_stored(r) for r in reasons]


def sample_data(number: str, seller: str, due: date, amount: Decimal, purchase_order: str | None) -> dict:
    """The EN 16931 JSON form (as intake stores it in ``invoice.data``) of the sample document."""
    return {
        "document_type": "invoice", "number": number, "issue_date": "2026-11-13", "type_code": "380",
        "currency": "EUR", "due_date": due.isoformat(), "buyer_reference": "0150abc",
        "purchase_order_reference": purchase_order,
        "seller": {"name": seller, "legal_registration": {"value": "12345678", "scheme": "0106"},
                   "vat_id": "NL123456789B01",
                   "address": {"street": "Dorpsstraat 1", "city": "Utrecht", "postal_zone": "3511 AA", "country": "NL"}},
        "buyer": {"name": "Gemeente Voorbeeld", "legal_registration": {"value": "00000001234567890000", "scheme": "0190"},
                  "address": {"street": "Stadhuisplein 1", "city": "Voorbeeld", "postal_zone": "1234 AB", "country": "NL"}},
        "payment_means": [{"code": "30", "accounts": [{"id": "NL91ABNA0417164300"}]}],
        "totals": {"line_extension_amount": "1300", "tax_exclusive_amount": "1325", "tax_amount": "331.25",
                   "tax_inclusive_amount": str(amount), "payable_amount": str(amount)},
        "lines": [
            {"id": "1", "quantity": "7", "unit_code": "DAY", "net_amount": "2800", "order_line_reference": "1",
             "price": {"net_price": "400"}, "vat_category": "S", "vat_rate": "25", "item": {"name": "Inhuur ontwerper"}},
            {"id": "2", "quantity": "3", "unit_code": "DAY", "net_amount": "1500", "order_line_reference": "2",
             "price": {"net_price": "500"}, "vat_category": "S", "vat_rate": "25", "item": {"name": "Projectleiding"}},
        ],
    }


def make_invoice(
    session: Session,
    *,
    number: str | None = None,
    seller: str = "Bouwbedrijf De Vries B.V.",
    due: date | None = None,
    amount: Decimal = Decimal("1656.25"),
    reasons: list[dict] | None = None,
    status: InvoiceStatus = InvoiceStatus.needs_review,
    purchase_order: str | None = "PO-4711",
    received_at: datetime | None = None,
    supplier_id: uuid.UUID | None = None,
    validation_report: dict | None = None,
    commit: bool = True,
) -> Invoice:
    """One invoice moved through received -> ``status`` (needs_review, approved, rejected, on_hold)."""
    number = number or f"INV-{uuid.uuid4().hex[:8]}"
    due = due or (date.today() + timedelta(days=14))
    doc = sample_document(number, seller, due)
    at = received_at or utcnow()
    invoice = Invoice(
        document=doc, sha256=hashlib.sha256(doc).hexdigest(), size_bytes=len(doc),
        document_type=DocumentType.invoice, invoice_number=number, type_code="380",
        issue_date=at.date(), due_date=due, currency="EUR", seller_name=seller,
        seller_key=f"0106:{abs(hash(seller)) % 10**8:08d}", supplier_id=supplier_id,
        purchase_order=purchase_order, payable_amount=amount, tax_inclusive_amount=amount,
        reasons=as_reasons(reasons if reasons is not None else [price_variance()]),
        validation_report=validation_report, data=sample_data(number, seller, due, amount, purchase_order),
        received_by="key:test", created_at=at, updated_at=at,
    )
    session.add(invoice)
    session.flush()
    if status is InvoiceStatus.rejected and reasons and all(
            r.code.value in ("RULE_VIOLATION", "SCHEMA_INVALID") for r in invoice.reasons):
        transition(session, invoice, InvoiceStatus.rejected, actor="system", reason_codes=distinct_codes(invoice.reasons))
    elif status is InvoiceStatus.approved and not reasons and reasons is not None:
        transition(session, invoice, InvoiceStatus.approved, actor="system")
    elif status is not InvoiceStatus.received:
        transition(session, invoice, InvoiceStatus.needs_review, actor="system",
                   reason_codes=distinct_codes(invoice.reasons))
        if status is not InvoiceStatus.needs_review:
            transition(session, invoice, status, actor="user:seed")
    if commit:
        session.commit()
    return invoice


def backdate(session: Session, invoice: Invoice, received_days_ago: float, step_days: list[float]) -> None:
    """Move the invoice's receipt and its audit events into the past (events in order, by step)."""
    from sqlmodel import select

    from service.models.invoices import AuditEvent

    received = utcnow() - timedelta(days=received_days_ago)
    invoice.created_at = received
    session.add(invoice)
    session.flush()
    events = session.exec(select(AuditEvent).where(AuditEvent.invoice_id == invoice.id).order_by(AuditEvent.at)).all()
    for event, days in zip(events, step_days):
        event.at = received + timedelta(days=days)
        session.add(event)
