"""Small builders for engine inputs (pure tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from service.matching import (
    AllowanceCharge,
    InvoiceFacts,
    InvoiceLine,
    MatchInputs,
    OrderLine,
    OrderSnapshot,
    SupplierFacts,
)
from service.matching.engine import round2

IBAN = "NL91ABNA0417164300"
SUPPLIER = SupplierFacts("sup-1", "Leverancier BV", (IBAN,))


def order_line(line_id="1", qty="100", unit="C62", price="10.00", base="1", name="Bureaustoel",
               seller_item_id=None, standard_item_id=None, vat_category="S", vat_rate="21",
               receipt_required=False) -> OrderLine:
    return OrderLine(line_id=line_id, quantity=D(qty), unit_code=unit, unit_price=D(price), base_quantity=D(base),
                     name=name, seller_item_id=seller_item_id, standard_item_id=standard_item_id,
                     vat_category=vat_category, vat_rate=D(vat_rate) if vat_rate is not None else None,
                     receipt_required=receipt_required)


def order(*lines: OrderLine, number="PO-1", status="open", currency="EUR", supplier_id="sup-1") -> OrderSnapshot:
    return OrderSnapshot(number=number, version=1, supplier_id=supplier_id, currency=currency, status=status,
                         lines=tuple(lines) or (order_line(),))


def inv_line(line_id="1", qty="10", unit="C62", price="10.00", base="1", ref="1", name="Bureaustoel",
             seller_item_id=None, standard_item_id=None, vat_category="S", vat_rate="21",
             allowances_charges=()) -> InvoiceLine:
    q, p, b = D(qty), D(price), D(base)
    amount = q * p / b
    for ac in allowances_charges:
        amount += ac.amount if ac.charge else -ac.amount
    return InvoiceLine(line_id=line_id, quantity=q, unit_code=unit, net_amount=round2(amount), net_price=p,
                       base_quantity=b, order_line_ref=ref, name=name, seller_item_id=seller_item_id,
                       standard_item_id=standard_item_id, vat_category=vat_category,
                       vat_rate=D(vat_rate) if vat_rate is not None else None,
                       allowances_charges=tuple(allowances_charges))


def invoice(*lines: InvoiceLine, number="INV-1", po="PO-1", currency="EUR", charges=(), ibans=(IBAN,),
            credit=False, preceding=(), total_delta="0", buyer_reference=None, contract_reference=None,
            issue_date=date(2026, 11, 1)) -> InvoiceFacts:
    lines = tuple(lines) or (inv_line(),)
    net_lines = sum((ln.net_amount for ln in lines), D(0))
    doc = sum(((ac.amount if ac.charge else -ac.amount) for ac in charges), D(0))
    taxable: dict[D, D] = {}
    for ln in lines:
        taxable[ln.vat_rate or D(0)] = taxable.get(ln.vat_rate or D(0), D(0)) + ln.net_amount
    for ac in charges:
        taxable[ac.vat_rate or D(0)] = taxable.get(ac.vat_rate or D(0), D(0)) + (ac.amount if ac.charge else -ac.amount)
    vat = sum((round2(b * r / 100) for r, b in taxable.items()), D(0))
    excl = net_lines + doc
    return InvoiceFacts(number=number, issue_date=issue_date, type_code="381" if credit else "380",
                        currency=currency, is_credit_note=credit, order_reference=po,
                        preceding_invoices=tuple(preceding), ibans=tuple(ibans), line_total=net_lines,
                        tax_exclusive=excl, tax_total=vat, tax_inclusive=excl + vat + D(total_delta),
                        payable=excl + vat + D(total_delta), allowances_charges=tuple(charges), lines=lines,
                        buyer_reference=buyer_reference, contract_reference=contract_reference)


def charge(amount="25.00", reason="Vracht", vat_rate="21") -> AllowanceCharge:
    return AllowanceCharge(charge=True, amount=D(amount), reason=reason, vat_category="S", vat_rate=D(vat_rate))


def inputs(inv: InvoiceFacts | None = None, po: OrderSnapshot | str | None = "default", **kw) -> MatchInputs:
    kw.setdefault("supplier", SUPPLIER)
    return MatchInputs(invoice=inv or invoice(), order=order() if po == "default" else po, **kw)


__all__ = ["D", "replace", "order_line", "order", "inv_line", "invoice", "charge", "inputs", "SUPPLIER", "IBAN"]
