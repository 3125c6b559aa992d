"""UBL documents: the Peppol Order (T01) and Despatch Advice (T16) examples import; bad XML is a clear 422."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from service.masterdata.ubl import NS
from tests.masterdata.conftest import errors_of

ORDER_FILES = ["Order_Example.xml"] + [f"Order use cases/UC{i}_Order.xml" for i in range(1, 7)]
DESPATCH_FILES = ["DespatchAdvice_Example.xml"] + [
    f"Despatch Advice use cases/DespatchAdvice-BIS3_UseCase{i}.xml" for i in range(1, 6)]


def _register_seller(client, erp, root) -> str:
    endpoint = root.find("cac:SellerSupplierParty/cac:Party/cbc:EndpointID", NS)
    body = {"name": "Seller", "electronic_address": {"scheme": endpoint.get("schemeID"), "value": endpoint.text}}
    r = client.post("/v1/suppliers", json=body, headers=erp)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.parametrize("name", ORDER_FILES)
def test_peppol_order_examples_import(client, erp, xml_erp, poacc_examples, name, rematches):
    data = (poacc_examples / name).read_bytes()
    root = etree.fromstring(data)
    supplier_id = _register_seller(client, erp, root)
    params = {"vat_category": "E", "vat_rate": "0"} if "UC3" in name else {}  # UC3 states no VAT on its line
    r = client.post("/v1/purchase-orders", content=data, headers=xml_erp, params=params)
    assert r.status_code == 201, r.text
    got = r.json()
    items = root.findall("cac:OrderLine/cac:LineItem", NS)
    assert got["number"] == root.findtext("cbc:ID", namespaces=NS)
    assert got["supplier_id"] == supplier_id and got["source"] == "order"
    assert got["currency"] == root.findtext("cbc:DocumentCurrencyCode", namespaces=NS)
    assert [line["line_id"] for line in got["lines"]] == [i.findtext("cbc:ID", namespaces=NS) for i in items]
    for line, item in zip(got["lines"], items, strict=True):
        quantity = item.find("cbc:Quantity", NS)
        assert Decimal(line["quantity"]) == Decimal(quantity.text)
        assert line["unit_code"] == quantity.get("unitCode")
        assert Decimal(line["unit_price"]) == Decimal(item.findtext("cac:Price/cbc:PriceAmount", namespaces=NS))
        assert line["item"]["name"] == item.findtext("cac:Item/cbc:Name", namespaces=NS)
    assert rematches == [got["number"]]
    # posted again: the same order, no new version
    assert client.post("/v1/purchase-orders", content=data, headers=xml_erp, params=params).status_code == 200


def test_order_example_maps_item_ids_and_buyer_reference(client, erp, xml_erp, poacc_examples):
    data = (poacc_examples / "Order_Example.xml").read_bytes()
    _register_seller(client, erp, etree.fromstring(data))
    got = client.post("/v1/purchase-orders", content=data, headers=xml_erp).json()
    assert got["buyer_reference"] == "9000012345"
    assert got["lines"][0]["item"] == {"name": "Needle 4mm", "seller_item_id": "121212", "standard_item_id": "7560000012345"}
    assert (got["lines"][0]["vat_category"], got["lines"][0]["vat_rate"]) == ("S", "25")


def test_order_line_without_vat_category_needs_defaults(client, erp, xml_erp, poacc_examples):
    data = (poacc_examples / "Order use cases/UC3_Order.xml").read_bytes()
    _register_seller(client, erp, etree.fromstring(data))
    got = errors_of(client.post("/v1/purchase-orders", content=data, headers=xml_erp))
    assert got == [(("body", "lines", 0, "vat_category"), "PEPPOL-T01-R029")]


def test_unknown_seller_is_listed_with_the_other_problems(client, xml_erp, poacc_examples):
    data = (poacc_examples / "Order_Example.xml").read_bytes().replace(b'unitCode="EA">120', b'unitCode="QQQ">120')
    r = client.post("/v1/purchase-orders", content=data, headers=xml_erp)
    got = errors_of(r)
    assert set(got) == {(("body", "supplier_id"), "unknown_supplier"), (("body", "lines", 0, "unit_code"), "unknown_unit_code"),
                        (("body", "lines", 0, "base_quantity"), "base_quantity_unit")}
    xpaths = {e["type"]: e.get("xpath") for e in r.json()["errors"]}
    assert xpaths["unknown_unit_code"] == "/*/cac:OrderLine[1]/cac:LineItem/cbc:Quantity/@unitCode"


def test_supplier_id_parameter_replaces_resolution(client, erp, xml_erp, poacc_examples):
    supplier_id = client.post("/v1/suppliers", json={"name": "Medical AS"}, headers=erp).json()["id"]
    data = (poacc_examples / "Order_Example.xml").read_bytes()
    r = client.post("/v1/purchase-orders", content=data, headers=xml_erp,
                    params={"supplier_id": supplier_id, "receipt_required": "true"})
    assert r.status_code == 201, r.text
    assert r.json()["supplier_id"] == supplier_id
    assert all(line["receipt_required"] for line in r.json()["lines"])


def test_amount_in_another_currency_is_peppol_t01_r003(client, erp, xml_erp, poacc_examples):
    data = (poacc_examples / "Order_Example.xml").read_bytes().replace(
        b'<cbc:PriceAmount currencyID="NOK">50.000', b'<cbc:PriceAmount currencyID="EUR">50.000')
    _register_seller(client, erp, etree.fromstring(data))
    r = client.post("/v1/purchase-orders", content=data, headers=xml_erp)
    assert errors_of(r) == [(("body", "/*/cac:OrderLine[1]/cac:LineItem/cac:Price/cbc:PriceAmount"), "PEPPOL-T01-R003")]


def test_line_amount_that_does_not_fit_the_price_is_peppol_t01_r024(client, erp, xml_erp, poacc_examples):
    data = (poacc_examples / "Order_Example.xml").read_bytes().replace(
        b'<cbc:PriceAmount currencyID="NOK">15.000', b'<cbc:PriceAmount currencyID="NOK">16.000')
    _register_seller(client, erp, etree.fromstring(data))
    assert errors_of(client.post("/v1/purchase-orders", content=data, headers=xml_erp)) == [
        (("body", "lines", 1, "unit_price"), "PEPPOL-T01-R024")]


def test_base_quantity_in_another_unit_is_refused(client, erp, xml_erp, poacc_examples):
    data = (poacc_examples / "Order_Example.xml").read_bytes().replace(
        b'<cbc:BaseQuantity unitCode="EA">1</cbc:BaseQuantity>\n\t\t\t\t<cac:AllowanceCharge>\n\t\t\t\t\t<cbc:ChargeIndicator>false</cbc:ChargeIndicator>\n\t\t\t\t\t<cbc:Amount currencyID="NOK">100',
        b'<cbc:BaseQuantity unitCode="KGM">1</cbc:BaseQuantity>\n\t\t\t\t<cac:AllowanceCharge>\n\t\t\t\t\t<cbc:ChargeIndicator>false</cbc:ChargeIndicator>\n\t\t\t\t\t<cbc:Amount currencyID="NOK">100')
    assert b'unitCode="KGM">1</cbc:BaseQuantity>' in data
    _register_seller(client, erp, etree.fromstring(data))
    assert errors_of(client.post("/v1/purchase-orders", content=data, headers=xml_erp)) == [
        (("body", "lines", 1, "base_quantity"), "base_quantity_unit")]


def test_xsd_invalid_order_lists_schema_errors(client, xml_erp, poacc_examples):
    data = (poacc_examples / "Order_Example.xml").read_bytes().replace(b"<cbc:IssueDate>2018-09-01</cbc:IssueDate>", b"")
    r = client.post("/v1/purchase-orders", content=data, headers=xml_erp)
    got = errors_of(r)
    assert got and all(t == "schema_invalid" for _, t in got)
    assert "IssueDate" in r.json()["errors"][0]["msg"]


@pytest.mark.parametrize("body, status, kind", [
    (b"<Order", 400, "not_well_formed"),
    (b"", 400, "not_well_formed"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 400, "doctype_refused"),
    (b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>', 422, "unsupported_document"),
])
def test_unreadable_xml_is_400_and_another_document_422(client, xml_erp, body, status, kind):
    for path in ("/v1/purchase-orders", "/v1/goods-receipts"):
        r = client.post(path, content=body, headers=xml_erp)
        assert r.status_code == status, r.text
        assert [e["type"] for e in r.json()["errors"]] == [kind]
        assert "root:" not in r.text


# --- goods receipts from DespatchAdvice / ReceiptAdvice ------------------------------------------------


def _order_for(client, erp, root, line_tag: str, qty_tag: str) -> str:
    """An order that fits the document: its number, line ids and units, ample quantities."""
    supplier_id = client.post("/v1/suppliers", json={"name": "Supplier"}, headers=erp).json()["id"]
    lines = {}
    for node in root.findall(line_tag, NS):
        line_id = node.findtext("cac:OrderLineReference/cbc:LineID", namespaces=NS)
        lines[line_id] = node.find(qty_tag, NS).get("unitCode")
    number = root.findtext("cac:OrderReference/cbc:ID", namespaces=NS)
    body = {"number": number, "supplier_id": supplier_id, "currency": "EUR", "lines": [
        {"line_id": lid, "item": {"name": f"item {lid}"}, "quantity": "1000", "unit_code": unit, "unit_price": "1",
         "vat_category": "S", "vat_rate": "21", "receipt_required": True}
        for lid, unit in lines.items()]}
    assert client.post("/v1/purchase-orders", json=body, headers=erp).status_code == 201
    return number


@pytest.mark.parametrize("name", DESPATCH_FILES)
def test_peppol_despatch_advice_examples_import(client, erp, xml_erp, poacc_examples, name, rematches):
    data = (poacc_examples / name).read_bytes()
    root = etree.fromstring(data)
    number = _order_for(client, erp, root, "cac:DespatchLine", "cbc:DeliveredQuantity")
    r = client.post("/v1/goods-receipts", content=data, headers=xml_erp)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["receipt_id"], got["po_number"], got["source"]) == (root.findtext("cbc:ID", namespaces=NS), number, "despatch_advice")
    expected: dict[str, Decimal] = {}
    for node in root.findall("cac:DespatchLine", NS):
        qty = Decimal(node.findtext("cbc:DeliveredQuantity", namespaces=NS))
        if qty:
            lid = node.findtext("cac:OrderLineReference/cbc:LineID", namespaces=NS)
            expected[lid] = expected.get(lid, Decimal(0)) + qty
    order = client.get(f"/v1/purchase-orders/{number}", headers=erp).json()
    assert {ln["line_id"]: Decimal(ln["received_quantity"]) for ln in order["lines"] if Decimal(ln["received_quantity"])} == expected
    assert rematches == [number, number]  # order created + receipt
    assert client.post("/v1/goods-receipts", content=data, headers=xml_erp).status_code == 200  # idempotent


def test_despatch_advice_from_another_registered_supplier_is_422(client, erp, xml_erp, poacc_examples):
    data = (poacc_examples / "DespatchAdvice_Example.xml").read_bytes()
    root = etree.fromstring(data)
    _order_for(client, erp, root, "cac:DespatchLine", "cbc:DeliveredQuantity")  # placed with another supplier
    client.post("/v1/suppliers", json={"name": "Consortial", "electronic_address": {"scheme": "0088", "value": "7300010000001"}},
                headers=erp)
    assert errors_of(client.post("/v1/goods-receipts", content=data, headers=xml_erp)) == [
        (("body", "supplier"), "supplier_mismatch")]


RECEIPT_ADVICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<ReceiptAdvice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:ID>GR-2026-77</cbc:ID>
  <cbc:IssueDate>2026-11-26</cbc:IssueDate>
  <cac:OrderReference><cbc:ID>PO-1</cbc:ID></cac:OrderReference>
  <cac:DeliveryCustomerParty><cac:Party><cac:PartyName><cbc:Name>Gemeente</cbc:Name></cac:PartyName></cac:Party></cac:DeliveryCustomerParty>
  <cac:DespatchSupplierParty><cac:Party><cac:PartyName><cbc:Name>Leverancier</cbc:Name></cac:PartyName></cac:Party></cac:DespatchSupplierParty>
  <cac:Shipment><cbc:ID>1</cbc:ID><cac:Delivery><cbc:ActualDeliveryDate>2026-11-25</cbc:ActualDeliveryDate></cac:Delivery></cac:Shipment>
  <cac:ReceiptLine>
    <cbc:ID>1</cbc:ID>
    <cbc:ReceivedQuantity unitCode="H87">60</cbc:ReceivedQuantity>
    <cbc:RejectedQuantity unitCode="H87">5</cbc:RejectedQuantity>
    <cac:OrderLineReference><cbc:LineID>1</cbc:LineID></cac:OrderLineReference>
  </cac:ReceiptLine>
  <cac:ReceiptLine>
    <cbc:ID>2</cbc:ID>
    <cbc:ReceivedQuantity unitCode="C62">5</cbc:ReceivedQuantity>
    <cac:OrderLineReference><cbc:LineID>2</cbc:LineID></cac:OrderLineReference>
  </cac:ReceiptLine>
</ReceiptAdvice>"""


