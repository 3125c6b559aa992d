"""CII documents for the Schematron tests: the CEN CII examples and broken variants of them.

Every rule family of the EN 16931 CII rules is broken at least once (test_cii_equivalence.py
checks that): the model rules (BR-, BR-CO-, BR-DEC-, the VAT categories BR-S/Z/E/AE/IC/G/O/AF/AG,
BR-B-), the code lists (BR-CL-) and the CII syntax binding (CII-SR-, CII-DT-).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
CII_ROOT = f"{{{RSM}}}CrossIndustryInvoice"

EXAMPLES = "en16931/cii/examples"
EX1 = f"{EXAMPLES}/CII_example1.xml"  # S, two rates, no allowances
EX_E = f"{EXAMPLES}/CII_business_example_01.xml"  # has category E
EX_Z = f"{EXAMPLES}/CII_business_example_Z.xml"
EX_O = f"{EXAMPLES}/CII_example7.xml"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)

SETTLEMENT = "/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
AGREEMENT = "/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
LINE1 = "/*/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem[1]"
ALL_CATEGORIES = "//ram:ApplicableTradeTax/ram:CategoryCode"


def cii_examples(artifacts: Path) -> list[Path]:
    """Every CII invoice / credit note of the artefacts mirror."""
    return sorted(p for p in (artifacts / EXAMPLES).glob("*.xml")
                  if etree.parse(str(p), _PARSER).getroot().tag == CII_ROOT)


def _x(root: etree._Element, path: str) -> list[etree._Element]:
    nodes = root.xpath(path, namespaces=NS)
    assert nodes, path
    return nodes


def _remove(path: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for n in _x(root, path):
            n.getparent().remove(n)
    return mutate


def _set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for n in _x(root, path):
            n.text = value
    return mutate


def _set_attr(path: str, name: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for n in _x(root, path):
            n.set(name, value)
    return mutate


def _add_after(path: str, local: str, text: str | None = None) -> Callable[[etree._Element], None]:
    """A ``ram:`` element right after the first node at ``path``."""
    def mutate(root: etree._Element) -> None:
        el = etree.Element(f"{{{RAM}}}{local}")
        el.text = text
        _x(root, path)[0].addnext(el)
    return mutate


def _all(*fns: Callable[[etree._Element], None]) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for fn in fns:
            fn(root)
    return mutate


@dataclass(frozen=True)
class CiiVariant:
    """A broken CII example; ``expect``: rule ids the official CII stylesheet must report."""

    name: str
    base: str
    mutate: Callable[[etree._Element], None]
    expect: tuple[str, ...]

    def build(self, artifacts: Path) -> bytes:
        root = etree.parse(str(artifacts / self.base), _PARSER).getroot()
        self.mutate(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _category(code: str) -> Callable[[etree._Element], None]:
    """Every VAT category of the document (lines and breakdown) set to ``code``, rates kept: the
    category's rules about rates, exemption reasons and party identifiers fire."""
    return _set_text(ALL_CATEGORIES, code)


