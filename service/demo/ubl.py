"""A small writer of Peppol BIS Billing 3.0 invoices and credit notes (UBL 2.1) for Dutch parties.

It writes what a Dutch supplier's invoicing software sends a municipality: seller and buyer with
their Peppol endpoint, KvK / OIN legal identifiers, addresses (NL-R-001..005), credit transfer to
an IBAN (NL-R-007/008), the order reference (BT-13) and order line references (BT-132), one VAT
breakdown per rate, and the document totals computed from the lines as EN 16931 prescribes
(BR-CO-10..17: sums of the rounded line amounts, VAT rounded per category). Elements come in the
order the UBL 2.1 schema demands. Pure: no database, no service imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

CENT = Decimal("0.01")
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NAMESPACES = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Party:
    name: str
    endpoint: tuple[str, str]  # BT-34 / BT-49: (scheme, value), e.g. ("0106", "12345678")
    legal_id: tuple[str, str]  # BT-30 / BT-47: KvK (0106) or OIN (0190)
    street: str
    city: str
    postal_zone: str
    vat_id: str | None = None  # BT-31 / BT-48
    country: str = "NL"


@dataclass(frozen=True)
class Line:
    line_id: str  # BT-126
    name: str  # BT-153
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130, UN/ECE Rec 20
    price: Decimal  # BT-146, net price per base quantity
    vat_rate: Decimal = Decimal(21)  # BT-152 (category S)
    order_line: str | None = None  # BT-132
    seller_item_id: str | None = None  # BT-155
    base_quantity: Decimal | None = None  # BT-149

    @property
    def net(self) -> Decimal:  # BT-131
        return money(self.quantity * self.price / (self.base_quantity or Decimal(1)))


@dataclass(frozen=True)
class Document:
    number: str  # BT-1
    issue_date: date  # BT-2
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    iban: str  # BT-84
    buyer_reference: str  # BT-10
    order_number: str | None = None  # BT-13
    credit_note: bool = False  # BT-3 381 instead of 380
    preceding_invoice: str | None = None  # BT-25 (credit notes)
    payment_days: int = 30
    note: str | None = None  # BT-22
    totals_override: dict[str, Decimal] = field(default_factory=dict)  # see totals()

    @property
    def root(self) -> str:
        return "CreditNote" if self.credit_note else "Invoice"

    def vat_breakdown(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(rate, taxable amount BT-116, VAT amount BT-117) per rate, VAT rounded per category."""
        taxable: dict[Decimal, Decimal] = {}
        for line in self.lines:
            taxable[line.vat_rate] = taxable.get(line.vat_rate, Decimal(0)) + line.net
        return [(rate, amount, money(amount * rate / 100)) for rate, amount in sorted(taxable.items())]

    def totals(self) -> dict[str, Decimal]:
        net = sum((line.net for line in self.lines), Decimal(0))
        vat = sum((row[2] for row in self.vat_breakdown()), Decimal(0))
        totals = {"line_extension": net, "tax_exclusive": net, "vat": vat, "tax_inclusive": net + vat,
                  "payable": net + vat}
        # Lets a caller write a document whose totals do not add up (a demo of a rejection).
        return {**totals, **self.totals_override}


