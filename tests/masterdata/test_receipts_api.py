"""/v1/goods-receipts (JSON): cumulative quantities, returns, idempotency, bad input."""

from __future__ import annotations

from sqlmodel import select

from service.models.masterdata import MasterDataEvent, MasterDataEventKind
from tests.masterdata.conftest import errors_of


def receipt(receipt_id="GR-1", po_number="PO-1", lines=(("1", "40"),), date="2026-11-20"):
    return {"receipt_id": receipt_id, "po_number": po_number, "date": date,
            "lines": [{"po_line_id": lid, "quantity": qty} for lid, qty in lines]}


def received(client, erp, number="PO-1") -> dict[str, str]:
    order = client.get(f"/v1/purchase-orders/{number}", headers=erp).json()
    return {ln["line_id"]: ln["received_quantity"] for ln in order["lines"]}


class TestRecordReceipt:
    def test_receipts_add_up_and_returns_subtract(self, client, erp, order, rematches, session):
        r = client.post("/v1/goods-receipts", json=receipt(), headers=erp)
        assert r.status_code == 201, r.text
        assert r.headers["location"] == "/v1/goods-receipts/GR-1"
        assert r.json()["lines"] == [{"po_line_id": "1", "quantity": "40", "unit_code": None}]
        client.post("/v1/goods-receipts", json=receipt("GR-2", lines=(("1", 25.5), ("2", "5"))), headers=erp)
        client.post("/v1/goods-receipts", json=receipt("GR-3", lines=(("1", "-10"),)), headers=erp)
        assert received(client, erp) == {"1": "55.5", "2": "5"}
        assert rematches == ["PO-1"] * 3  # each receipt
        kinds = [e.kind for e in session.exec(select(MasterDataEvent)).all()]
        assert kinds.count(MasterDataEventKind.goods_receipt_recorded) == 3

    def test_same_receipt_again_is_200_and_counted_once(self, client, erp, order, rematches):
        client.post("/v1/goods-receipts", json=receipt(), headers=erp)
        again = client.post("/v1/goods-receipts", json=receipt(), headers=erp)
        assert again.status_code == 200
        assert received(client, erp)["1"] == "40"
        assert len(rematches) == 1

    def test_same_id_with_other_content_is_409(self, client, erp, order):
        client.post("/v1/goods-receipts", json=receipt(), headers=erp)
        r = client.post("/v1/goods-receipts", json=receipt(lines=(("1", "41"),)), headers=erp)
        assert r.status_code == 409 and r.json()["goods_receipt"] == "/v1/goods-receipts/GR-1"

    def test_receipt_beyond_the_ordered_quantity_is_recorded(self, client, erp, order):
        # over-delivery is a fact; matching decides what it means for invoices
        assert client.post("/v1/goods-receipts", json=receipt(lines=(("2", "7"),)), headers=erp).status_code == 201

    def test_every_problem_is_listed_in_one_422(self, client, erp, order):
        body = {"receipt_id": "", "po_number": "PO-1", "date": "yesterday",
                "lines": [{"po_line_id": "1", "quantity": "0"}, {"po_line_id": "", "quantity": "x"}], "note": 1}
        got = set(errors_of(client.post("/v1/goods-receipts", json=body, headers=erp)))
        assert got == {
            (("body", "receipt_id"), "string_too_short"), (("body", "date"), "date_from_datetime_parsing"),
            (("body", "lines", 0, "quantity"), "zero_quantity"), (("body", "lines", 1, "po_line_id"), "string_too_short"),
            (("body", "lines", 1, "quantity"), "decimal_parsing"), (("body", "note"), "extra_forbidden"),
        }

    def test_unknown_order_lines_units_and_excess_returns_are_listed(self, client, erp, order):
        client.post("/v1/goods-receipts", json=receipt(lines=(("1", "10"),)), headers=erp)
        body = receipt("GR-2", lines=(("1", "-11"), ("9", "1"), ("2", "1")))
        body["lines"][2]["unit_code"] = "KGM"
        got = errors_of(client.post("/v1/goods-receipts", json=body, headers=erp))
        assert got == [(("body", "lines", 0, "quantity"), "return_exceeds_received"),
                       (("body", "lines", 1, "po_line_id"), "unknown_order_line"),
                       (("body", "lines", 2, "unit_code"), "unit_mismatch")]

    def test_unknown_order_is_422(self, client, erp):
        got = errors_of(client.post("/v1/goods-receipts", json=receipt(po_number="NOPE"), headers=erp))
        assert got == [(("body", "po_number"), "unknown_order")]

    def test_reviewer_may_not_record(self, client, reviewer, order):
        assert client.post("/v1/goods-receipts", json=receipt(), headers=reviewer).status_code == 403


class TestReadReceipts:
    def test_get_and_list_by_order(self, client, erp, reviewer, supplier, order):
        from tests.masterdata.conftest import order_body

        client.post("/v1/purchase-orders", json=order_body(supplier["id"], number="PO-2"), headers=erp)
        client.post("/v1/goods-receipts", json=receipt("GR/1"), headers=erp)
        client.post("/v1/goods-receipts", json=receipt("GR/2", po_number="PO-2"), headers=erp)
        client.post("/v1/goods-receipts", json=receipt("GR/3"), headers=erp)
        got = client.get("/v1/goods-receipts/GR/1", headers=reviewer)
        assert got.status_code == 200 and got.json()["date"] == "2026-11-20"
        ids, cursor = [], None
        while True:
            page = client.get("/v1/goods-receipts", params={"po_number": "PO-1", "limit": 1} | ({"cursor": cursor} if cursor else {}),
                              headers=reviewer).json()
            ids += [x["receipt_id"] for x in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert ids == ["GR/1", "GR/3"]

    def test_unknown_receipt_is_404(self, client, erp):
        r = client.get("/v1/goods-receipts/NOPE", headers=erp)
        assert r.status_code == 404 and r.json()["type"] == "/problems/goods-receipt-not-found"
