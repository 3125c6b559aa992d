"""From the EN 16931 model (service.en16931.model.InvoiceDocument) to the engine's InvoiceFacts."""

from __future__ import annotations

from decimal import Decimal

from service.en16931.model import AllowanceCharge as DocumentAllowanceCharge
from service.en16931.model import InvoiceDocument
from service.matching.types import AllowanceCharge, InvoiceFacts, InvoiceLine

ONE = Decimal(1)
ZERO = Decimal(0)


def _ac(ac: DocumentAllowanceCharge) -> AllowanceCharge:
    return AllowanceCharge(charge=bool(ac.charge), amount=ac.amount, reason=ac.reason, reason_code=ac.reason_code,
                           vat_category=ac.vat_category, vat_rate=ac.vat_rate)


def facts_from_document(doc: InvoiceDocument) -> InvoiceFacts:
    """The terms matching reads (BT names in ``types.py``); pure, no I/O."""
    t = doc.totals
    lines = tuple(
        InvoiceLine(
            line_id=ln.id,
            quantity=ln.quantity,
            unit_code=(ln.unit_code or "").strip().upper(),
            net_amount=ln.net_amount,
            net_price=ln.price.net_price,
            base_quantity=ln.price.base_quantity or ONE,
            order_line_ref=(ln.order_line_reference or None),
            name=ln.item.name or "",
            seller_item_id=ln.item.seller_item_id,
            standard_item_id=ln.item.standard_item_id.value if ln.item.standard_item_id else None,
            vat_category=ln.vat_category,
            vat_rate=ln.vat_rate,
            allowances_charges=tuple(_ac(a) for a in ln.allowances_charges),
            gross_price=ln.price.gross_price,
            price_discount=ln.price.discount,
        )
        for ln in doc.lines
    )
    return InvoiceFacts(
        number=doc.number,
        issue_date=doc.issue_date,
        type_code=doc.type_code,
        currency=doc.currency,
        is_credit_note=bool(doc.is_credit_note),
        buyer_reference=doc.buyer_reference,
        contract_reference=doc.contract_reference,
        order_reference=(doc.purchase_order_reference or None),
        preceding_invoices=tuple(p.number for p in doc.preceding_invoices),
        ibans=tuple(doc.iban_list),
        line_total=t.line_extension_amount,
        allowance_total=t.allowance_total_amount or ZERO,
        charge_total=t.charge_total_amount or ZERO,
        tax_exclusive=t.tax_exclusive_amount,
        tax_total=t.tax_amount or ZERO,
        tax_inclusive=t.tax_inclusive_amount,
        prepaid=t.prepaid_amount or ZERO,
        payable=t.payable_amount,
        rounding=t.rounding_amount or ZERO,
        allowances_charges=tuple(_ac(a) for a in doc.allowances_charges),
        lines=lines,
    )
