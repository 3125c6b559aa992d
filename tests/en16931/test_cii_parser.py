"""The CII -> EN 16931 parser: every CII example maps; terms land where the UBL parser puts them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from service.en16931.model import DocumentType, Identifier, InvoiceDocument
from service.en16931.parser import DocumentError, parse_document, parse_header

from tests.conftest import MIRROR

CII = MIRROR / "en16931" / "cii" / "examples"
UBL = MIRROR / "en16931" / "ubl" / "examples"


@pytest.mark.parametrize("path", sorted(CII.glob("*.xml")), ids=lambda p: p.name)
def test_every_cii_example_maps_and_adds_up(path: Path) -> None:
    doc = parse_document(path.read_bytes())
    assert doc.number and doc.currency and doc.lines
    assert sum(line.net_amount for line in doc.lines) == doc.totals.line_extension_amount  # BR-CO-10
    assert sum(v.tax_amount for v in doc.vat_breakdown) == (doc.totals.tax_amount or 0)
    assert InvoiceDocument.from_json(doc.to_json()) == doc.model_copy(
        update={"attachments": tuple(a.model_copy(update={"content": None}) for a in doc.attachments)})


def test_same_invoice_in_both_syntaxes_gives_the_same_terms() -> None:
    # CEN example 4 exists in UBL and CII with the same content (the CII one has a second,
    # identical payment means and uses C62 where UBL says EA)
    ubl = parse_document((UBL / "ubl-tc434-example4.xml").read_bytes())
    cii = parse_document((CII / "CII_example4.xml").read_bytes())
    for term in ("number", "issue_date", "type_code", "currency", "buyer_reference", "purchase_order_reference",
                 "vat_breakdown", "totals", "due_date"):
        assert getattr(cii, term) == getattr(ubl, term), term
    assert cii.buyer == ubl.buyer
    assert cii.iban_list == ubl.iban_list
    assert [(ln.id, ln.quantity, ln.net_amount, ln.price, ln.item.name, ln.vat_category, ln.vat_rate)
            for ln in cii.lines] == [(ln.id, ln.quantity, ln.net_amount, ln.price, ln.item.name, ln.vat_category,
                                      ln.vat_rate) for ln in ubl.lines]


def test_cii_terms_map_onto_the_model() -> None:
    doc = parse_document((CII / "CII_example5.xml").read_bytes())
    assert doc.document_type is DocumentType.invoice
    assert doc.buyer_reference == "qwerty"
    assert doc.seller.identifiers[0] == Identifier(value="5790000436101", scheme="0088")  # BT-29 GlobalID
    assert doc.seller.legal_registration == Identifier(value="NL16356706")  # BT-30
    assert doc.seller.trading_name == "SelCo" and doc.seller.legal_form == "Export"
    assert doc.seller.contact.email == "Anthon@Selco.nl"
    assert doc.seller.address.subdivision == "Overijssel" and doc.seller.address.additional_street == "Om de hoek"
    assert doc.delivery.actual_date == date(2013, 4, 15)
    assert doc.delivery.location_id == Identifier(value="5790000436068", scheme="0088")
    assert doc.despatch_advice_reference == "5433"
    line = doc.lines[0]
    assert [(a.charge, a.amount, a.reason_code) for a in line.allowances_charges] == [
        (False, Decimal("100"), "95"), (True, Decimal("100"), "ABL")]
    assert line.object_identifier is not None and line.object_identifier.value == "Object2"
    assert line.accounting_cost == "ACC7654"
    embedded = [a for a in doc.attachments if a.embedded]
    assert embedded and embedded[0].mime_code == "application/pdf" and embedded[0].content


def test_a_cii_credit_note_is_a_credit_note() -> None:
    xml = (CII / "CII_example1.xml").read_bytes().replace(b"<ram:TypeCode>380</ram:TypeCode>",
                                                         b"<ram:TypeCode>381</ram:TypeCode>", 1)
    doc = parse_document(xml)
    assert doc.document_type is DocumentType.credit_note and doc.is_credit_note and doc.sign == -1
    assert doc.totals.payable_amount == Decimal("250.33")  # amounts as written


def test_missing_term_is_named_and_header_never_raises() -> None:
    xml = (CII / "CII_example1.xml").read_bytes().replace(b"<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>",
                                                         b"")
    with pytest.raises(DocumentError) as exc:
        parse_document(xml)
    assert exc.value.term == "BT-5"
    header = parse_header(etree.fromstring(xml))
    assert (header.number, header.currency, header.seller_name) == ("12115118", None, "De Koksmaat")
    assert header.payable_amount == Decimal("250.33")
    assert parse_header(etree.fromstring(b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:un:unece:uncefact:data:"
                                         b"standard:CrossIndustryInvoice:100'/>")).number is None
