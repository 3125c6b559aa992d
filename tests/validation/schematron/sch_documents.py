"""Documents for the Schematron tests: the artefacts' examples, broken variants, big invoices."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INV = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CN = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {"cbc": CBC, "cac": CAC, "inv": INV, "cn": CN}

PEPPOL_BASE = "peppol-bis-billing-3/rules/examples/base-example.xml"
PEPPOL_CN = "peppol-bis-billing-3/rules/examples/base-creditnote-correction.xml"
VAT_Z = "peppol-bis-billing-3/rules/examples/vat-category-Z.xml"
VAT_E = "peppol-bis-billing-3/rules/examples/vat-category-E.xml"
SI_BASE = "nlcius-testset/SI-UBL-2.0/SI-UBL-2.0_ok_base.xml"
SI_FULL = "nlcius-testset/SI-UBL-2.0/SI-UBL-2.0_ok_full.xml"
SI_GACCOUNT = "nlcius-testset/si-ubl-2.0-ext-gaccount/si-ubl-2.0-ext-gaccount_ok_sample.xml"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def example_documents(artifacts: Path) -> list[Path]:
    """Every UBL Invoice / CreditNote document in the artefacts mirror."""
    found = []
    for path in sorted(artifacts.rglob("*")):
        if path.suffix.lower() != ".xml" or not path.is_file() or "codelist" in path.parts:
            continue
        try:
            root = etree.parse(str(path), _PARSER).getroot()
        except etree.XMLSyntaxError:
            continue
        if root.tag in (f"{{{INV}}}Invoice", f"{{{CN}}}CreditNote"):
            found.append(path)
    return found


def _x(tree: etree._Element, path: str) -> list[etree._Element]:
    return tree.xpath(path, namespaces=NS)


def _remove(path: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        nodes = _x(root, path)
        assert nodes, path
        for n in nodes:
            n.getparent().remove(n)

    return mutate


def _set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        nodes = _x(root, path)
        assert nodes, path
        for n in nodes:
            n.text = value

    return mutate


def _set_attr(path: str, name: str, value: str | None) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        nodes = _x(root, path)
        assert nodes, path
        for n in nodes:
            if value is None:
                n.attrib.pop(name, None)
            else:
                n.set(name, value)

    return mutate


def _all(*fns: Callable[[etree._Element], None]) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for fn in fns:
            fn(root)

    return mutate


def _duplicate(path: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        node = _x(root, path)[0]
        node.addnext(copy.deepcopy(node))

    return mutate


_NL_SUPPLIER = _all(
    _set_text("/*/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode", "NL"),
    _set_text("/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", "NL123456789B01"),
)


def _national(code: str, vat_prefix: str) -> Callable[[etree._Element], None]:
    """Supplier and customer in one country, the supplier's VAT number with that country's prefix:
    the Peppol rules' national patterns (guarded by predicates on global variables) apply."""
    return _all(
        _set_text("/*/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode", code),
        _set_text("/*/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode", code),
        _set_text("/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", f"{vat_prefix}123456789"),
    )


