"""Concurrent writers on one order: versions never collide, receipts never lose a quantity."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from service.db import unit_of_work
from service.errors import Conflict
from service.masterdata import get_order, received_by_line
from service.masterdata.orders import save_order
from service.masterdata.payloads import PurchaseOrderIn, SupplierIn
from service.masterdata.receipts import check_receipt, record_receipt
from service.masterdata.suppliers import create_supplier
from service.models.masterdata import PurchaseOrder, PurchaseOrderVersion
from tests.masterdata.conftest import order_body


def _parallel(n, work):
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


@pytest.fixture
def supplier_id(engine, rematches):
    with unit_of_work(engine) as s:
        return create_supplier(s, SupplierIn(name="S"), actor="test").id


def test_concurrent_changes_get_consecutive_versions(engine, supplier_id):
    with unit_of_work(engine) as s:
        save_order(s, PurchaseOrderIn.model_validate(order_body(str(supplier_id))), actor="test")

    def change(i):
        body = order_body(str(supplier_id))
        body["lines"][0]["quantity"] = str(200 + i)
        with unit_of_work(engine) as s:
            save_order(s, PurchaseOrderIn.model_validate(body), actor=f"t{i}")

    assert _parallel(6, change) == []
    with Session(engine) as s:
        versions = sorted(v.version for v in s.exec(select(PurchaseOrderVersion)).all())
        assert versions == [1, 2, 3, 4, 5, 6, 7]
        assert get_order(s, "PO-1").version == 7


def test_concurrent_creation_of_one_number_stores_one_order(engine, supplier_id):
    def create(i):
        with unit_of_work(engine) as s:
            save_order(s, PurchaseOrderIn.model_validate(order_body(str(supplier_id), number="PO-X")),
                       actor=f"t{i}", replace=False)

    errors = _parallel(4, create)
    assert all(isinstance(e, Conflict) for e in errors), errors  # PostgreSQL: losers are told to retry
    with Session(engine) as s:
        assert len(s.exec(select(PurchaseOrder)).all()) == 1
        assert len(s.exec(select(PurchaseOrderVersion)).all()) == 1


def test_concurrent_receipts_all_count(engine, supplier_id):
    with unit_of_work(engine) as s:
        save_order(s, PurchaseOrderIn.model_validate(order_body(str(supplier_id))), actor="test")

    def receive(i):
        with unit_of_work(engine) as s:
            data, order = check_receipt(s, {"receipt_id": f"R{i}", "po_number": "PO-1", "date": "2026-11-27",
                                            "lines": [{"po_line_id": "1", "quantity": "3"}]}, None)
            record_receipt(s, data, order, actor=f"t{i}")

    assert _parallel(8, receive) == []
    with Session(engine) as s:
        assert received_by_line(s, "PO-1").quantities == {"1": Decimal(24)}
