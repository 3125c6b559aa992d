"""A generator of labelled matching cases: suppliers, orders, receipts and real UBL documents.

Each *story* is a short sequence of steps that an ERP and suppliers would send (supplier master data,
a purchase order, goods receipts, Peppol BIS Billing 3.0 invoices and credit notes), and each
document step carries its label: the status it should get when posted, its exact reason codes, and
the status it should end with once the whole story has run (a receipt arriving later re-matches an
invoice under review). The documents are built to pass UBL 2.1 XSD, EN 16931 and Peppol BIS 3.0
(with the Dutch NL-R rules). Deterministic for a given seed.

Used by ``bench/bench_matching.py`` (2,000+ invoices through the HTTP API), by the tests and by
``einvoice matching corpus DIR``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
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

    @property
    def net(self) -> Decimal:
        amount = self.quantity * self.price / (self.base or Decimal(1))
        if self.allowance:
            amount -= self.allowance
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
        return {"line_total": line_total, "excl": excl, "tax": tax_total, "incl": excl + tax_total,
                "subtotals": subtotals}

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
                   f"<cbc:ID>{doc.iban or s.iban}</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>")
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
               + f"<cbc:PayableAmount {_amt(t['incl'], cur)}</cbc:PayableAmount></cac:LegalMonetaryTotal>")
    line_tag, qty_tag = ("CreditNoteLine", "CreditedQuantity") if doc.credit_note else ("InvoiceLine", "InvoicedQuantity")
    for ln in doc.lines:
        part = [f"<cac:{line_tag}><cbc:ID>{ln.line_id}</cbc:ID>",
                f'<cbc:{qty_tag} unitCode="{ln.unit}">{_num(ln.quantity)}</cbc:{qty_tag}>',
                f"<cbc:LineExtensionAmount {_amt(ln.net, cur)}</cbc:LineExtensionAmount>"]
        if ln.order_line:
            part.append(f"<cac:OrderLineReference><cbc:LineID>{ln.order_line}</cbc:LineID></cac:OrderLineReference>")
        if ln.allowance:
            part.append(f"<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>"
                        f"<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>"
                        f"<cbc:AllowanceChargeReason>Korting</cbc:AllowanceChargeReason>"
                        f"<cbc:Amount {_amt(ln.allowance, cur)}</cbc:Amount></cac:AllowanceCharge>")
        part.append(f"<cac:Item><cbc:Name>{escape(ln.name)}</cbc:Name>")
        if ln.seller_item_id:
            part.append(f"<cac:SellersItemIdentification><cbc:ID>{ln.seller_item_id}</cbc:ID></cac:SellersItemIdentification>")
        if ln.gtin:
            part.append(f'<cac:StandardItemIdentification><cbc:ID schemeID="0160">{ln.gtin}</cbc:ID>'
                        f"</cac:StandardItemIdentification>")
        part.append(_cat(ln.vat_rate, "ClassifiedTaxCategory") + "</cac:Item>")
        part.append(f'<cac:Price><cbc:PriceAmount currencyID="{cur}">{_num(ln.price)}</cbc:PriceAmount>'
                    + (f"<cbc:BaseQuantity>{_num(ln.base)}</cbc:BaseQuantity>" if ln.base else "")
                    + f"</cac:Price></cac:{line_tag}>")
        out.append("".join(part))
    out.append(f"</{root}>")
    return "\n".join(out).encode()


# --- orders --------------------------------------------------------------------------------------


@dataclass
class PoLine:
    line_id: str
    name: str
    quantity: Decimal
    unit: str = "C62"
    price: Decimal = Decimal("10.00")
    base: Decimal = Decimal(1)
    vat_rate: Decimal = Decimal(21)
    receipt_required: bool = False
    seller_item_id: str | None = None
    gtin: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"line_id": self.line_id,
                "item": {"name": self.name, "seller_item_id": self.seller_item_id, "standard_item_id": self.gtin},
                "quantity": str(self.quantity), "unit_code": self.unit, "unit_price": str(self.price),
                "base_quantity": str(self.base), "vat_category": "S" if self.vat_rate > 0 else "Z",
                "vat_rate": str(self.vat_rate), "receipt_required": self.receipt_required}

    def invoice_line(self, line_id: str, quantity: Decimal | None = None, *, ref: bool = True, **kw) -> DocLine:
        base = kw.pop("base", self.base if self.base != 1 else None)
        return DocLine(line_id=line_id, quantity=self.quantity if quantity is None else quantity,
                       unit=kw.pop("unit", self.unit), price=kw.pop("price", self.price), name=kw.pop("name", self.name),
                       base=base, order_line=self.line_id if ref else None, vat_rate=kw.pop("vat_rate", self.vat_rate),
                       seller_item_id=kw.pop("seller_item_id", None), gtin=kw.pop("gtin", None), **kw)


@dataclass
class Order:
    number: str
    supplier: SupplierSpec
    lines: list[PoLine]
    currency: str = "EUR"
    status: str = "open"

    def payload(self) -> dict[str, Any]:
        return {"number": self.number, "supplier_id": None, "currency": self.currency,
                "buyer_reference": "GEMEENTE-INKOOP", "status": self.status,
                "lines": [ln.payload() for ln in self.lines]}


# --- steps and stories ---------------------------------------------------------------------------


@dataclass
class Step:
    kind: str  # supplier | order | receipt | standing_order | document
    case: str
    payload: dict[str, Any] | None = None
    supplier: str | None = None  # supplier key whose id the payload needs
    xml: bytes | None = None
    key: str | None = None  # document key (for final-status checks)
    expect_status: str | None = None  # approved | needs_review | rejected (right after posting)
    expect_codes: tuple[str, ...] = ()
    final_status: str | None = None  # status once the whole corpus has run
    credit_note: bool = False


class Corpus:
    """Builds stories; ``steps`` is the ordered list to replay against a service."""

    def __init__(self, seed: int = 2026, suppliers: int = 12) -> None:
        self.rnd = random.Random(seed)
        self.steps: list[Step] = []
        self.suppliers = [SupplierSpec(f"S{i}", f"Leverancier {i} B.V.", _kvk(self.rnd), _btw(self.rnd),
                                       _iban(self.rnd)) for i in range(suppliers)]
        self.stranger = SupplierSpec("X", "Onbekende Handel B.V.", _kvk(self.rnd), _btw(self.rnd), _iban(self.rnd),
                                     known=False)
        for s in self.suppliers:
            self.steps.append(Step("supplier", "setup", payload=s.payload(), supplier=s.key))
        self.n = 0
        self.day = date(2026, 1, 5)
        self.signatures: set[tuple] = set()

    # helpers
    def _next(self) -> int:
        self.n += 1
        return self.n

    def _date(self) -> date:
        self.day += timedelta(days=1) if self.rnd.random() < 0.05 else timedelta(0)
        return self.day

    def _supplier(self) -> SupplierSpec:
        return self.rnd.choice(self.suppliers)

    def _po_lines(self, n: int, receipt: bool = False, unit: str = "C62") -> list[PoLine]:
        lines = []
        for i in range(1, n + 1):
            qty = Decimal(self.rnd.choice([10, 20, 25, 40, 50, 100, 120, 200, 500]))
            price = Decimal(self.rnd.randint(150, 25000)) / 100
            lines.append(PoLine(str(i * 10), f"Artikel {self.n}-{i} {self.rnd.choice(['stoel', 'papier', 'toner', 'kabel', 'lamp', 'bureau'])}",
                                qty, unit, price, receipt_required=receipt))
        return lines

    def order(self, case: str, supplier: SupplierSpec, lines: list[PoLine], **kw) -> Order:
        o = Order(f"PO-{case[:10].upper()}-{self._next():05d}", supplier, lines, **kw)
        self.steps.append(Step("order", case, payload=o.payload(), supplier=supplier.key))
        return o

    def receipt(self, case: str, order: Order, quantities: dict[str, Decimal]) -> None:
        self.steps.append(Step("receipt", case, payload={
            "receipt_id": f"GR-{self._next():06d}", "po_number": order.number, "date": self.day.isoformat(),
            "lines": [{"po_line_id": k, "quantity": str(v)} for k, v in quantities.items()]}))

    def document(self, case: str, doc: Doc, status: str, codes: tuple[str, ...] = (), final: str | None = None,
                 *, same_as_before: bool = False) -> Doc:
        # Same seller + BT-112 + BT-2 under another number is a suspected duplicate: only the cases
        # that mean it may produce one; the others move to the next free day.
        while not same_as_before and ((doc.supplier.key, doc.credit_note, doc.issue_date,
                                              doc.totals()["incl"])) in self.signatures:
            doc.issue_date += timedelta(days=1)
        self.signatures.add((doc.supplier.key, doc.credit_note, doc.issue_date, doc.totals()["incl"]))
        key = f"{doc.supplier.key}/{doc.number}/{self.n}"
        self.steps.append(Step("document", case, xml=doc.to_xml(), supplier=doc.supplier.key, key=key,
                               expect_status=status, expect_codes=tuple(sorted(codes)), final_status=final or status,
                               credit_note=doc.credit_note))
        return doc

    def doc(self, supplier: SupplierSpec, lines: list[DocLine], po: str | None, **kw) -> Doc:
        return Doc(number=f"F{self._next():06d}", supplier=supplier, issue_date=self._date(), lines=lines, po=po, **kw)

    def invoice_for(self, order: Order, fractions: Decimal = Decimal(1), **kw) -> Doc:
        lines = [pl.invoice_line(str(i), r2(pl.quantity * fractions)) for i, pl in enumerate(order.lines, 1)]
        return self.doc(order.supplier, lines, order.number, **kw)

    # --- the catalogue ------------------------------------------------------------------------
    def clean_2way(self):
        o = self.order("clean_2way", self._supplier(), self._po_lines(self.rnd.randint(1, 10)))
        self.document("clean_2way", self.invoice_for(o), "approved")

    def clean_3way(self):
        o = self.order("clean_3way", self._supplier(), self._po_lines(self.rnd.randint(1, 6), receipt=True))
        self.receipt("clean_3way", o, {ln.line_id: ln.quantity for ln in o.lines})
        self.document("clean_3way", self.invoice_for(o), "approved")

    def partial_over_time(self):
        o = self.order("partial", self._supplier(), self._po_lines(self.rnd.randint(1, 4), receipt=True))
        self.receipt("partial", o, {ln.line_id: r2(ln.quantity * Decimal("0.4")) for ln in o.lines})
        self.document("partial", self.invoice_for(o, Decimal("0.4")), "approved")
        self.receipt("partial", o, {ln.line_id: ln.quantity - r2(ln.quantity * Decimal("0.4")) for ln in o.lines})
        lines = [pl.invoice_line(str(i), pl.quantity - r2(pl.quantity * Decimal("0.4"))) for i, pl in enumerate(o.lines, 1)]
        self.document("partial", self.doc(o.supplier, lines, o.number), "approved")

    def several_invoices(self):
        o = self.order("several", self._supplier(), self._po_lines(1))
        q = o.lines[0].quantity
        parts = [r2(q * Decimal("0.3")), r2(q * Decimal("0.25"))]
        parts.append(q - sum(parts))
        for p in parts:
            self.document("several", self.doc(o.supplier, [o.lines[0].invoice_line("1", p)], o.number), "approved")

    def price(self):
        o = self.order("price", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        choice = self.rnd.choice(["under", "within", "over"])
        factor = {"under": Decimal("0.95"), "within": Decimal("1.015"), "over": Decimal("1.05")}[choice]
        price = (pl.price * factor).quantize(Decimal("0.0001"))
        doc = self.doc(o.supplier, [pl.invoice_line("1", price=price)], o.number)
        if choice == "over":
            self.document("price_over", doc, "needs_review", ("PRICE_VARIANCE",))
        else:
            self.document(f"price_{choice}", doc, "approved")

    def price_per_base(self):
        s = self._supplier()
        pl = PoLine("1", "Enveloppen C5", Decimal(5000), "C62", Decimal("2.50"), base=Decimal(100))
        o = self.order("price_base", s, [pl])
        if self.rnd.random() < 0.5:  # per 100, as the order
            line = pl.invoice_line("1", Decimal(2000), price=Decimal("2.50"), base=Decimal(100))
        else:  # per piece
            line = pl.invoice_line("1", Decimal(2000), price=Decimal("0.025"), base=None)
        self.document("price_base", self.doc(s, [line], o.number), "approved")

    def units(self):
        s = self._supplier()
        kind = self.rnd.choice(["kg-g", "m-cm", "l-ml", "ea-c62", "kg-l"])
        if kind == "kg-g":
            pl = PoLine("1", "Strooizout", Decimal(500), "KGM", Decimal("0.80"))
            line = pl.invoice_line("1", Decimal(250000), unit="GRM", price=Decimal("0.0008"))
        elif kind == "m-cm":
            pl = PoLine("1", "Kabel", Decimal(100), "MTR", Decimal("3.00"))
            line = pl.invoice_line("1", Decimal(5000), unit="CMT", price=Decimal("0.03"))
        elif kind == "l-ml":
            pl = PoLine("1", "Reiniger", Decimal(20), "LTR", Decimal("4.00"))
            line = pl.invoice_line("1", Decimal(10000), unit="MLT", price=Decimal("0.004"))
        elif kind == "ea-c62":
            pl = PoLine("1", "Stoel", Decimal(12), "EA", Decimal("89.00"))
            line = pl.invoice_line("1", Decimal(12), unit="H87")
        else:
            pl = PoLine("1", "Reiniger", Decimal(20), "KGM", Decimal("4.00"))
            line = pl.invoice_line("1", Decimal(20), unit="LTR")
        o = self.order("units", s, [pl])
        doc = self.doc(s, [line], o.number)
        if kind == "kg-l":
            self.document("unit_mismatch", doc, "needs_review", ("UNIT_MISMATCH",))
        else:
            self.document("units_convert", doc, "approved")

    def quantity_over(self):
        o = self.order("qty", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        if self.rnd.random() < 0.5:
            self.document("qty_over_alone", self.doc(o.supplier, [pl.invoice_line("1", pl.quantity + 5)], o.number),
                          "needs_review", ("QUANTITY_EXCEEDS_ORDERED",))
        else:
            first = r2(pl.quantity * Decimal("0.6"))
            self.document("qty_over_cumul", self.doc(o.supplier, [pl.invoice_line("1", first)], o.number), "approved")
            second = r2(pl.quantity * Decimal("0.5"))  # 110 % in total (another amount: no duplicate)
            self.document("qty_over_cumul", self.doc(o.supplier, [pl.invoice_line("1", second)], o.number),
                          "needs_review", ("QUANTITY_EXCEEDS_ORDERED",))

    def not_received(self):
        o = self.order("not_recv", self._supplier(), self._po_lines(self.rnd.randint(1, 3), receipt=True))
        later = self.rnd.random() < 0.6
        self.document("not_received_later" if later else "not_received", self.invoice_for(o), "needs_review",
                      ("NOT_RECEIVED",), final="approved" if later else "needs_review")
        if later:
            self.receipt("received_later", o, {ln.line_id: ln.quantity for ln in o.lines})

    def over_received(self):
        o = self.order("over_recv", self._supplier(), self._po_lines(1, receipt=True))
        pl = o.lines[0]
        self.receipt("over_received", o, {pl.line_id: r2(pl.quantity / 2)})
        self.document("over_received", self.invoice_for(o), "needs_review", ("QUANTITY_EXCEEDS_RECEIVED",))

    def no_po(self):
        s = self._supplier()
        line = DocLine("1", Decimal(1), "C62", Decimal("1250.00"), "Huur kantoorruimte")
        if self.rnd.random() < 0.5:
            self.document("no_po", self.doc(s, [line], None, buyer_reference=f"GEEN-ORDER-{self.n}"), "needs_review",
                          ("PO_REFERENCE_MISSING",))
            return
        ref = f"HUUR-{self._next():05d}"
        self.steps.append(Step("standing_order", "standing_order", supplier=s.key, payload={
            "supplier_id": None, "name": "Huur", "buyer_reference": ref, "expected_amount": "1250.00",
            "currency": "EUR", "period": "month"}))
        self.document("standing_order", self.doc(s, [line], None, buyer_reference=ref), "approved")
        over = DocLine("1", Decimal(1), "C62", Decimal("1400.00"), "Huur kantoorruimte")
        self.day += timedelta(days=31)
        self.document("standing_order_over", self.doc(s, [over], None, buyer_reference=ref), "needs_review",
                      ("PO_REFERENCE_MISSING",))

    def unknown_order(self):
        s = self._supplier()
        self.document("unknown_order", self.doc(s, [DocLine("1", Decimal(3), "C62", Decimal("12.00"), "Pen")],
                                                f"PO-UNKNOWN-{self._next()}"), "needs_review", ("PO_NOT_FOUND",))

    def closed_order(self):
        o = self.order("closed", self._supplier(), self._po_lines(2), status="closed")
        self.document("closed_order", self.invoice_for(o), "needs_review", ("PO_CLOSED",))

    def wrong_supplier(self):
        a, b = self.rnd.sample(self.suppliers, 2)
        o = self.order("wrong_sup", a, self._po_lines(2))
        lines = [pl.invoice_line(str(i)) for i, pl in enumerate(o.lines, 1)]
        self.document("wrong_supplier", self.doc(b, lines, o.number), "needs_review", ("SUPPLIER_MISMATCH",))

    def currency(self):
        o = self.order("currency", self._supplier(), self._po_lines(2))
        self.document("currency", self.invoice_for(o, currency="USD"), "needs_review", ("CURRENCY_MISMATCH",))

    def vat_rate(self):
        o = self.order("vat", self._supplier(), self._po_lines(2))
        lines = [pl.invoice_line(str(i), vat_rate=Decimal(9) if i == 1 else pl.vat_rate) for i, pl in enumerate(o.lines, 1)]
        self.document("vat_rate", self.doc(o.supplier, lines, o.number), "needs_review", ("VAT_MISMATCH",))

    def freight(self):
        s = self._supplier()
        lines = self._po_lines(2)
        on_po = self.rnd.random() < 0.4
        if on_po:
            lines.append(PoLine("99", "Vracht", Decimal(1), "C62", Decimal("45.00")))
        o = self.order("freight", s, lines)
        inv_lines = [pl.invoice_line(str(i)) for i, pl in enumerate(o.lines[:2], 1)]
        doc = self.doc(s, inv_lines, o.number, freight=Decimal("45.00"))
        if on_po:
            self.document("freight_on_po", doc, "approved")
        else:
            self.document("freight_not_on_po", doc, "needs_review", ("CHARGE_NOT_ON_PO",))

    def rounding(self):
        s = self._supplier()
        lines = self._po_lines(2)
        lines[1].vat_rate = Decimal(9)
        o = self.order("rounding", s, lines)
        within = self.rnd.random() < 0.5
        skew = {Decimal(21): Decimal("0.40")} if within else {Decimal(21): Decimal("0.90"), Decimal(9): Decimal("0.90")}
        doc = self.invoice_for(o, vat_skew=skew)
        if within:
            self.document("rounding_within", doc, "approved")
        else:
            self.document("rounding_beyond", doc, "needs_review", ("TOTAL_VARIANCE",))

    def credit_note(self):
        o = self.order("credit", self._supplier(), self._po_lines(self.rnd.randint(1, 3)))
        inv = self.document("credit_invoice", self.invoice_for(o), "approved")
        pl = o.lines[0]
        returned = max(Decimal(1), r2(pl.quantity / 5))
        cn = self.doc(o.supplier, [pl.invoice_line("1", returned)], o.number, credit_note=True, preceding=inv.number)
        self.document("credit_note_return", cn, "approved")
        # the returned quantity can be invoiced again
        self.document("credit_reinvoice", self.doc(o.supplier, [pl.invoice_line("1", returned)], o.number), "approved")

    def credit_unmatched(self):
        s = self._supplier()
        cn = self.doc(s, [DocLine("1", Decimal(2), "C62", Decimal("15.00"), "Retour")], None, credit_note=True,
                      preceding=f"NIET-BESTAAND-{self.n}")
        self.document("credit_unmatched", cn, "needs_review", ("CREDIT_NOTE_UNMATCHED",))

    def duplicates(self):
        o = self.order("dup", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        half = r2(pl.quantity * Decimal("0.4"))
        first = self.doc(o.supplier, [pl.invoice_line("1", half)], o.number)
        self.document("dup_first", first, "approved")
        if self.rnd.random() < 0.5:
            # exactly the same number again, other bytes (another note on the buyer reference)
            again = Doc(**{**first.__dict__, "buyer_reference": "GEMEENTE-INKOOP-2"})
            self.document("exact_duplicate", again, "rejected", ("DUPLICATE_INVOICE",), same_as_before=True)
        else:
            other = Doc(**{**first.__dict__, "number": f"F{self._next():06d}"})
            self.document("suspected_duplicate", other, "needs_review", ("DUPLICATE_SUSPECTED",), same_as_before=True)

    def unknown_iban(self):
        o = self.order("iban", self._supplier(), self._po_lines(2))
        self.document("unknown_iban", self.invoice_for(o, iban=_iban(self.rnd, "RABO")), "needs_review",
                      ("BANK_ACCOUNT_UNVERIFIED",))

    def ambiguous(self):
        s = self._supplier()
        lines = [PoLine("1", "Koffiebekers", Decimal(100), price=Decimal("0.20")),
                 PoLine("2", "Koffiebekers", Decimal(200), price=Decimal("0.20"))]
        o = self.order("ambiguous", s, lines)
        line = lines[0].invoice_line("1", Decimal(50), ref=False)
        self.document("ambiguous_lines", self.doc(s, [line], o.number), "needs_review", ("LINE_AMBIGUOUS",))

    def without_bt132(self):
        s = self._supplier()
        lines = self._po_lines(3)
        lines[0].seller_item_id = f"ART-{self.n}"
        lines[1].gtin = _gtin(self.rnd)
        o = self.order("no_bt132", s, lines)
        inv = [lines[0].invoice_line("1", ref=False, seller_item_id=lines[0].seller_item_id),
               lines[1].invoice_line("2", ref=False, gtin=lines[1].gtin),
               lines[2].invoice_line("3", ref=False)]
        self.document("lines_without_bt132", self.doc(s, inv, o.number), "approved")

    def unknown_supplier(self):
        o = self.order("unk_sup", self._supplier(), self._po_lines(1))
        lines = [o.lines[0].invoice_line("1")]
        self.document("supplier_unknown", self.doc(self.stranger, lines, o.number), "needs_review", ("SUPPLIER_UNKNOWN",))

    def line_not_matched(self):
        o = self.order("not_matched", self._supplier(), self._po_lines(2))
        lines = [o.lines[0].invoice_line("1"), DocLine("2", Decimal(1), "C62", Decimal("30.00"), "Iets anders", order_line="777")]
        self.document("line_not_matched", self.doc(o.supplier, lines, o.number), "needs_review", ("LINE_NOT_MATCHED",))

    def line_allowance(self):
        o = self.order("allowance", self._supplier(), self._po_lines(1))
        pl = o.lines[0]
        line = pl.invoice_line("1", price=r2(pl.price * Decimal("1.04")), allowance=r2(pl.quantity * pl.price * Decimal("0.03")))
        self.document("line_allowance", self.doc(o.supplier, [line], o.number), "approved")

    CATALOGUE = ("clean_2way", "clean_3way", "partial_over_time", "several_invoices", "price", "price_per_base",
                 "units", "quantity_over", "not_received", "over_received", "no_po", "unknown_order",
                 "closed_order", "wrong_supplier", "currency", "vat_rate", "freight", "rounding", "credit_note",
                 "credit_unmatched", "duplicates", "unknown_iban", "ambiguous", "without_bt132",
                 "unknown_supplier", "line_not_matched", "line_allowance")
    # clean traffic dominates real life; weights keep every case present in a small corpus too
    WEIGHTS = {"clean_2way": 4, "clean_3way": 3, "partial_over_time": 2, "several_invoices": 2}

    def build(self, documents: int) -> list[Step]:
        """Stories until at least ``documents`` documents: first one of each case, then weighted draws."""
        order = list(self.CATALOGUE)
        pool = [c for c in self.CATALOGUE for _ in range(self.WEIGHTS.get(c, 1))]
        i = 0
        while self.count() < documents:
            case = order[i] if i < len(order) else self.rnd.choice(pool)
            getattr(self, case)()
            i += 1
        return self.steps

    def count(self) -> int:
        return sum(1 for s in self.steps if s.kind == "document")


def build_corpus(documents: int = 2000, seed: int = 2026) -> Corpus:
    corpus = Corpus(seed)
    corpus.build(documents)
    return corpus


def iter_documents(steps: list[Step]) -> Iterator[Step]:
    return (s for s in steps if s.kind == "document")


# --- replaying a corpus against a running service -----------------------------------------------


@dataclass
class Outcome:
    step: Step
    http_status: int
    invoice_id: str | None
    status: str | None
    codes: tuple[str, ...]
    final: str | None = None
    seconds: float = 0.0

    @property
    def should_approve(self) -> bool:
        return self.step.final_status == "approved"

    @property
    def status_ok(self) -> bool:
        return self.status == self.step.expect_status and (self.final or self.status) == self.step.final_status

    @property
    def codes_ok(self) -> bool:
        return tuple(sorted(set(self.codes))) == self.step.expect_codes


class CorpusRunner:
    """Posts a corpus through the HTTP API with any client that has ``post``/``get`` (httpx, TestClient)."""

    def __init__(self, client: Any, *, erp: dict[str, str], gateway: dict[str, str]) -> None:
        self.client, self.erp, self.gateway = client, erp, gateway
        self.supplier_ids: dict[str, str] = {}
        self.outcomes: list[Outcome] = []

    def _ok(self, response, what: str) -> dict[str, Any]:
        if response.status_code >= 300:
            raise RuntimeError(f"{what}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json()

    def run(self, steps: list[Step]) -> list[Outcome]:
        import time

        for step in steps:
            if step.kind == "supplier":
                body = self._ok(self.client.post("/v1/suppliers", json=step.payload, headers=self.erp), "supplier")
                self.supplier_ids[step.supplier] = body["id"]
            elif step.kind in ("order", "standing_order"):
                payload = dict(step.payload, supplier_id=self.supplier_ids[step.supplier])
                url = "/v1/purchase-orders" if step.kind == "order" else "/v1/standing-orders"
                self._ok(self.client.post(url, json=payload, headers=self.erp), step.kind)
            elif step.kind == "receipt":
                self._ok(self.client.post("/v1/goods-receipts", json=step.payload, headers=self.erp), "receipt")
            elif step.kind == "document":
                started = time.perf_counter()
                r = self.client.post("/v1/invoices", content=step.xml,
                                     headers={**self.gateway, "Content-Type": "application/xml"})
                elapsed = time.perf_counter() - started
                body = r.json()
                resource = body.get("invoice", body) if r.status_code >= 400 else body
                codes = tuple(x.get("code") for x in resource.get("reasons") or [] if x.get("code"))
                self.outcomes.append(Outcome(step, r.status_code, resource.get("id"), resource.get("status"),
                                             codes, seconds=elapsed))
        for o in self.outcomes:
            if o.invoice_id and o.step.final_status != o.step.expect_status:
                body = self._ok(self.client.get(f"/v1/invoices/{o.invoice_id}", headers=self.erp), "invoice")
                o.final = body.get("status")
        return self.outcomes


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Straight-through rate, false approvals and reason-code accuracy of a run."""
    should_approve = [o for o in outcomes if o.should_approve]
    should_flag = [o for o in outcomes if not o.should_approve]
    approved = [o for o in should_approve if (o.final or o.status) == "approved"]
    false_approvals = [o for o in should_flag if (o.final or o.status) == "approved" or o.status == "approved"]
    exact = [o for o in outcomes if o.codes_ok and o.status == o.step.expect_status]
    per_case: dict[str, list[int]] = {}
    for o in outcomes:
        ok = o.codes_ok and o.status_ok
        per_case.setdefault(o.step.case, [0, 0])
        per_case[o.step.case][0] += ok
        per_case[o.step.case][1] += 1
    return {
        "documents": len(outcomes),
        "should_approve": len(should_approve),
        "approved_automatically": len(approved),
        "straight_through_rate": len(approved) / len(should_approve) if should_approve else 1.0,
        "should_flag": len(should_flag),
        "false_approvals": len(false_approvals),
        "reason_code_accuracy": len(exact) / len(outcomes) if outcomes else 1.0,
        "per_case": per_case,
        "mismatches": [(o.step.case, o.step.expect_status, o.step.expect_codes, o.status, o.final, o.codes)
                       for o in outcomes if not (o.codes_ok and o.status_ok)],
    }