@dataclass(frozen=True)
class Variant:
    """A broken example: ``expect`` are rule ids the named rule set must report."""

    name: str
    base: str
    mutate: Callable[[etree._Element], None]
    expect_en16931: tuple[str, ...] = ()
    expect_peppol: tuple[str, ...] = ()
    expect_si_ubl: tuple[str, ...] = ()
    expect_gaccount: tuple[str, ...] = ()

    def build(self, artifacts: Path) -> bytes:
        root = etree.parse(str(artifacts / self.base), _PARSER).getroot()
        self.mutate(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


VARIANTS: list[Variant] = [
    # EN 16931 core (BR-)
    Variant("br-02-no-invoice-number", PEPPOL_BASE, _remove("/*/cbc:ID"), ("BR-02",)),
    Variant("br-06-no-seller-name", PEPPOL_BASE,
            _remove("/*/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"), ("BR-06",)),
    Variant("br-25-no-item-name", PEPPOL_BASE, _remove("//cac:InvoiceLine[2]/cac:Item/cbc:Name"), ("BR-25",)),
    Variant("br-16-cn-no-lines", PEPPOL_CN, _remove("//cac:CreditNoteLine"), ("BR-16",)),
    # Conditions (BR-CO-)
    Variant("br-co-15-bad-inclusive-total", PEPPOL_BASE,
            _set_text("/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "9999.00"), ("BR-CO-15",)),
    Variant("br-co-10-bad-line-sum", PEPPOL_BASE,
            _set_text("//cac:InvoiceLine[1]/cbc:LineExtensionAmount", "2700"), ("BR-CO-10",),
            ("PEPPOL-EN16931-R120",)),
    # Code lists (BR-CL-)
    Variant("br-cl-01-bad-type-code", PEPPOL_BASE, _set_text("/*/cbc:InvoiceTypeCode", "999"), ("BR-CL-01",)),
    Variant("br-cl-04-bad-currency", PEPPOL_BASE,
            _all(_set_text("/*/cbc:DocumentCurrencyCode", "EUX"), _set_attr("//*[@currencyID]", "currencyID", "EUX")),
            ("BR-CL-04", "BR-CL-03")),
    Variant("br-cl-23-bad-unit", PEPPOL_BASE,
            _set_attr("//cac:InvoiceLine[1]/cbc:InvoicedQuantity", "unitCode", "XXX"), ("BR-CL-23",)),
    # Decimals (BR-DEC-)
    Variant("br-dec-three-decimals", PEPPOL_BASE,
            _set_text("/*/cac:LegalMonetaryTotal/cbc:PayableAmount", "1656.255"), ("BR-DEC-18",)),
    # VAT categories (BR-S/Z/E/AE/IC-)
    Variant("br-s-08-bad-taxable", PEPPOL_BASE,
            _set_text("//cac:TaxSubtotal/cbc:TaxableAmount", "1000"), ("BR-S-08",)),
    Variant("br-z-rate-not-zero", VAT_Z, _set_text("//cac:TaxCategory[cbc:ID='Z']/cbc:Percent"
                                                    " | //cac:ClassifiedTaxCategory[cbc:ID='Z']/cbc:Percent", "10"),
            ("BR-Z-05",)),
    Variant("br-e-no-exemption-reason", VAT_E,
            _remove("//cac:TaxSubtotal/cac:TaxCategory[cbc:ID='E']/cbc:TaxExemptionReason"
                    " | //cac:TaxSubtotal/cac:TaxCategory[cbc:ID='E']/cbc:TaxExemptionReasonCode"), ("BR-E-10",)),
    Variant("br-ae-reverse-charge-with-rate", PEPPOL_BASE,
            _set_text("//cac:TaxCategory/cbc:ID | //cac:ClassifiedTaxCategory/cbc:ID", "AE"), ("BR-AE-05", "BR-AE-10")),
    Variant("br-ic-intra-community-with-rate", PEPPOL_BASE,
            _set_text("//cac:TaxCategory/cbc:ID | //cac:ClassifiedTaxCategory/cbc:ID", "K"), ("BR-IC-05", "BR-IC-10")),
    # UBL syntax binding (UBL-SR / UBL-CR)
    Variant("ubl-sr-two-notes-on-line", PEPPOL_BASE, _all(
        lambda r: _x(r, "//cac:InvoiceLine[1]/cbc:InvoicedQuantity")[0].addprevious(etree.Element(f"{{{CBC}}}Note")),
        lambda r: _x(r, "//cac:InvoiceLine[1]/cbc:InvoicedQuantity")[0].addprevious(etree.Element(f"{{{CBC}}}Note")),
        _set_text("//cac:InvoiceLine[1]/cbc:Note", "n")), ("UBL-SR-34",)),
    # "not used in EN 16931" elements and attributes (UBL-CR): answered by one walk (absence.py)
    Variant("ubl-cr-unused-elements-and-attributes", PEPPOL_BASE, _all(
        lambda r: _x(r, "/*/cbc:ID")[0].addnext(etree.Element(f"{{{CBC}}}ProfileExecutionID")),
        _set_attr("/*/cbc:ID", "schemeID", "X"),
        _set_attr("//cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", "schemeID", "IBAN"),
        lambda r: _x(r, "//cac:InvoiceLine[2]/cbc:ID")[0].addnext(etree.Element(f"{{{CBC}}}UUID")),
        lambda r: _x(r, "//cac:InvoiceLine[1]/cbc:ID")[0].addnext(etree.Element(f"{{{CBC}}}UUID"))),
        ("UBL-CR-003", "UBL-CR-515", "UBL-CR-650", "UBL-CR-654")),
    Variant("ubl-cr-unused-element-on-credit-note-line", PEPPOL_CN,
            lambda r: _x(r, "//cac:CreditNoteLine[1]/cbc:ID")[0].addnext(etree.Element(f"{{{CBC}}}UUID")),
            ("UBL-CR-515",)),
    # Peppol (PEPPOL-EN16931-R / PEPPOL-COMMON / NL-R)
    Variant("peppol-r004-wrong-customization", PEPPOL_BASE,
            _set_text("/*/cbc:CustomizationID", "urn:cen.eu:en16931:2017"), (), ("PEPPOL-EN16931-R004",)),
    Variant("peppol-r001-no-profile", PEPPOL_BASE, _remove("/*/cbc:ProfileID"), (), ("PEPPOL-EN16931-R001",)),
    Variant("peppol-common-r040-bad-gln", PEPPOL_BASE,
            _set_text("/*/cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", "9482348239847239875"),
            (), ("PEPPOL-COMMON-R040",)),
    Variant("peppol-r051-currency-mix", PEPPOL_BASE,
            _set_attr("//cac:InvoiceLine[1]/cbc:LineExtensionAmount", "currencyID", "USD"), (), ("PEPPOL-EN16931-R051",)),
    Variant("nl-r-003-nl-supplier-without-kvk", PEPPOL_BASE, _NL_SUPPLIER, (), ("NL-R-003",)),
    Variant("nl-r-002-nl-supplier-without-street", PEPPOL_BASE, _all(
        _NL_SUPPLIER, _remove("/*/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:StreetName")),
        (), ("NL-R-002", "NL-R-003")),
    Variant("dk-r-national-rules", PEPPOL_BASE, _national("DK", "DK"), (), ("DK-R-005", "DK-R-013")),
    Variant("gr-r-national-rules", PEPPOL_BASE, _national("GR", "EL"), (), ("GR-R-001-1", "GR-R-003")),
    Variant("de-r-national-rules", PEPPOL_BASE, _national("DE", "DE"), (), ("DE-R-002",)),
    Variant("no-r-national-rules", PEPPOL_BASE, _national("NO", "NO"), (), ("NO-R-001",)),
    Variant("is-r-national-rules", PEPPOL_BASE, _national("IS", "IS"), (), ("IS-R-002",)),
    Variant("se-r-national-rules", PEPPOL_BASE, _national("SE", "SE"), (), ("SE-R-001", "SE-R-013")),
    # SI-UBL 2.0 / NLCIUS (BR-NL-)
    Variant("br-nl-1-no-kvk-scheme", SI_BASE,
            _set_attr("/*/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", "schemeID", None),
            (), (), ("BR-NL-1",)),
    Variant("br-nl-3-no-supplier-street", SI_BASE,
            _remove("/*/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:StreetName"), (), (), ("BR-NL-3",)),
    Variant("si-v20-wrong-customization", SI_BASE,
            _set_text("/*/cbc:CustomizationID", "urn:cen.eu:en16931:2017"), (), (), ()),
    Variant("br-nl-en-br-co-15-si", SI_FULL,
            _set_text("/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1.00"), ("BR-CO-15",), (), ("BR-CO-15",)),
]

VARIANTS += [
    # SI-UBL 2.0 G-account extension (BR-GA-)
    Variant("br-ga-6-unknown-payment-means-ref", SI_GACCOUNT,
            _set_text("/*/cac:PaymentTerms[1]/cbc:PaymentMeansID", "NOPE"), expect_gaccount=("BR-GA-6",)),
    Variant("br-ga-1-one-payment-terms", SI_GACCOUNT, _remove("/*/cac:PaymentTerms[2]"),
            expect_gaccount=("BR-GA-1", "BR-GA-3")),
]

# The SI-UBL 2.0 official stylesheet stops with XPTY0004 on this one (two RegistrationName in a party).
TWO_REGISTRATION_NAMES = Variant(
    "two-registration-names", SI_BASE,
    _duplicate("/*/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"))


def big_invoice(artifacts: Path, lines: int) -> bytes:
    """The Peppol base example with ``lines`` invoice lines, totals kept consistent (valid)."""
    root = etree.parse(str(artifacts / PEPPOL_BASE), _PARSER).getroot()
    template = _x(root, "cac:InvoiceLine[1]")[0]
    for old in _x(root, "cac:InvoiceLine"):
        root.remove(old)
    qty, price = Decimal("7"), Decimal("400")
    for i in range(1, lines + 1):
        line = copy.deepcopy(template)
        _x(line, "cbc:ID")[0].text = str(i)
        _x(line, "cbc:InvoicedQuantity")[0].text = str(qty)
        _x(line, "cbc:LineExtensionAmount")[0].text = str(qty * price)
        _x(line, "cac:Price/cbc:PriceAmount")[0].text = str(price)
        _x(line, "cac:OrderLineReference/cbc:LineID")[0].text = str(i)
        root.append(line)
    line_total = qty * price * lines
    charge = Decimal("25")
    taxable = line_total + charge
    tax = (taxable * Decimal("0.25")).quantize(Decimal("0.01"))
    _x(root, "cac:TaxTotal/cbc:TaxAmount")[0].text = str(tax)
    _x(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount")[0].text = str(taxable)
    _x(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount")[0].text = str(tax)
    lmt = _x(root, "cac:LegalMonetaryTotal")[0]
    _x(lmt, "cbc:LineExtensionAmount")[0].text = str(line_total)
    _x(lmt, "cbc:TaxExclusiveAmount")[0].text = str(taxable)
    _x(lmt, "cbc:TaxInclusiveAmount")[0].text = str(taxable + tax)
    _x(lmt, "cbc:PayableAmount")[0].text = str(taxable + tax)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def big_broken_invoice(artifacts: Path, lines: int) -> bytes:
    """A big invoice that trips rules the size-dependent rewrites touch (attribute scans,
    absent-element tests, code lists): schemeName attribute, a forbidden nested element,
    an unknown currency and unit code on the last line."""
    root = etree.fromstring(big_invoice(artifacts, lines), _PARSER)
    last = _x(root, "cac:InvoiceLine")[-1]
    _x(last, "cbc:ID")[0].set("schemeName", "x")
    item = _x(last, "cac:Item")[0]
    sellers = etree.SubElement(item, f"{{{CAC}}}SellersItemIdentification")
    etree.SubElement(sellers, f"{{{CBC}}}ID").text = "S1"
    etree.SubElement(sellers, f"{{{CAC}}}MeasurementDimension")
    _x(last, "cbc:LineExtensionAmount")[0].set("currencyID", "XXY")
    _x(last, "cbc:InvoicedQuantity")[0].set("unitCode", "QQQ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