def test_receipt_advice_imports_received_minus_rejected(client, erp, xml_erp, order):
    r = client.post("/v1/goods-receipts", content=RECEIPT_ADVICE, headers=xml_erp)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["receipt_id"], got["date"], got["source"]) == ("GR-2026-77", "2026-11-25", "receipt_advice")
    assert [(ln["po_line_id"], ln["quantity"], ln["unit_code"]) for ln in got["lines"]] == [("1", "55", "H87"), ("2", "5", "C62")]


def test_receipt_advice_line_without_order_line_reference_is_422(client, xml_erp, order):
    data = RECEIPT_ADVICE.replace(b"<cac:OrderLineReference><cbc:LineID>2</cbc:LineID></cac:OrderLineReference>", b"")
    assert errors_of(client.post("/v1/goods-receipts", content=data, headers=xml_erp)) == [
        (("body", "lines", 1, "po_line_id"), "missing_order_line_reference")]


def test_receipt_advice_in_a_wrong_unit_is_422(client, xml_erp, order):
    data = RECEIPT_ADVICE.replace(b'unitCode="C62">5</cbc:ReceivedQuantity>', b'unitCode="KGM">5</cbc:ReceivedQuantity>')
    assert errors_of(client.post("/v1/goods-receipts", content=data, headers=xml_erp)) == [
        (("body", "lines", 1, "unit_code"), "unit_mismatch")]


def test_an_order_is_not_a_goods_receipt(client, xml_erp, poacc_examples):
    data = (poacc_examples / "Order_Example.xml").read_bytes()
    assert errors_of(client.post("/v1/goods-receipts", content=data, headers=xml_erp)) == [(("body",), "unsupported_document")]


def test_paths_exist(poacc_examples: Path):
    for name in ORDER_FILES + DESPATCH_FILES:
        assert (poacc_examples / name).is_file(), name
