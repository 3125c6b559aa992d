"""/v1/purchase-orders (JSON): create, idempotent retry, versions, close/reopen, list, batch, bad input."""

from __future__ import annotations

import uuid

from sqlmodel import select

from service.models.masterdata import MasterDataEvent, MasterDataEventKind, PurchaseOrderVersion
from tests.masterdata.conftest import errors_of, order_body


class TestCreateOrder:
    def test_creates_version_1_with_decimals_as_strings(self, client, erp, supplier, rematches):
        r = client.post("/v1/purchase-orders", json=order_body(supplier["id"]), headers=erp)
        assert r.status_code == 201, r.text
        got = r.json()
        assert r.headers["location"] == "/v1/purchase-orders/PO-1"
        assert (got["number"], got["version"], got["current_version"], got["status"], got["source"]) == \
            ("PO-1", 1, 1, "open", "json")
        line1, line2 = got["lines"]
        assert line1 == {
            "line_id": "1", "item": {"name": "Printer paper A4", "seller_item_id": "P-A4", "standard_item_id": "8712345678906"},
            "quantity": "100", "unit_code": "H87", "unit_price": "4.25", "base_quantity": "1",
            "vat_category": "S", "vat_rate": "21", "receipt_required": True, "received_quantity": "0",
        }
        assert (line2["quantity"], line2["unit_price"], line2["receipt_required"]) == ("5", "89.5", False)
        assert rematches == ["PO-1"]

    def test_same_order_again_is_200_without_new_version(self, client, erp, supplier, order, rematches):
        r = client.post("/v1/purchase-orders", json=order_body(supplier["id"]), headers=erp)
        assert r.status_code == 200 and r.json()["version"] == 1
        assert rematches == []

    def test_other_content_under_the_same_number_is_409(self, client, erp, supplier, order):
        body = order_body(supplier["id"])
        body["lines"][0]["quantity"] = "101"
        r = client.post("/v1/purchase-orders", json=body, headers=erp)
        assert r.status_code == 409 and r.json()["purchase_order"] == "/v1/purchase-orders/PO-1"

    def test_other_status_under_the_same_number_is_409(self, client, erp, supplier, order):
        r = client.post("/v1/purchase-orders", json=order_body(supplier["id"], status="closed"), headers=erp)
        assert r.status_code == 409

    def test_numbers_with_slashes_work(self, client, erp, supplier):
        r = client.post("/v1/purchase-orders", json=order_body(supplier["id"], number="2026/INK/000123"), headers=erp)
        assert r.status_code == 201
        assert client.get("/v1/purchase-orders/2026/INK/000123", headers=erp).json()["number"] == "2026/INK/000123"
        assert client.post("/v1/purchase-orders/2026/INK/000123/close", headers=erp).json()["status"] == "closed"

    def test_every_problem_is_listed_in_one_422(self, client, erp):
        body = {
            "number": "", "supplier_id": str(uuid.uuid4()), "currency": "EUX", "status": "half",
            "lines": [
                {"line_id": "1", "item": {"name": "a"}, "quantity": "0", "unit_code": "PCS", "unit_price": "-1",
                 "base_quantity": "0", "vat_category": "S", "vat_rate": "0"},
                {"line_id": "1", "item": {}, "quantity": "1.123456789", "unit_code": "H87", "unit_price": "1",
                 "vat_category": "Q", "vat_rate": "101"},
                {"line_id": "3", "item": {"name": "c"}, "quantity": "1", "unit_code": "H87", "unit_price": "1",
                 "vat_category": "Z", "vat_rate": "9"},
                {"line_id": "4", "item": {"name": "d"}, "quantity": "1", "unit_code": "H87", "unit_price": "1"},
            ],
        }
        got = set(errors_of(client.post("/v1/purchase-orders", json=body, headers=erp)))
        assert got == {
            (("body", "number"), "string_too_short"),
            (("body", "currency"), "unknown_currency"),
            (("body", "status"), "literal_error"),
            (("body", "supplier_id"), "unknown_supplier"),
            (("body", "lines", 0, "quantity"), "greater_than"),
            (("body", "lines", 0, "unit_code"), "unknown_unit_code"),
            (("body", "lines", 0, "unit_price"), "greater_than"),
            (("body", "lines", 0, "base_quantity"), "greater_than"),
            (("body", "lines", 0, "vat_rate"), "vat_rate_mismatch"),
            (("body", "lines", 1, "line_id"), "duplicate_line_id"),
            (("body", "lines", 1, "item", "name"), "missing"),
            (("body", "lines", 1, "quantity"), "decimal_max_places"),
            (("body", "lines", 1, "vat_category"), "unknown_vat_category"),
            (("body", "lines", 1, "vat_rate"), "less_than_equal"),
            (("body", "lines", 2, "vat_rate"), "vat_rate_mismatch"),
            (("body", "lines", 3, "vat_category"), "missing"),
            (("body", "lines", 3, "vat_rate"), "missing"),
        }

    def test_no_lines_is_422(self, client, erp, supplier):
        got = errors_of(client.post("/v1/purchase-orders", json=order_body(supplier["id"], lines=[]), headers=erp))
        assert got == [(("body", "lines"), "too_short")]

    def test_malformed_supplier_id_is_422(self, client, erp):
        got = errors_of(client.post("/v1/purchase-orders", json=order_body("nope"), headers=erp))
        assert got == [(("body", "supplier_id"), "uuid_parsing")]

    def test_unsupported_media_type_is_415(self, client, erp):
        r = client.post("/v1/purchase-orders", content=b"number=1", headers={**erp, "Content-Type": "text/plain"})
        assert r.status_code == 415 and r.json()["type"] == "/problems/unsupported-media-type"

    def test_too_large_is_413(self, client, erp, app):
        limit = app.state.settings.max_document_bytes
        r = client.post("/v1/purchase-orders", content=b" " * (limit + 1), headers={**erp, "Content-Type": "application/json"})
        assert r.status_code == 413

    def test_reviewer_may_not_load_orders(self, client, reviewer, supplier):
        assert client.post("/v1/purchase-orders", json=order_body(supplier["id"]), headers=reviewer).status_code == 403