def to_xml(doc: Document) -> bytes:
    """The document as UBL 2.1 bytes (UTF-8, with declaration)."""
    t = doc.totals()
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<{doc.root} xmlns="{NAMESPACES[doc.root]}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">',
        _el("cbc:CustomizationID", CUSTOMIZATION_ID),
        _el("cbc:ProfileID", PROFILE_ID),
        _el("cbc:ID", doc.number),
        _el("cbc:IssueDate", doc.issue_date.isoformat()),
    ]
    if not doc.credit_note:
        out.append(_el("cbc:DueDate", (doc.issue_date + timedelta(days=doc.payment_days)).isoformat()))
    out.append(_el("cbc:CreditNoteTypeCode" if doc.credit_note else "cbc:InvoiceTypeCode",
                   "381" if doc.credit_note else "380"))
    if doc.note:
        out.append(_el("cbc:Note", doc.note))
    out += [_el("cbc:DocumentCurrencyCode", "EUR"), _el("cbc:BuyerReference", doc.buyer_reference)]
    if doc.order_number:
        out.append(f"<cac:OrderReference>{_el('cbc:ID', doc.order_number)}</cac:OrderReference>")
    if doc.preceding_invoice:
        out.append("<cac:BillingReference><cac:InvoiceDocumentReference>"
                   f"{_el('cbc:ID', doc.preceding_invoice)}</cac:InvoiceDocumentReference></cac:BillingReference>")
    out += [
        f"<cac:AccountingSupplierParty>{_party(doc.seller)}</cac:AccountingSupplierParty>",
        f"<cac:AccountingCustomerParty>{_party(doc.buyer)}</cac:AccountingCustomerParty>",
        "<cac:PaymentMeans>"
        + _el("cbc:PaymentMeansCode", "30", name="Credit transfer")
        + _el("cbc:PaymentID", doc.number)
        + f"<cac:PayeeFinancialAccount>{_el('cbc:ID', doc.iban)}{_el('cbc:Name', doc.seller.name)}"
          "</cac:PayeeFinancialAccount></cac:PaymentMeans>",
    ]
    if not doc.credit_note:
        out.append(f"<cac:PaymentTerms>{_el('cbc:Note', f'Betaling binnen {doc.payment_days} dagen')}</cac:PaymentTerms>")
    out.append("<cac:TaxTotal>" + _amount("cbc:TaxAmount", t["vat"]))
    for rate, taxable, vat in doc.vat_breakdown():
        out.append("<cac:TaxSubtotal>" + _amount("cbc:TaxableAmount", taxable) + _amount("cbc:TaxAmount", vat)
                   + _tax_category("cac:TaxCategory", rate) + "</cac:TaxSubtotal>")
    out.append("</cac:TaxTotal>")
    out.append("<cac:LegalMonetaryTotal>" + _amount("cbc:LineExtensionAmount", t["line_extension"])
               + _amount("cbc:TaxExclusiveAmount", t["tax_exclusive"])
               + _amount("cbc:TaxInclusiveAmount", t["tax_inclusive"])
               + _amount("cbc:PayableAmount", t["payable"]) + "</cac:LegalMonetaryTotal>")
    line_tag, quantity_tag = ("cac:CreditNoteLine", "cbc:CreditedQuantity") if doc.credit_note else (
        "cac:InvoiceLine", "cbc:InvoicedQuantity")
    for line in doc.lines:
        out.append(f"<{line_tag}>" + _el("cbc:ID", line.line_id)
                   + _el(quantity_tag, _number(line.quantity), unitCode=line.unit_code)
                   + _amount("cbc:LineExtensionAmount", line.net))
        if line.order_line:
            out.append(f"<cac:OrderLineReference>{_el('cbc:LineID', line.order_line)}</cac:OrderLineReference>")
        out.append("<cac:Item>" + _el("cbc:Name", line.name))
        if line.seller_item_id:
            out.append(f"<cac:SellersItemIdentification>{_el('cbc:ID', line.seller_item_id)}"
                       "</cac:SellersItemIdentification>")
        out.append(_tax_category("cac:ClassifiedTaxCategory", line.vat_rate) + "</cac:Item>")
        out.append("<cac:Price>" + _el("cbc:PriceAmount", _number(line.price), currencyID="EUR"))
        if line.base_quantity:
            out.append(_el("cbc:BaseQuantity", _number(line.base_quantity), unitCode=line.unit_code))
        out.append(f"</cac:Price></{line_tag}>")
    out.append(f"</{doc.root}>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _party(p: Party) -> str:
    scheme, value = p.endpoint
    legal_scheme, legal_value = p.legal_id
    xml = (f"<cac:Party>{_el('cbc:EndpointID', value, schemeID=scheme)}"
           f"<cac:PartyName>{_el('cbc:Name', p.name)}</cac:PartyName>"
           f"<cac:PostalAddress>{_el('cbc:StreetName', p.street)}{_el('cbc:CityName', p.city)}"
           f"{_el('cbc:PostalZone', p.postal_zone)}<cac:Country>{_el('cbc:IdentificationCode', p.country)}"
           "</cac:Country></cac:PostalAddress>")
    if p.vat_id:
        xml += (f"<cac:PartyTaxScheme>{_el('cbc:CompanyID', p.vat_id)}"
                f"<cac:TaxScheme>{_el('cbc:ID', 'VAT')}</cac:TaxScheme></cac:PartyTaxScheme>")
    xml += (f"<cac:PartyLegalEntity>{_el('cbc:RegistrationName', p.name)}"
            f"{_el('cbc:CompanyID', legal_value, schemeID=legal_scheme)}</cac:PartyLegalEntity></cac:Party>")
    return xml


def _tax_category(tag: str, rate: Decimal) -> str:
    return (f"<{tag}>{_el('cbc:ID', 'S')}{_el('cbc:Percent', _number(rate))}"
            f"<cac:TaxScheme>{_el('cbc:ID', 'VAT')}</cac:TaxScheme></{tag}>")


def _amount(tag: str, value: Decimal) -> str:
    return _el(tag, f"{money(value):.2f}", currencyID="EUR")


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _el(tag: str, text: str, **attributes: str) -> str:
    attrs = "".join(f' {name}="{escape(str(v), {chr(34): "&quot;"})}"' for name, v in attributes.items())
    return f"<{tag}{attrs}>{escape(str(text))}</{tag}>"
