"""What each kind of API key may file and read: supplier keys only their own supplier's invoices,
gateway keys only what they delivered (404 for the rest, so an id gives nothing away)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from service.models.invoices import Invoice, InvoiceStatus
from service.models.masterdata import Supplier
from tests.conftest import MIRROR

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()
BASE_SELLER = ("0088", "9482348239847239874")  # BT-34 of the base example
XML = {"Content-Type": "application/xml"}
READS = ("", "/validation", "/data", "/document", "/response", "/decision", "/attachments/1")


def numbered(number: str) -> bytes:
    return BASE.replace(b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)


def broken(doc: bytes) -> bytes:
    """BR-CO-15 fails: rejected by validation, yet stored with its report."""
    return doc.replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
                       b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26</cbc:TaxInclusiveAmount>')


def supplier(session, scheme: str, value: str, name: str) -> Supplier:
    row = Supplier(name=name, electronic_address_scheme=scheme, electronic_address_value=value)
    session.add(row)
    session.commit()
    return row


class TestSupplierKeys:
    def test_may_not_claim_an_unregistered_sellers_invoice_number(self, client, make_key, session):
        """The attack of issue #21: file a seller's number before that seller is in master data."""
        squatter = supplier(session, "0106", "87654321", "Squatter B.V.")
        key = {**make_key("supplier", squatter.id), **XML}
        r = client.post("/v1/invoices", content=BASE, headers=key)
        assert r.status_code == 403 and r.json()["type"] == "/problems/seller-not-your-supplier"
        assert "unknown in the supplier master data" in r.json()["detail"]
        assert session.exec(select(Invoice)).all() == []
        # an invalid copy is stored as the squatter's own rejected document: it reserves nothing
        r = client.post("/v1/invoices", content=broken(BASE), headers=key)
        assert r.status_code == 422
        assert r.json()["invoice"]["seller"]["supplier_id"] == str(squatter.id)
        # the genuine invoice, delivered later, is neither a duplicate nor someone else's
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("gateway"), **XML})
        assert r.status_code == 201, r.text
        assert r.json()["status"] != InvoiceStatus.rejected.value

    def test_the_genuine_suppliers_key_files_after_a_refused_attempt(self, client, make_key, session):
        genuine = supplier(session, *BASE_SELLER, "Seller")
        other = supplier(session, "0106", "87654321", "Other B.V.")
        assert client.post("/v1/invoices", content=BASE,
                           headers={**make_key("supplier", other.id), **XML}).status_code == 403
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("supplier", genuine.id), **XML})
        assert r.status_code == 201, r.text
        assert r.json()["seller"]["supplier_id"] == str(genuine.id)


class TestGatewayKeys:
    def test_read_only_what_they_delivered(self, client, make_key):
        mine, theirs = make_key("gateway", name="access point A"), make_key("gateway", name="access point B")
        own = client.post("/v1/invoices", content=numbered("GW-A-1"), headers={**mine, **XML}).json()["id"]
        other = client.post("/v1/invoices", content=numbered("GW-B-1"), headers={**theirs, **XML}).json()["id"]
        assert client.get(f"/v1/invoices/{own}", headers=mine).status_code == 200
        assert client.get(f"/v1/invoices/{own}/decision", headers=mine).status_code in (200, 404)
        for suffix in READS:
            r = client.get(f"/v1/invoices/{other}{suffix}", headers=mine)
            assert r.status_code == 404, (suffix, r.text)
            assert r.json()["type"] == "/problems/invoice-not-found", suffix
        assert [i["id"] for i in client.get("/v1/invoices", headers=mine).json()["data"]] == [own]
        assert [i["id"] for i in client.get("/v1/invoices", headers=theirs).json()["data"]] == [other]
        # the ERP reads everything
        assert {i["id"] for i in client.get("/v1/invoices", headers=make_key("erp")).json()["data"]} == {own, other}

    @pytest.mark.parametrize("path", ["/v1/events", "/v1/suppliers", "/v1/purchase-orders"])
    def test_read_no_master_data_or_feed(self, client, make_key, path):
        assert client.get(path, headers=make_key("gateway")).status_code == 403
