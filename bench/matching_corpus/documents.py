"""Parties and real Peppol BIS Billing 3.0 UBL documents of the labelled matching corpus."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

CENT = Decimal("0.01")
BUYER_KVK = "01234567"  # the municipality (KvK scheme 0106, as NL-R-005 asks)


def r2(v: Decimal) -> Decimal:
    return v.quantize(CENT, rounding=ROUND_HALF_UP)


def _kvk(rnd: random.Random) -> str:
    return f"{rnd.randint(10000000, 99999999)}"


def _btw(rnd: random.Random) -> str:
    """A Dutch VAT id that passes the 11-test (NL + 9 digits + B + 2 digits)."""
    while True:
        digits = [rnd.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1)))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "NL" + "".join(map(str, digits)) + str(last) + "B01"


def _iban(rnd: random.Random, bank: str = "INGB") -> str:
    account = f"{rnd.randint(0, 9_999_999_999):010d}"
    letters = "".join(str(ord(c) - 55) for c in bank)
    num = int(letters + account + "232100")  # N=23 L=21 + "00"
    check = 98 - num % 97
    return f"NL{check:02d}{bank}{account}"


def _gtin(rnd: random.Random) -> str:
    body = [rnd.randint(0, 9) for _ in range(12)]
    body[0] = 8
    body[1] = 7
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(body))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


# --- the parties ---------------------------------------------------------------------------------


@dataclass
class SupplierSpec:
    key: str
    name: str
    kvk: str
    vat: str
    iban: str
    known: bool = True

    def payload(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "identifiers": [{"scheme": "0106", "value": self.kvk}, {"scheme": "VAT", "value": self.vat}],
            "electronic_address": {"scheme": "0106", "value": self.kvk},
            "bank_accounts": [{"iban": self.iban}],
        }


# --- documents -----------------------------------------------------------------------------------


@dataclass
class DocLine:
    line_id: str
    quantity: Decimal
    unit: str
    price: Decimal  # BT-146
    name: str
    base: Decimal | None = None  # BT-149
    order_line: str | None = None  # BT-132
    seller_item_id: str | None = None
    gtin: str | None = None
    vat_rate: Decimal = Decimal(21)
    allowance: Decimal | None = None  # one line allowance (BG-27)
    charge: Decimal | None = None  # one line charge (BG-28)
    gross: Decimal | None = None  # BT-148 gross price; BT-147 discount = gross - price

    @property
    def net(self) -> Decimal:
        amount = self.quantity * self.price / (self.base or Decimal(1))
        if self.allowance:
            amount -= self.allowance
        if self.charge:
            amount += self.charge
        return r2(amount)


@dataclass
class Doc:
    number: str
    supplier: SupplierSpec
    issue_date: date
    lines: list[DocLine]
    po: str | None = None
    currency: str = "EUR"
    credit_note: bool = False
    preceding: str | None = None
    buyer_reference: str = "GEMEENTE-INKOOP"
    contract: str | None = None
    iban: str | None = None  # default: the supplier's
    freight: Decimal | None = None  # document-level charge
    vat_skew: dict[Decimal, Decimal] = field(default_factory=dict)  # rate -> cents added to BT-117 (rounding)
    prepaid: Decimal | None = None  # BT-113
    rounding: Decimal | None = None  # BT-114

    def totals(self) -> dict[str, Any]:
        cats: dict[Decimal, Decimal] = {}
        for ln in self.lines:
            cats[ln.vat_rate] = cats.get(ln.vat_rate, Decimal(0)) + ln.net
        if self.freight:
            cats[Decimal(21)] = cats.get(Decimal(21), Decimal(0)) + self.freight
        line_total = sum((ln.net for ln in self.lines), Decimal(0))
        excl = line_total + (self.freight or Decimal(0))
        subtotals = []
        for rate in sorted(cats):
            tax = r2(cats[rate] * rate / 100) + self.vat_skew.get(rate, Decimal(0))
            subtotals.append((rate, cats[rate], tax))
        tax_total = sum((t for _, _, t in subtotals), Decimal(0))
        incl = excl + tax_total
        return {"line_total": line_total, "excl": excl, "tax": tax_total, "incl": incl,
                "payable": incl - (self.prepaid or 0) + (self.rounding or 0), "subtotals": subtotals}

    def to_xml(self) -> bytes:
        return render(self)


NS = ('xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
      'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"')


def _amt(v: Decimal, cur: str) -> str:
    return f'currencyID="{cur}">{r2(v)}'


def _num(v: Decimal) -> str:
    v = v.normalize()
    if v.as_tuple().exponent > 0:
        v = v.quantize(Decimal(1))
    return format(v, "f")


def _cat(rate: Decimal, tag: str = "TaxCategory") -> str:
    code = "S" if rate > 0 else "Z"
    return (f"<cac:{tag}><cbc:ID>{code}</cbc:ID><cbc:Percent>{_num(rate)}</cbc:Percent>"
            f"<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{tag}>")


def _party(name: str, kvk: str, vat: str | None, street: str, city: str, zone: str) -> str:
    tax = (f"<cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
           f"</cac:TaxScheme></cac:PartyTaxScheme>") if vat else ""
    return (f'<cac:Party><cbc:EndpointID schemeID="0106">{kvk}</cbc:EndpointID>'
            f"<cac:PartyName><cbc:Name>{escape(name)}</cbc:Name></cac:PartyName>"
            f"<cac:PostalAddress><cbc:StreetName>{street}</cbc:StreetName><cbc:CityName>{city}</cbc:CityName>"
            f"<cbc:PostalZone>{zone}</cbc:PostalZone><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode>"
            f"</cac:Country></cac:PostalAddress>{tax}"
            f"<cac:PartyLegalEntity><cbc:RegistrationName>{escape(name)}</cbc:RegistrationName>"
            f'<cbc:CompanyID schemeID="0106">{kvk}</cbc:CompanyID></cac:PartyLegalEntity></cac:Party>')


def render(doc: Doc) -> bytes:
    cur = doc.currency
    t = doc.totals()
    root = "CreditNote" if doc.credit_note else "Invoice"
    ns_root = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{ns_root}" {NS}>',
           "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
           "</cbc:CustomizationID>",
           "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>",
           f"<cbc:ID>{escape(doc.number)}</cbc:ID>",
           f"<cbc:IssueDate>{doc.issue_date.isoformat()}</cbc:IssueDate>"]
    if doc.credit_note:
        out.append("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>")
    else:
        out.append(f"<cbc:DueDate>{(doc.issue_date + timedelta(days=30)).isoformat()}</cbc:DueDate>")
        out.append("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>")
    out.append(f"<cbc:DocumentCurrencyCode>{cur}</cbc:DocumentCurrencyCode>")
    out.append(f"<cbc:BuyerReference>{escape(doc.buyer_reference)}</cbc:BuyerReference>")
    if doc.po:
        out.append(f"<cac:OrderReference><cbc:ID>{escape(doc.po)}</cbc:ID></cac:OrderReference>")
    if doc.preceding:
        out.append(f"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{escape(doc.preceding)}"
                   f"</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>")
    if doc.contract:
        out.append(f"<cac:ContractDocumentReference><cbc:ID>{escape(doc.contract)}</cbc:ID>"
                   f"</cac:ContractDocumentReference>")
    s = doc.supplier
    out.append("<cac:AccountingSupplierParty>" + _party(s.name, s.kvk, s.vat, "Industrieweg 1", "Utrecht", "3542 AA")
               + "</cac:AccountingSupplierParty>")
    out.append("<cac:AccountingCustomerParty>" + _party("Gemeente Voorbeeld", BUYER_KVK, None, "Stadhuisplein 1",
                                                        "Voorbeeld", "1234 AB") + "</cac:AccountingCustomerParty>")
    if not doc.credit_note:
        out.append(f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
                   f"<cbc:PaymentID>{escape(doc.number)}</cbc:PaymentID><cac:PayeeFinancialAccount>"
                   f"<cbc:ID>{escape(doc.iban or s.iban)}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>")
    if doc.freight:
        out.append(f"<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
                   f"<cbc:AllowanceChargeReasonCode>FC</cbc:AllowanceChargeReasonCode>"
                   f"<cbc:AllowanceChargeReason>Vracht</cbc:AllowanceChargeReason>"
                   f"<cbc:Amount {_amt(doc.freight, cur)}</cbc:Amount>{_cat(Decimal(21))}</cac:AllowanceCharge>")
    out.append(f"<cac:TaxTotal><cbc:TaxAmount {_amt(t['tax'], cur)}</cbc:TaxAmount>")
    for rate, base, tax in t["subtotals"]:
        out.append(f"<cac:TaxSubtotal><cbc:TaxableAmount {_amt(base, cur)}</cbc:TaxableAmount>"
                   f"<cbc:TaxAmount {_amt(tax, cur)}</cbc:TaxAmount>{_cat(rate)}</cac:TaxSubtotal>")
    out.append("</cac:TaxTotal>")
    out.append(f"<cac:LegalMonetaryTotal><cbc:LineExtensionAmount {_amt(t['line_total'], cur)}</cbc:LineExtensionAmount>"
               f"<cbc:TaxExclusiveAmount {_amt(t['excl'], cur)}</cbc:TaxExclusiveAmount>"
               f"<cbc:TaxInclusiveAmount {_amt(t['incl'], cur)}</cbc:TaxInclusiveAmount>"
               + (f"<cbc:ChargeTotalAmount {_amt(doc.freight, cur)}</cbc:ChargeTotalAmount>" if doc.freight else "")
               + (f"<cbc:PrepaidAmount {_amt(doc.prepaid, cur)}</cbc:PrepaidAmount>" if doc.prepaid else "")
               + (f"<cbc:PayableRoundingAmount {_amt(doc.rounding, cur)}</cbc:PayableRoundingAmount>"
                  if doc.rounding else "")
               + f"<cbc:PayableAmount {_amt(t['payable'], cur)}</cbc:PayableAmount></cac:LegalMonetaryTotal>")
    line_tag, qty_tag = ("CreditNoteLine", "CreditedQuantity") if doc.credit_note else ("InvoiceLine", "InvoicedQuantity")
    for ln in doc.lines:
        part = [f"<cac:{line_tag}><cbc:ID>{ln.line_id}</cbc:ID>",
                f'<cbc:{qty_tag} unitCode="{ln.unit}">{_num(ln.quantity)}</cbc:{qty_tag}>',
                f"<cbc:LineExtensionAmount {_amt(ln.net, cur)}</cbc:LineExtensionAmount>"]
        if ln.order_line:
            part.append(f"<cac:OrderLineReference><cbc:LineID>{escape(ln.order_line)}</cbc:LineID>"
                        f"</cac:OrderLineReference>")
        if ln.allowance:
            part.append(f"<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
                        f"<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>"
                        f"<cbc:AllowanceChargeReason>Korting</cbc:AllowanceChargeReason>"
                        f"<cbc:Amount {_amt(ln.allowance, cur)}</cbc:Amount></cac:AllowanceCharge>")
        if ln.charge:
            part.append(f"<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>"
                        f"<cbc:AllowanceChargeReasonCode>SAA</cbc:AllowanceChargeReasonCode>"
                        f"<cbc:AllowanceChargeReason>Toeslag kleine order</cbc:AllowanceChargeReason>"
                        f"<cbc:Amount {_amt(ln.charge, cur)}</cbc:Amount></cac:AllowanceCharge>")
        part.append(f"<cac:Item><cbc:Name>{escape(ln.name)}</cbc:Name>")
        if ln.seller_item_id:
            part.append(f"<cac:SellersItemIdentification><cbc:ID>{ln.seller_item_id}</cbc:ID></cac:SellersItemIdentification>")
        if ln.gtin:
            part.append(f'<cac:StandardItemIdentification><cbc:ID schemeID="0160">{ln.gtin}</cbc:ID>'
                        f"</cac:StandardItemIdentification>")
        part.append(_cat(ln.vat_rate, "ClassifiedTaxCategory") + "</cac:Item>")
        part.append(f'<cac:Price><cbc:PriceAmount currencyID="{cur}">{_num(ln.price)}</cbc:PriceAmount>'
                    + (f'<cbc:BaseQuantity unitCode="{ln.unit}">{_num(ln.base)}</cbc:BaseQuantity>' if ln.base else "")
                    + (f"<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
                       f'<cbc:Amount currencyID="{cur}">{_num(ln.gross - ln.price)}</cbc:Amount>'
                       f'<cbc:BaseAmount currencyID="{cur}">{_num(ln.gross)}</cbc:BaseAmount></cac:AllowanceCharge>'
                       if ln.gross else "")
                    + f"</cac:Price></cac:{line_tag}>")
        out.append("".join(part))
    out.append(f"</{root}>")
    return "\n".join(out).encode()