CII_VARIANTS: list[CiiVariant] = [
    # EN 16931 core (BR-)
    CiiVariant("br-02-no-invoice-number", EX1, _remove("/*/rsm:ExchangedDocument/ram:ID"), ("BR-02",)),
    CiiVariant("br-05-no-currency", EX1, _remove(f"{SETTLEMENT}/ram:InvoiceCurrencyCode"), ("BR-05",)),
    CiiVariant("br-06-no-seller-name", EX1, _remove(f"{AGREEMENT}/ram:SellerTradeParty/ram:Name"), ("BR-06",)),
    CiiVariant("br-25-no-item-name", EX1, _remove(f"{LINE1}/ram:SpecifiedTradeProduct/ram:Name"), ("BR-25",)),
    CiiVariant("br-16-no-lines", EX1, _remove("//ram:IncludedSupplyChainTradeLineItem"), ("BR-16",)),
    # Conditions (BR-CO-)
    CiiVariant("br-co-15-bad-grand-total", EX1, _set_text(f"{TOTALS}/ram:GrandTotalAmount", "999.00"),
               ("BR-CO-15",)),
    CiiVariant("br-co-10-bad-line-sum", EX1, _set_text(f"{TOTALS}/ram:LineTotalAmount", "300.00"),
               ("BR-CO-10",)),
    CiiVariant("br-co-16-bad-due", EX1, _set_text(f"{TOTALS}/ram:DuePayableAmount", "1.00"), ("BR-CO-16",)),
    # Decimals (BR-DEC-)
    CiiVariant("br-dec-three-decimals", EX1, _set_text(f"{TOTALS}/ram:DuePayableAmount", "250.333"),
               ("BR-DEC-18",)),
    # Code lists (BR-CL-)
    CiiVariant("br-cl-01-bad-type-code", EX1, _set_text("/*/rsm:ExchangedDocument/ram:TypeCode", "999"),
               ("BR-CL-01",)),
    CiiVariant("br-cl-04-bad-currency", EX1, _set_text(f"{SETTLEMENT}/ram:InvoiceCurrencyCode", "EUX"),
               ("BR-CL-04",)),
    CiiVariant("br-cl-23-bad-unit", EX1, _set_attr(f"{LINE1}//ram:BilledQuantity", "unitCode", "XXX"),
               ("BR-CL-23",)),
    CiiVariant("br-cl-14-bad-country", EX1,
               _set_text(f"{AGREEMENT}/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID", "XX"),
               ("BR-CL-14",)),
    # VAT categories
    CiiVariant("br-s-08-bad-basis", EX1, _set_text(f"({SETTLEMENT}/ram:ApplicableTradeTax)[1]/ram:BasisAmount",
                                                    "100.00"), ("BR-S-08",)),
    CiiVariant("br-z-rate-not-zero", EX_Z, _set_text("//ram:ApplicableTradeTax[ram:CategoryCode='Z']"
                                                      "/ram:RateApplicablePercent", "10"), ("BR-Z-05",)),
    CiiVariant("br-e-no-exemption-reason", EX_E,
               _remove(f"{SETTLEMENT}/ram:ApplicableTradeTax[ram:CategoryCode='E']/ram:ExemptionReason"),
               ("BR-E-10",)),
    CiiVariant("br-ae-reverse-charge-with-rate", EX1, _category("AE"), ("BR-AE-05", "BR-AE-08")),
    CiiVariant("br-ic-intra-community-with-rate", EX1, _category("K"), ("BR-IC-05", "BR-IC-08")),
    CiiVariant("br-g-export-with-rate", EX1, _category("G"), ("BR-G-05", "BR-G-08")),
    CiiVariant("br-o-outside-scope-with-rate", EX1, _category("O"), ("BR-O-05",)),
    CiiVariant("br-af-igic-without-rate", EX1, _all(_category("L"), _remove("//ram:RateApplicablePercent")),
               ("BR-AF-05",)),
    CiiVariant("br-ag-ipsi-without-rate", EX1, _all(_category("M"), _remove("//ram:RateApplicablePercent")),
               ("BR-AG-05",)),
    CiiVariant("br-b-split-payment-on-non-italian", EX1, _category("B"), ("BR-B-01",)),
    # CII syntax binding (CII-SR-: not used in EN 16931; CII-DT-: data types)
    CiiVariant("cii-sr-unused-elements", EX1, _all(
        _add_after("/*/rsm:ExchangedDocument/ram:ID", "Name", "extra"),
        _add_after(f"{LINE1}/ram:AssociatedDocumentLineDocument/ram:LineID", "ParentLineID", "0")),
        ("CII-SR-013",)),
    CiiVariant("cii-dt-unused-attributes", EX1, _all(
        _set_attr(f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", "schemeName", "x"),
        _set_attr(f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", "schemeURI", "x")),
        ("CII-DT-101", "CII-DT-104")),
    CiiVariant("br-03-bad-date-format", EX1,
               _set_attr("/*/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", "format", "203"),
               ("BR-03",)),
    # A credit note (TypeCode 381) with a broken total: credit notes are judged like invoices
    CiiVariant("credit-note-br-co-15", EX1, _all(
        _set_text("/*/rsm:ExchangedDocument/ram:TypeCode", "381"),
        _set_text(f"{TOTALS}/ram:GrandTotalAmount", "1.00")), ("BR-CO-15",)),
]

CII_FAMILIES = ("BR-0", "BR-1", "BR-CO-", "BR-DEC-", "BR-CL-", "BR-S-", "BR-Z-", "BR-E-", "BR-AE-",
                "BR-IC-", "BR-G-", "BR-O-", "BR-AF-", "BR-AG-", "BR-B-", "CII-SR-", "CII-DT-")


def cii_credit_note(artifacts: Path) -> bytes:
    """A valid CII credit note: example 1 with type code 381 (CII keeps amounts positive)."""
    root = etree.parse(str(artifacts / EX1), _PARSER).getroot()
    _set_text("/*/rsm:ExchangedDocument/ram:TypeCode", "381")(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
