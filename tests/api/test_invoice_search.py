"""GET /v1/invoices?q=: finding an invoice by number, supplier, identifier, order or amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.invoice_search import amounts, words
from service.models.masterdata import SupplierIdentifier
from tests.api.test_invoices import BASE, make_supplier, with_number

XML = {"Content-Type": "application/xml"}


def with_order(doc: bytes, order: str) -> bytes:
    return doc.replace(b"<cbc:BuyerReference>0150abc</cbc:BuyerReference>",
                       b"<cbc:BuyerReference>0150abc</cbc:BuyerReference>"
                       b"<cac:OrderReference><cbc:ID>" + order.encode() + b"</cbc:ID></cac:OrderReference>", 1)


def with_amount(doc: bytes, amount: str) -> bytes:
    return doc.replace(b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>',
                       f'<cbc:PayableAmount currencyID="EUR">{amount}</cbc:PayableAmount>'.encode(), 1)


@pytest.mark.parametrize(("word", "expected"), [
    ("1656.25", {Decimal("1656.25")}),
    ("1.656,25", {Decimal("1656.25")}),
    ("1,656.25", {Decimal("1656.25")}),
    ("€12,50", {Decimal("12.50")}),
    ("1.500", {Decimal("1500"), Decimal("1.5")}),
    ("-40,00", {Decimal("-40.00")}),
    ("2026-001", set()),
    ("1.23.4", set()),
    ("KAN", set()),
])
def test_amounts_are_read_as_dutch_and_as_english(word, expected):
    assert amounts(word) == expected


def test_words_are_bounded_and_unique():
    assert words("  acme   acme 2026 ") == ["acme", "2026"]
    assert len(words(" ".join(f"w{i}" for i in range(50)))) == 8
    assert words(None) == [] and words("   ") == []


@pytest.fixture
def invoices(client, make_key, session):
    """Three invoices of one supplier (name and KvK in master data) with their own numbers and orders."""
    supplier = make_supplier(session, name="Kantoorartikelen De Vries B.V.")
    session.add(SupplierIdentifier(supplier_id=supplier.id, scheme="0106", value="12345678"))
    session.commit()
    headers = {**make_key("gateway"), **XML}
    ids = {}
    for number, order, _amount in (("F-2026-001", "PO-4711", "1656.25"), ("F-2026-002", "PO-4712", "1656.25"),
                                  ("CN-77", "po 9000", "1656.25")):
        doc = with_order(with_number(BASE, number), order)
        r = client.post("/v1/invoices", content=doc, headers=headers)
        assert r.status_code == 201, r.text
        ids[number] = r.json()["id"]
    return headers, ids, supplier


def _found(client, headers, **params) -> list[str]:
    r = client.get("/v1/invoices", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return sorted(d["invoice_number"] for d in r.json()["data"])


def test_search_by_invoice_number_part_and_look_alike(client, invoices):
    headers, _, _ = invoices
    assert _found(client, headers, q="2026-00") == ["F-2026-001", "F-2026-002"]
    assert _found(client, headers, q="f2026001") == ["F-2026-001"]  # same letters and digits
    assert _found(client, headers, q="cn-77") == ["CN-77"]
    assert _found(client, headers, q="F-2099") == []


def test_search_by_supplier_name_identifier_and_id(client, invoices):
    headers, ids, supplier = invoices
    assert len(_found(client, headers, q="de vries")) == 3  # master data name
    assert len(_found(client, headers, q="supplierofficialname")) == 3  # BT-27 as sent
    assert len(_found(client, headers, q="1234.5678")) == 3  # KvK, written with a dot
    assert len(_found(client, headers, q="9482348239847239874")) == 3  # BT-34 value
    assert len(_found(client, headers, q=str(supplier.id))) == 3
    assert _found(client, headers, q=ids["CN-77"]) == ["CN-77"]
    assert _found(client, headers, q="87654321") == []


def test_search_by_order_number(client, invoices):
    headers, _, _ = invoices
    assert _found(client, headers, q="PO-4711") == ["F-2026-001"]
    assert _found(client, headers, q="PO9000") == ["CN-77"]  # the order's normal form


def test_search_by_exact_amount_in_dutch_and_english(client, invoices):
    headers, _, _ = invoices
    assert len(_found(client, headers, q="1.656,25")) == 3
    assert len(_found(client, headers, q="1656.25")) == 3
    assert _found(client, headers, q="1656.26") == []
    assert _found(client, headers, q="1656") == []  # exact, not a prefix


def test_every_word_must_match_and_other_filters_apply(client, invoices):
    headers, _, _ = invoices
    assert _found(client, headers, q="de vries 4712") == ["F-2026-002"]
    assert _found(client, headers, q="vries", purchase_order="PO-4711") == ["F-2026-001"]
    assert _found(client, headers, q="vries", status="rejected") == []


def test_like_wildcards_are_literal(client, invoices):
    headers, _, _ = invoices
    assert _found(client, headers, q="%") == []
    assert _found(client, headers, q="F_2026") == []


def test_a_query_too_long_is_a_problem(client, invoices):
    headers, _, _ = invoices
    r = client.get("/v1/invoices", params={"q": "x" * 201}, headers=headers)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_supplier_key_finds_only_its_own(client, invoices, make_key, session):
    other = make_supplier(session, scheme="0106", value="99999999", name="Other")
    key = make_key("supplier", supplier_id=other.id)
    assert client.get("/v1/invoices", params={"q": "2026"}, headers=key).json()["data"] == []



def test_a_received_invoice_has_its_amount_sort_key(client, invoices, session):
    # intake writes the row with one prepared INSERT of every attribute: the model sets the key
    from sqlmodel import select

    from service.models.invoices import Invoice, cents

    stored = session.exec(select(Invoice.payable_amount, Invoice.payable_cents)).all()
    assert stored and all(key == cents(amount) and key is not None for amount, key in stored), stored