class TestVersions:
    def test_put_with_changed_content_creates_version_2_and_keeps_version_1(self, client, erp, supplier, order, rematches, session):
        body = order_body(supplier["id"])
        body["lines"][0]["unit_price"] = "4.40"
        r = client.put("/v1/purchase-orders/PO-1", json=body, headers=erp)
        assert r.status_code == 200, r.text
        assert (r.json()["version"], r.json()["lines"][0]["unit_price"]) == (2, "4.4")
        old = client.get("/v1/purchase-orders/PO-1/versions/1", headers=erp).json()
        assert (old["version"], old["current_version"], old["lines"][0]["unit_price"]) == (1, 2, "4.25")
        assert rematches == ["PO-1"]
        kinds = [e.kind for e in session.exec(select(MasterDataEvent).where(MasterDataEvent.po_number == "PO-1")
                                               .order_by(MasterDataEvent.order_version)).all()]
        assert kinds == [MasterDataEventKind.order_version_created] * 2

    def test_put_with_same_content_is_a_no_op(self, client, erp, supplier, order, rematches, session):
        r = client.put("/v1/purchase-orders/PO-1", json=order_body(supplier["id"]), headers=erp)
        assert r.status_code == 200 and r.json()["version"] == 1
        assert rematches == []
        assert len(session.exec(select(PurchaseOrderVersion)).all()) == 1

    def test_put_creates_an_unknown_order(self, client, erp, supplier):
        r = client.put("/v1/purchase-orders/PO-9", json=order_body(supplier["id"], number="PO-9"), headers=erp)
        assert r.status_code == 201

    def test_put_takes_the_number_from_the_url(self, client, erp, supplier):
        body = order_body(supplier["id"])
        del body["number"]
        assert client.put("/v1/purchase-orders/PO-7", json=body, headers=erp).json()["number"] == "PO-7"

    def test_put_with_another_number_in_the_body_is_422(self, client, erp, supplier, order):
        got = errors_of(client.put("/v1/purchase-orders/PO-1", json=order_body(supplier["id"], number="PO-2"), headers=erp))
        assert got == [(("body", "number"), "number_mismatch")]

    def test_put_status_closed_closes_without_new_version(self, client, erp, supplier, order, session):
        r = client.put("/v1/purchase-orders/PO-1", json=order_body(supplier["id"], status="closed"), headers=erp)
        assert (r.json()["status"], r.json()["version"]) == ("closed", 1)
        kinds = {e.kind for e in session.exec(select(MasterDataEvent)).all()}
        assert MasterDataEventKind.order_closed in kinds

    def test_unknown_version_is_404(self, client, erp, order):
        assert client.get("/v1/purchase-orders/PO-1/versions/3", headers=erp).status_code == 404


