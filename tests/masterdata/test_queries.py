"""The functions intake and matching call: resolve_supplier, get_order(_version), received_by_line, supplier_facts."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from service.masterdata import (
    get_order,
    get_order_version,
    lock_order,
    received_by_line,
    resolve_supplier,
    supplier_facts,
)
from service.masterdata.orders import save_order
from service.masterdata.payloads import GoodsReceiptIn, PurchaseOrderIn, SupplierIn
from service.masterdata.receipts import check_receipt, record_receipt
from service.masterdata.suppliers import create_supplier
from service.models.masterdata import Supplier, SupplierBankAccount
from tests.masterdata.conftest import order_body


@pytest.fixture
def db(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


def _supplier(db, name, **kw) -> Supplier:
    # the accounts stored as verified (as the trusted initial import does): these tests read master data
    s = create_supplier(db, SupplierIn.model_validate({"name": name, **kw}), actor="test", accounts_verified=True)
    db.commit()
    return s


class TestResolveSupplier:
    @pytest.fixture
    def suppliers(self, db):
        return {
            "a": _supplier(db, "A", electronic_address={"scheme": "0106", "value": "11111111"},
                           identifiers=[{"scheme": "0106", "value": "11111111"}, {"scheme": "VAT", "value": "NL000099998B57"}]),
            "b": _supplier(db, "B", identifiers=[{"scheme": "0190", "value": "00000001002564440000"},
                                                  {"scheme": "0088", "value": "7300010000001"}]),
            "c": _supplier(db, "C", identifiers=[{"scheme": "VAT", "value": "DE136695976"}]),
            "d": _supplier(db, "D", identifiers=[{"scheme": "VAT", "value": "NL004495445B01"}]),
            "e": _supplier(db, "E", identifiers=[{"scheme": "VAT", "value": "NL004495445B01"}]),
        }

    def test_by_electronic_address_first(self, db, suppliers):
        found = resolve_supplier(db, electronic_address=("0106", "1111 1111"), identifiers=[("0190", "00000001002564440000")],
                                 vat_id="DE136695976")
        assert found.id == suppliers["a"].id

    def test_electronic_address_without_scheme(self, db, suppliers):
        assert resolve_supplier(db, electronic_address=(None, "11111111"), identifiers=[], vat_id=None).id == suppliers["a"].id

    def test_then_legal_identifiers(self, db, suppliers):
        found = resolve_supplier(db, electronic_address=("0106", "99999999"), identifiers=[("0088", "7300010000001")],
                                 vat_id="DE136695976")
        assert found.id == suppliers["b"].id

    def test_identifier_without_scheme_matches_any_legal_scheme(self, db, suppliers):
        assert resolve_supplier(db, electronic_address=None, identifiers=[(None, "00000001002564440000")],
                                vat_id=None).id == suppliers["b"].id

    def test_electronic_address_counts_as_legal_identifier(self, db, suppliers):
        assert resolve_supplier(db, electronic_address=("0088", "7300010000001"), identifiers=[],
                                vat_id=None).id == suppliers["b"].id

    def test_then_vat_id(self, db, suppliers):
        assert resolve_supplier(db, electronic_address=None, identifiers=[], vat_id="de 136695976").id == suppliers["c"].id
        assert resolve_supplier(db, electronic_address=None, identifiers=[("VAT", "DE136695976")], vat_id=None).id == suppliers["c"].id

    def test_ambiguous_is_none(self, db, suppliers):
        # fiscal unity: two suppliers share a VAT id -> never guess
        assert resolve_supplier(db, electronic_address=None, identifiers=[], vat_id="NL004495445B01") is None
        # identifiers of two different suppliers
        assert resolve_supplier(db, electronic_address=None, identifiers=[("0106", "11111111"), ("0088", "7300010000001")],
                                vat_id=None) is None

    def test_unknown_is_none_and_creates_nothing(self, db, suppliers):
        assert resolve_supplier(db, electronic_address=("0106", "22222222"), identifiers=[("0106", "22222222")],
                                vat_id="NL123456789B01") is None
        assert resolve_supplier(db, electronic_address=None, identifiers=[], vat_id=None) is None
        assert len(db.exec(select(Supplier)).all()) == 5
        assert db.exec(select(SupplierBankAccount)).all() == []


class TestOrderQueries:
    @pytest.fixture
    def order(self, db, rematches):
        supplier = _supplier(db, "S", bank_accounts=[{"iban": "NL91ABNA0417164300"}],
                             policy={"price_over_pct": "2.5", "receipt_mode": "three_way", "total_abs": 1})
        save_order(db, PurchaseOrderIn.model_validate(order_body(str(supplier.id))), actor="test")
        changed = order_body(str(supplier.id))
        changed["lines"][0]["unit_price"] = "4.50"
        save_order(db, PurchaseOrderIn.model_validate(changed), actor="test")
        db.commit()
        return supplier

    def test_get_order_returns_the_current_version(self, db, order):
        view = get_order(db, "PO-1", for_update=True)
        assert (view.number, view.version, view.status, view.currency, view.buyer_reference) == ("PO-1", 2, "open", "EUR", "AFD-12")
        assert view.supplier_id == order.id
        first = view.lines[0]
        assert (first.line_id, first.unit_price, first.quantity, first.base_quantity, first.receipt_required) == \
            ("1", Decimal("4.5"), Decimal("100"), Decimal("1"), True)
        assert (first.seller_item_id, first.standard_item_id, first.item_name) == ("P-A4", "8712345678906", "Printer paper A4")
        assert isinstance(first.vat_rate, Decimal) and first.vat_category == "S"
        assert get_order(db, "NOPE") is None

    def test_older_versions_stay_as_they_were(self, db, order):
        v1 = get_order_version(db, "PO-1", 1)
        assert v1.version == 1 and v1.lines[0].unit_price == Decimal("4.25")
        assert v1.version_id != get_order(db, "PO-1").version_id
        assert get_order_version(db, "PO-1", 3) is None

    def test_lock_order(self, db, order):
        assert lock_order(db, "PO-1") == get_order(db, "PO-1").id
        assert lock_order(db, "NOPE") is None

    def test_received_by_line(self, db, order, rematches):
        assert received_by_line(db, "PO-1").quantities == {}
        for rid, qty in (("R1", "30"), ("R2", "-5")):
            data, po = check_receipt(db, {"receipt_id": rid, "po_number": "PO-1", "date": "2026-11-01",
                                          "lines": [{"po_line_id": "1", "quantity": qty}]}, None)
            record_receipt(db, data, po, actor="test")
        db.commit()
        view = received_by_line(db, "PO-1")
        assert view.quantities == {"1": Decimal("25")} and view.receipt_ids == ("R1", "R2")
        assert received_by_line(db, "NOPE").quantities == {}

    def test_supplier_facts(self, db, order):
        facts = supplier_facts(db, order.id)
        assert facts.ibans == frozenset({"NL91ABNA0417164300"})
        assert facts.policy == {"price_over_pct": Decimal("2.5"), "receipt_mode": "three_way", "total_abs": Decimal("1")}
        assert facts.version == 1 and facts.name == "S"
        assert supplier_facts(db, uuid.uuid4()) is None


def test_goods_receipt_model_accepts_numbers():
    data = GoodsReceiptIn.model_validate({"receipt_id": "r", "po_number": "p", "date": "2026-01-01",
                                          "lines": [{"po_line_id": "1", "quantity": 2.5}]})
    assert data.lines[0].quantity == Decimal("2.5")


def test_electronic_address_is_compared_like_a_peppol_id(db):
    """Case and whitespace do not matter; separators only vanish for checked schemes (0106, 0190, 0088)."""
    a = _supplier(db, "A", electronic_address={"scheme": "9944", "value": "nl 000099998b57"})
    b = _supplier(db, "B", electronic_address={"scheme": "0106", "value": "1234.5678"})
    assert a.electronic_address_value == "NL000099998B57" and b.electronic_address_value == "12345678"
    assert resolve_supplier(db, electronic_address=("9944", "NL000099998B57"), identifiers=[], vat_id=None).id == a.id
    assert resolve_supplier(db, electronic_address=("0106", "1234 56.78"), identifiers=[], vat_id=None).id == b.id
