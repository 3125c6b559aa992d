"""The UBL -> EN 16931 parser on every Invoice/CreditNote example of the official artefacts."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from service.en16931.model import DocumentType, Identifier, InvoiceDocument
from service.en16931.parser import DocumentError, parse_document, parse_header
from service.validation.xmlsafe import XmlSyntaxError, parse_bytes

from tests.conftest import MIRROR
from tests.en16931.examples import example_documents

PEPPOL = MIRROR / "peppol-bis-billing-3" / "rules" / "examples"
CEN = MIRROR / "en16931" / "ubl" / "examples"

# Plain UBL 2.1 samples (not EN 16931 documents: no currency, no type code) are refused by name.
NOT_EN16931 = {"UBL-CreditNote-2.1-Example.xml", "UBL-Invoice-2.1-Example-Trivial.xml"}


EXAMPLES = example_documents(("Invoice", "CreditNote"))


def test_the_artefacts_hold_enough_examples():
    assert len(EXAMPLES) >= 30
    assert any(etree.QName(etree.parse(str(p)).getroot()).localname == "CreditNote" for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(MIRROR)))
def test_every_example_parses_and_round_trips_through_json(path: Path):
    data = path.read_bytes()
    if path.name in NOT_EN16931:
        with pytest.raises(DocumentError):
            parse_document(data)
        return
    doc = parse_document(data)
    assert doc.number and doc.currency and doc.seller and doc.lines
    assert doc.document_type is (
        DocumentType.credit_note if etree.QName(parse_bytes(data).getroot()).localname == "CreditNote"
        else DocumentType.invoice
    )
    # every amount is a Decimal, nowhere a float
    for line in doc.lines:
        assert isinstance(line.quantity, Decimal) and isinstance(line.net_amount, Decimal)
        assert isinstance(line.price.net_price, Decimal)
    assert isinstance(doc.totals.payable_amount, Decimal)
    stored = json.loads(json.dumps(doc.to_json()))
    assert "float" not in json.dumps(stored)
    rebuilt = InvoiceDocument.from_json(stored)
    assert rebuilt.to_json() == doc.to_json()
    # the same tree gives the same model
    assert parse_document(parse_bytes(data)) == doc


def test_base_example_terms():
    doc = parse_document((PEPPOL / "base-example.xml").read_bytes())
    assert doc.number == "Snippet1"  # BT-1
    assert doc.issue_date == date(2017, 11, 13)  # BT-2
    assert doc.type_code == "380" and not doc.is_credit_note and doc.sign == 1  # BT-3
    assert doc.currency == "EUR" and doc.due_date == date(2017, 12, 1)  # BT-5, BT-9
    assert doc.buyer_reference == "0150abc"  # BT-10
    assert doc.buyer_accounting_reference == "4025:123:4343"  # BT-19
    assert doc.customization_id.endswith("poacc:billing:3.0")  # BT-24
    s = doc.seller
    assert s.electronic_address == Identifier(value="9482348239847239874", scheme="0088")  # BT-34
    assert s.identifiers == (Identifier(value="99887766"),)  # BT-29
    assert s.legal_registration == Identifier(value="GB983294")  # BT-30
    assert s.vat_id == "GB1232434" and s.name == "SupplierOfficialName Ltd"  # BT-31, BT-27
    assert s.trading_name == "SupplierTradingName Ltd." and s.address.country == "GB"
    assert doc.buyer.legal_registration == Identifier(value="39937423947", scheme="0183")  # BT-47
    assert doc.buyer.contact.email == "lj@buyer.se"
    pm = doc.payment_means[0]
    assert pm.code == "30" and pm.text == "Credit transfer" and pm.remittance_information == "Snippet1"
    assert pm.accounts[0].id == "IBAN32423940" and pm.accounts[0].service_provider == "BIC324098"
    assert doc.iban_list == ("IBAN32423940",)
    assert doc.payment_terms == "Payment within 10 days, 2% discount"
    (charge,) = doc.allowances_charges
    assert charge.charge and charge.amount == Decimal("25") and charge.reason == "Insurance"
    assert charge.vat_category == "S" and charge.vat_rate == Decimal("25.0")
    (vat,) = doc.vat_breakdown
    assert (vat.taxable_amount, vat.tax_amount, vat.category, vat.rate) == (
        Decimal("1325"), Decimal("331.25"), "S", Decimal("25.0"))
    t = doc.totals
    assert (t.line_extension_amount, t.tax_exclusive_amount, t.tax_inclusive_amount, t.payable_amount) == (
        Decimal("1300"), Decimal("1325"), Decimal("1656.25"), Decimal("1656.25"))
    assert t.charge_total_amount == Decimal("25") and t.tax_amount == Decimal("331.25")
    assert doc.delivery.actual_date == date(2017, 11, 1)
    assert doc.delivery.location_id == Identifier(value="9483759475923478", scheme="0088")
    l1, l2 = doc.lines
    assert (l1.id, l1.quantity, l1.unit_code, l1.net_amount) == ("1", Decimal("7"), "DAY", Decimal("2800"))
    assert l1.order_line_reference == "123" and l1.accounting_cost == "Konteringsstreng"  # BT-132, BT-133
    assert l1.price.net_price == Decimal("400") and l1.price.base_quantity is None
    assert l1.item.name == "item name" and l1.item.description == "Description of item"
    assert l1.item.standard_item_id == Identifier(value="21382183120983", scheme="0088")  # BT-157
    assert l1.item.classifications == (Identifier(value="09348023", scheme="SRV"),)
    assert l1.vat_category == "S" and l1.vat_rate == Decimal("25.0")
    assert l2.quantity == Decimal("-3") and l2.net_amount == Decimal("-1500")  # negative lines keep sign


def test_credit_note_is_first_class():
    doc = parse_document((PEPPOL / "base-creditnote-correction.xml").read_bytes())
    assert doc.document_type is DocumentType.credit_note and doc.type_code == "381"
    assert doc.is_credit_note and doc.sign == -1
    assert doc.preceding_invoices[0].number == "Snippet1"  # BT-25
    assert doc.lines[0].quantity == Decimal("7")  # CreditedQuantity, as in the document
    assert doc.lines[1].quantity == Decimal("-3")


def test_allowances_charges_and_price_details():
    doc = parse_document((PEPPOL / "Allowance-example.xml").read_bytes())
    charge, allowance = doc.allowances_charges
    assert charge.charge and charge.reason_code == "CG" and charge.percentage == Decimal("20")
    assert charge.base_amount == Decimal("1000") and charge.amount == Decimal("200")
    assert not allowance.charge and allowance.reason_code == "95" and doc.allowances == (allowance,)
    line1, line2 = doc.lines[0], doc.lines[1]
    assert [a.charge for a in line1.allowances_charges] == [True, False]
    assert line1.charges[0].base_amount == Decimal("100") and line1.allowances[0].amount == Decimal("101")
    assert line1.price.net_price == Decimal("410") and line1.price.discount == Decimal("40")  # BT-146/147
    assert line1.price.gross_price == Decimal("450")  # BT-148
    assert line2.price.base_quantity == Decimal("2") and line2.price.base_quantity_unit == "C62"  # BT-149/150
    assert line2.price.unit_price == Decimal("100")
    assert line2.period.start_date == date(2017, 12, 1) and line2.period.end_date == date(2017, 12, 5)
    assert line2.item.attributes[0].name == "AdditionalItemName"
    assert line1.item.seller_item_id == "97iugug876"  # BT-155


def test_embedded_attachments_are_decoded_but_not_in_json():
    doc = parse_document((CEN / "ubl-tc434-example5.xml").read_bytes())
    embedded = [a for a in doc.attachments if a.embedded]
    assert embedded, "example 5 carries an embedded PDF"
    att = embedded[0]
    assert att.mime_code == "application/pdf" and att.filename == "EHF.pdf"
    assert att.content == b"Testing Base64 encoding" and att.size == len(att.content)
    assert "content" not in json.dumps(doc.to_json()["attachments"])
    assert InvoiceDocument.from_json(doc.to_json()).attachments[0].content is None


def test_nlcius_examples_parse():
    for path in sorted((MIRROR / "nlcius-testset").rglob("*.xml")):
        doc = parse_document(path.read_bytes())
        assert doc.seller.name and (doc.seller.legal_registration or doc.seller.electronic_address)


def test_decimals_are_kept_exactly_as_written():
    data = (PEPPOL / "base-example.xml").read_bytes().replace(
        b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
        b'<cbc:PayableAmount currencyID="EUR">1656.2500000000000000001</cbc:PayableAmount>',
    )
    doc = parse_document(data)
    assert doc.totals.payable_amount == Decimal("1656.2500000000000000001")
    assert InvoiceDocument.from_json(json.loads(json.dumps(doc.to_json()))).totals.payable_amount == Decimal(
        "1656.2500000000000000001")


@pytest.mark.parametrize(
    "old, new, term",
    [
        (b"<cbc:ID>Snippet1</cbc:ID>", b"", "BT-1"),
        (b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
         b'<cbc:PayableAmount currencyID="EUR">lots</cbc:PayableAmount>', "BT-115"),
        (b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>", b"<cbc:IssueDate>13-11-2017</cbc:IssueDate>", "BT-2"),
        (b'<cbc:PriceAmount currencyID="EUR">400</cbc:PriceAmount>',
         b'<cbc:PriceAmount currencyID="EUR">NaN</cbc:PriceAmount>', "BT-146"),
    ],
)
def test_missing_or_unreadable_terms_name_the_business_term(old, new, term):
    data = (PEPPOL / "base-example.xml").read_bytes()
    assert old in data
    with pytest.raises(DocumentError) as err:
        parse_document(data.replace(old, new, 1))
    assert err.value.term == term


def test_other_documents_are_refused():
    order = (MIRROR / "ubl-2.1" / "xml" / "UBL-Order-2.1-Example.xml").read_bytes()
    with pytest.raises(DocumentError):
        parse_document(order)
    assert parse_header(parse_bytes(order)).number is None


def test_bytes_are_parsed_securely():
    with pytest.raises(XmlSyntaxError):
        parse_document(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')


def test_header_of_an_invalid_document_is_best_effort():
    data = (PEPPOL / "base-example.xml").read_bytes().replace(
        b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>", b"<cbc:IssueDate>yesterday</cbc:IssueDate>"
    ).replace(b"<cac:LegalMonetaryTotal>", b"<cac:LegalMonetaryTotalX>").replace(
        b"</cac:LegalMonetaryTotal>", b"</cac:LegalMonetaryTotalX>")
    header = parse_header(parse_bytes(data))
    assert header.number == "Snippet1" and header.issue_date is None and header.payable_amount is None
    assert header.seller_electronic_address == Identifier(value="9482348239847239874", scheme="0088")
    assert header.seller_vat_id == "GB1232434" and header.document_type is DocumentType.invoice


def test_the_full_cen_example_maps_every_group():
    doc = parse_document((CEN / "ubl-tc434-example5.xml").read_bytes())
    assert doc.currency == "DKK" and doc.tax_currency == "EUR"  # BT-5, BT-6
    assert doc.totals.tax_amount == Decimal("675.00")  # BT-110 in the invoice currency
    assert doc.totals.tax_amount_accounting_currency == Decimal("628.62")  # BT-111
    assert doc.totals.prepaid_amount == Decimal("2337.50")  # BT-113
    assert doc.invoice_period.start_date == date(2013, 3, 10)  # BG-14
    assert (doc.purchase_order_reference, doc.sales_order_reference) == ("PO4711", "123")  # BT-13, BT-14
    assert (doc.despatch_advice_reference, doc.receiving_advice_reference) == ("5433", "3544")  # BT-16, BT-15
    assert (doc.tender_reference, doc.contract_reference) == ("Lot567", "2013-05")  # BT-17, BT-12
    assert doc.preceding_invoices[0].number == "TOSL109"  # BT-25
    assert doc.preceding_invoices[0].issue_date == date(2013, 3, 10)  # BT-26
    assert doc.payee.name == "Dagobert Duck" and doc.payee.legal_registration.value == "DK16356608"  # BG-10
    assert doc.tax_representative.name == "Dick Panama"  # BG-11
    assert doc.tax_representative.address.subdivision == "Jutland"
    dd = next(pm for pm in doc.payment_means if pm.direct_debit)  # BG-19
    assert dd.code == "49" and dd.direct_debit.mandate_reference == "123456"
    assert dd.direct_debit.debited_account == "DK1212341234123412"
    assert [a.id for a in doc.attachments][:2] == ["OBJ999", "sales slip"]
    line = doc.lines[0]
    assert line.note == "first line" and line.object_identifier.value == "Object2"  # BT-127, BT-128
    assert line.period.end_date == date(2013, 4, 10)  # BT-135
    assert line.allowances[0].reason_code == "100" and line.allowances[0].percentage == Decimal("10")