class TestCloseReopen:
    def test_close_and_reopen_record_events_and_rematch(self, client, erp, supplier, order, rematches, session):
        assert client.post("/v1/purchase-orders/PO-1/close", headers=erp).json()["status"] == "closed"
        assert client.post("/v1/purchase-orders/PO-1/close", headers=erp).status_code == 200  # idempotent
        assert client.post("/v1/purchase-orders/PO-1/reopen", headers=erp).json()["status"] == "open"
        kinds = [e.kind for e in session.exec(select(MasterDataEvent).where(MasterDataEvent.po_number == "PO-1")
                                               .order_by(MasterDataEvent.at)).all()]  # the order's events
        assert kinds == [MasterDataEventKind.order_version_created, MasterDataEventKind.order_closed,
                         MasterDataEventKind.order_reopened]
        assert len(rematches) == 2

    def test_unknown_order_is_404(self, client, erp):
        r = client.post("/v1/purchase-orders/NOPE/close", headers=erp)
        assert r.status_code == 404 and r.json()["type"] == "/problems/purchase-order-not-found"


class TestReadAndList:
    def test_reviewer_reads_an_order(self, client, reviewer, order):
        assert client.get("/v1/purchase-orders/PO-1", headers=reviewer).json() == order

    def test_unknown_order_is_404(self, client, erp):
        assert client.get("/v1/purchase-orders/NOPE", headers=erp).status_code == 404

    def test_list_filters_and_pages(self, client, erp, supplier):
        other = client.post("/v1/suppliers", json={"name": "Other"}, headers=erp).json()["id"]
        for i in range(4):
            client.post("/v1/purchase-orders", json=order_body(supplier["id"], number=f"A{i}"), headers=erp)
        client.post("/v1/purchase-orders", json=order_body(other, number="B0"), headers=erp)
        client.post("/v1/purchase-orders/A3/close", headers=erp)
        numbers, cursor = [], None
        while True:
            page = client.get("/v1/purchase-orders", params={"supplier_id": supplier["id"], "status": "open", "limit": 2}
                              | ({"cursor": cursor} if cursor else {}), headers=erp).json()
            numbers += [o["number"] for o in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert numbers == ["A0", "A1", "A2"]
        summary = client.get("/v1/purchase-orders", params={"limit": 1}, headers=erp).json()["data"][0]
        assert (summary["line_count"], summary["current_version"]) == (2, 1)

    def test_bad_status_filter_is_422(self, client, erp):
        assert client.get("/v1/purchase-orders", params={"status": "half"}, headers=erp).status_code == 422


class TestBatch:
    def test_batch_creates_updates_and_reports_invalid_orders(self, client, erp, supplier, order, rematches, engine):
        from sqlmodel import Session

        from service.models.invoices import Invoice

        with Session(engine) as s:  # an invoice already refers to PO-1 and PO-2: only those are re-matched
            s.add(Invoice(sha256="a" * 64, document=b"<x/>", purchase_order="PO-2"))
            s.add(Invoice(sha256="b" * 64, document=b"<x/>", purchase_order="PO-1"))
            s.commit()
        changed = order_body(supplier["id"])
        changed["lines"][1]["quantity"] = "6"
        bad = order_body(supplier["id"], number="PO-BAD", currency="EURO")
        r = client.post("/v1/purchase-orders/batch", json={"orders": [
            order_body(supplier["id"], number="PO-2"), changed, order_body(supplier["id"], number="PO-3"), bad,
            order_body(supplier["id"], number="PO-2"),
        ]}, headers=erp)
        assert r.status_code == 200, r.text
        got = r.json()
        assert (got["created"], got["updated"], got["unchanged"], got["invalid"]) == (2, 1, 1, 1)
        assert [(x["index"], x["outcome"], x["version"]) for x in got["results"]] == [
            (0, "created", 1), (1, "updated", 2), (2, "created", 1), (3, "invalid", None), (4, "unchanged", 1)]
        assert got["results"][3]["errors"] == [
            {"loc": ["body", "orders", 3, "currency"], "msg": "String should have at most 3 characters",
             "type": "string_too_long"}]
        assert client.get("/v1/purchase-orders/PO-1", headers=erp).json()["lines"][1]["quantity"] == "6"
        assert client.get("/v1/purchase-orders/PO-1/versions/1", headers=erp).json()["lines"][1]["quantity"] == "5"
        assert sorted(rematches) == ["PO-1", "PO-2"]  # PO-3: no invoice mentions it

    def test_batch_needs_a_list_of_orders(self, client, erp):
        assert errors_of(client.post("/v1/purchase-orders/batch", json={"orders": {}}, headers=erp)) == \
            [(("body", "orders"), "list_type")]
        assert client.post("/v1/purchase-orders/batch", json={"orders": [{}] * 1001}, headers=erp).status_code == 422
