"""A CII invoice goes through intake like a UBL one: validated, parsed, matched, approved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.bank_accounts import verify_pending
from tests.cii_builder import CiiLine, cii_invoice

SELLER = {"seller_name": "Kantoor B.V.", "seller_kvk": "12345678", "seller_vat": "NL123456782B01",
          "iban": "NL91ABNA0417164300"}


@pytest.fixture
def buyer_side(client, make_key) -> dict:
    """Supplier, a purchase order whose line needs a receipt, and the goods receipt."""
    erp = make_key("erp")
    supplier = client.post("/v1/suppliers", headers=erp, json={
        "name": "Kantoor B.V.",
        "identifiers": [{"scheme": "0106", "value": "12345678"}, {"scheme": "VAT", "value": "NL123456782B01"}],
        "electronic_address": {"scheme": "0106", "value": "12345678"},
        "bank_accounts": [{"iban": "NL91ABNA0417164300"}],
    })
    assert supplier.status_code == 201, supplier.text
    verify_pending(client, supplier.json(), make_key("admin"))
    order = client.post("/v1/purchase-orders", headers=erp, json={
        "number": "PO-CII-1", "supplier_id": supplier.json()["id"], "currency": "EUR", "status": "open",
        "lines": [{"line_id": "10", "item": {"name": "Bureaustoel", "seller_item_id": "BS-1"}, "quantity": "10",
                   "unit_code": "C62", "unit_price": "150.00", "vat_category": "S", "vat_rate": "21",
                   "receipt_required": True}],
    })
    assert order.status_code == 201, order.text
    receipt = client.post("/v1/goods-receipts", headers=erp, json={
        "receipt_id": "GR-CII-1", "po_number": "PO-CII-1", "date": "2026-11-30",
        "lines": [{"po_line_id": "10", "quantity": "5"}]})
    assert receipt.status_code == 201, receipt.text
    return {"erp": erp, "gateway": make_key("gateway")}


def _post(client, headers, body: bytes, content_type: str = "application/xml"):
    return client.post("/v1/invoices", content=body, headers={**headers, "Content-Type": content_type})


def test_cii_invoice_is_approved(client, buyer_side) -> None:
    xml = cii_invoice("F-CII-1", [CiiLine("1", "Bureaustoel", Decimal(5), Decimal("150.00"), "10", seller_item_id="BS-1")],
                      po="PO-CII-1", **SELLER)
    r = _post(client, buyer_side["gateway"], xml)
    assert r.status_code == 201, r.text
    invoice = r.json()
    assert invoice["status"] == "approved", invoice["reasons"]
    assert invoice["invoice_number"] == "F-CII-1"
    assert invoice["purchase_order"] == "PO-CII-1"
    report = client.get(f"/v1/invoices/{invoice['id']}/validation", headers=buyer_side["erp"]).json()
    assert report["scenario"] == "en16931-cii"
    assert [layer["name"] for layer in report["layers"]] == ["xml", "xsd", "en16931-cii"]
    assert client.get(f"/v1/invoices/{invoice['id']}/document", headers=buyer_side["erp"]).content == xml
    response = client.get(f"/v1/invoices/{invoice['id']}/response", headers=buyer_side["erp"])
    assert response.status_code == 200 and b"F-CII-1" in response.content


def test_cii_beyond_the_receipt_needs_review(client, buyer_side) -> None:
    xml = cii_invoice("F-CII-2", [CiiLine("1", "Bureaustoel", Decimal(8), Decimal("150.00"), "10")],
                      po="PO-CII-1", **SELLER)
    invoice = _post(client, buyer_side["gateway"], xml).json()
    assert invoice["status"] == "needs_review"
    assert "QUANTITY_EXCEEDS_RECEIVED" in {reason["code"] for reason in invoice["reasons"]}


def test_broken_cii_is_rejected_with_the_rules(client, buyer_side) -> None:
    xml = cii_invoice("F-CII-3", [CiiLine("1", "Bureaustoel", Decimal(1), Decimal("150.00"), "10")],
                      po="PO-CII-1", **SELLER).replace(b"<ram:GrandTotalAmount>181.50", b"<ram:GrandTotalAmount>181.51")
    r = _post(client, buyer_side["gateway"], xml)
    assert r.status_code == 422
    assert "BR-CO-15" in r.text


def test_factur_x_minimum_is_profile_not_en16931(client, buyer_side) -> None:
    xml = cii_invoice("F-CII-4", [CiiLine("1", "Bureaustoel", Decimal(1), Decimal("150.00"))],
                      guideline="urn:factur-x.eu:1p0:minimum", **SELLER)
    r = _post(client, buyer_side["gateway"], xml)
    assert r.status_code == 422
    assert "PROFILE_NOT_EN16931" in {reason["code"] for reason in r.json()["invoice"]["reasons"]}
