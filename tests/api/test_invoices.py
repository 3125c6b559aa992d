"""POST /v1/invoices and the read endpoints: every status code of the contract with real documents."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import text
from sqlmodel import select

from service.models.invoices import AuditEvent, Invoice, InvoiceAttachment, InvoiceStatus
from service.models.masterdata import Supplier
from tests.conftest import MIRROR

PEPPOL = MIRROR / "peppol-bis-billing-3" / "rules" / "examples"
CEN = MIRROR / "en16931" / "ubl" / "examples"
BASE = (PEPPOL / "base-example.xml").read_bytes()
CREDIT = (PEPPOL / "base-creditnote-correction.xml").read_bytes()
XML = {"Content-Type": "application/xml"}
BASE_SELLER = ("0088", "9482348239847239874")


def with_number(doc: bytes, number: str) -> bytes:
    """The same document under another BT-1 (the CEN/Peppol rules do not tie BT-1 to anything else)."""
    return doc.replace(b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)


def invalid(doc: bytes) -> bytes:
    """Break BR-CO-15 (total with VAT = total without VAT + VAT): a business-rule violation."""
    return doc.replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
                       b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26</cbc:TaxInclusiveAmount>')


def make_supplier(session, scheme: str = BASE_SELLER[0], value: str = BASE_SELLER[1], name: str = "Seller") -> Supplier:
    supplier = Supplier(name=name, electronic_address_scheme=scheme, electronic_address_value=value)
    session.add(supplier)
    session.commit()
    return supplier


@pytest.fixture
def gateway(make_key):
    return {**make_key("gateway"), **XML}


class TestCreate:
    def test_valid_invoice_is_stored_and_goes_to_review(self, client, gateway, session):
        r = client.post("/v1/invoices", content=BASE, headers=gateway)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "needs_review" or body["status"] == "approved"
        assert body["invoice_number"] == "Snippet1" and body["document_type"] == "invoice"
        assert body["currency"] == "EUR" and body["issue_date"] == "2017-11-13"
        assert body["totals"]["payable_amount"] == "1656.25"  # decimals travel as strings
        assert body["seller"]["key"] == "0088:9482348239847239874"
        assert body["validation"]["outcome"] == "valid"
        assert body["sha256"] == hashlib.sha256(BASE).hexdigest()
        assert r.headers["location"].endswith(f"/v1/invoices/{body['id']}")
        assert r.headers["etag"]
        inv = session.get(Invoice, uuid.UUID(body["id"]))
        assert inv.document == BASE and inv.payable_amount == Decimal("1656.25")
        assert inv.data["number"] == "Snippet1"
        events = session.exec(select(AuditEvent).where(AuditEvent.invoice_id == inv.id).order_by(AuditEvent.at)).all()
        assert next((e.from_status, e.to_status) for e in events) == (None, InvoiceStatus.received)
        assert events[0].actor.startswith("key:")
        assert len(events) == 2 and events[1].from_status is InvoiceStatus.received

    def test_credit_note_is_accepted(self, client, gateway):
        r = client.post("/v1/invoices", content=CREDIT, headers=gateway)
        assert r.status_code == 201, r.text
        assert r.json()["document_type"] == "credit_note" and r.json()["type_code"] == "381"

    def test_text_xml_is_accepted_too(self, client, make_key):
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("gateway"), "Content-Type": "text/xml"})
        assert r.status_code == 201

    def test_same_bytes_again_return_the_stored_invoice(self, client, gateway, session):
        first = client.post("/v1/invoices", content=BASE, headers=gateway)
        again = client.post("/v1/invoices", content=BASE, headers=gateway)
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["location"] == first.headers["location"]
        assert len(session.exec(select(Invoice)).all()) == 1

    def test_rejected_document_is_stored_with_its_report(self, client, gateway, session):
        r = client.post("/v1/invoices", content=invalid(BASE), headers=gateway)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["type"] == "/problems/invoice-rejected" and problem["status"] == 422
        assert problem["invoice"]["status"] == "rejected"
        assert problem["invoice"]["validation"]["reason_code"] == "RULE_VIOLATION"
        assert "BR-CO-15" in problem["invoice"]["validation"]["failed_rules"]
        assert problem["validation"]["outcome"] == "invalid"
        assert any(r["code"] == "RULE_VIOLATION" and r["rule_id"] == "BR-CO-15" for r in problem["invoice"]["reasons"])
        inv = session.get(Invoice, uuid.UUID(problem["invoice"]["id"]))
        assert inv.status is InvoiceStatus.rejected and inv.document == invalid(BASE)
        events = session.exec(select(AuditEvent).where(AuditEvent.invoice_id == inv.id).order_by(AuditEvent.at)).all()
        assert [e.to_status for e in events] == [InvoiceStatus.received, InvoiceStatus.rejected]
        assert events[1].reason_codes == ["RULE_VIOLATION"]
        # the same invalid bytes again: the stored (rejected) resource, 200
        again = client.post("/v1/invoices", content=invalid(BASE), headers=gateway)
        assert again.status_code == 200 and again.json()["status"] == "rejected"

    def test_schema_invalid_document_is_rejected(self, client, gateway):
        doc = BASE.replace(b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>", b"<cbc:IssueDate>13-11-2017</cbc:IssueDate>")
        r = client.post("/v1/invoices", content=doc, headers=gateway)
        assert r.status_code == 422
        assert r.json()["invoice"]["validation"]["reason_code"] == "SCHEMA_INVALID"
        assert r.json()["invoice"]["reasons"][0]["code"] == "SCHEMA_INVALID"

    def test_other_ubl_documents_are_rejected_as_unsupported(self, client, gateway):
        order = (MIRROR / "ubl-2.1" / "xml" / "UBL-Order-2.1-Example.xml").read_bytes()
        r = client.post("/v1/invoices", content=order, headers=gateway)
        assert r.status_code == 422
        assert r.json()["invoice"]["validation"]["reason_code"] == "UNSUPPORTED_DOCUMENT"

    def test_duplicate_number_is_stored_as_rejected_and_points_at_the_first(self, client, gateway, session):
        first = client.post("/v1/invoices", content=BASE, headers=gateway).json()
        # other bytes (a note added), same seller, same BT-1, same type
        dup = BASE.replace(b"<cbc:DocumentCurrencyCode>", b"<cbc:Note>resent</cbc:Note><cbc:DocumentCurrencyCode>", 1)
        r = client.post("/v1/invoices", content=dup, headers=gateway)
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["type"] == "/problems/duplicate-invoice"
        assert problem["first_invoice"] == f"/v1/invoices/{first['id']}"
        assert problem["invoice"]["status"] == "rejected"
        assert problem["invoice"]["reasons"][0]["code"] == "DUPLICATE_INVOICE"
        assert problem["invoice"]["duplicate_of"] == first["id"]
        stored = session.get(Invoice, uuid.UUID(problem["invoice"]["id"]))
        assert stored.status is InvoiceStatus.rejected and stored.document == dup

    def test_same_number_as_credit_note_is_not_a_duplicate(self, client, gateway):
        assert client.post("/v1/invoices", content=BASE, headers=gateway).status_code == 201
        credit = CREDIT.replace(b"<cbc:ID>Snippet1</cbc:ID>", b"<cbc:ID>Snippet1</cbc:ID>", 1)
        assert client.post("/v1/invoices", content=credit, headers=gateway).status_code == 201

    def test_a_rejected_number_may_be_sent_again_corrected(self, client, gateway):
        assert client.post("/v1/invoices", content=invalid(BASE), headers=gateway).status_code == 422
        assert client.post("/v1/invoices", content=BASE, headers=gateway).status_code == 201

    def test_without_a_key_401(self, client):
        r = client.post("/v1/invoices", content=BASE, headers=XML)
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")

    def test_roles_that_do_not_submit_403(self, client, make_key):
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("erp"), **XML})
        assert r.status_code == 403

    def test_supplier_key_posts_its_own_invoices(self, client, make_key, session):
        supplier = make_supplier(session)
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("supplier", supplier.id), **XML})
        assert r.status_code == 201, r.text
        assert r.json()["seller"]["supplier_id"] == str(supplier.id)

    def test_supplier_key_may_not_post_another_sellers_invoice(self, client, make_key, session):
        make_supplier(session)
        other = make_supplier(session, "0106", "12345678", name="Other")
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("supplier", other.id), **XML})
        assert r.status_code == 403
        assert r.json()["type"] == "/problems/seller-not-your-supplier"
        assert session.exec(select(Invoice)).all() == []  # nothing stored

    def test_supplier_key_for_an_unknown_seller_403(self, client, make_key, session):
        other = make_supplier(session, "0106", "12345678", name="Other")
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("supplier", other.id), **XML})
        assert r.status_code == 403

    def test_other_content_types_415(self, client, make_key):
        for ctype in ("application/json", "text/plain", None):
            headers = make_key("gateway")
            if ctype:
                headers["Content-Type"] = ctype
            r = client.post("/v1/invoices", content=BASE, headers=headers)
            assert r.status_code == 415, ctype

    def test_empty_body_400(self, client, gateway, session):
        r = client.post("/v1/invoices", content=b"", headers=gateway)
        assert r.status_code == 400 and r.json()["type"] == "/problems/empty-document"
        r = client.post("/v1/invoices", content=b"   \n", headers=gateway)
        assert r.status_code == 400
        assert session.exec(select(Invoice)).all() == []

    def test_not_well_formed_400_and_nothing_stored(self, client, gateway, session):
        r = client.post("/v1/invoices", content=BASE[:-40], headers=gateway)
        assert r.status_code == 400 and r.json()["type"] == "/problems/not-well-formed"
        assert r.json()["reason_code"] == "NOT_WELL_FORMED" and r.json()["line"]
        assert session.exec(select(Invoice)).all() == []


class TestSizeLimit:
    @pytest.fixture
    def small_app(self, settings, engine, validation):
        from service.main import create_app

        return create_app(settings.model_copy(update={"max_document_bytes": 4096}), engine=engine,
                          validation=validation)

    def test_body_over_the_limit_413(self, small_app, make_key, session):
        from fastapi.testclient import TestClient

        with TestClient(small_app) as c:
            r = c.post("/v1/invoices", content=BASE, headers={**make_key("gateway"), **XML})
            assert r.status_code == 413 and r.json()["limit"] == 4096

            # chunked (no Content-Length): refused while streaming
            def chunks():
                for _ in range(1000):
                    yield b"<a>" * 1000

            r = c.post("/v1/invoices", content=chunks(), headers={**make_key("gateway"), **XML})
            assert r.status_code == 413
        assert session.exec(select(Invoice)).all() == []


class TestRead:
    def test_get_with_etag_and_304(self, client, gateway):
        created = client.post("/v1/invoices", content=BASE, headers=gateway)
        url = f"/v1/invoices/{created.json()['id']}"
        r = client.get(url, headers=gateway)
        assert r.status_code == 200 and r.json()["id"] == created.json()["id"]
        assert r.json()["links"]["document"] == f"{url}/document"
        etag = r.headers["etag"]
        r2 = client.get(url, headers={**gateway, "If-None-Match": etag})
        assert r2.status_code == 304 and r2.headers["etag"] == etag
        assert client.get(url, headers={**gateway, "If-None-Match": '"other"'}).status_code == 200

    def test_unknown_invoice_404(self, client, gateway):
        r = client.get(f"/v1/invoices/{uuid.uuid4()}", headers=gateway)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")

    def test_suppliers_see_only_their_own_invoices(self, client, make_key, session, gateway):
        mine = make_supplier(session)
        other = make_supplier(session, "0106", "12345678", name="Other")
        created = client.post("/v1/invoices", content=BASE, headers=gateway).json()
        url = f"/v1/invoices/{created['id']}"
        assert client.get(url, headers=make_key("supplier", mine.id)).status_code == 200
        for suffix in ("", "/document", "/validation", "/response"):
            assert client.get(url + suffix, headers=make_key("supplier", other.id)).status_code == 404
        listed = client.get("/v1/invoices", headers=make_key("supplier", other.id)).json()
        assert listed["data"] == []
        assert len(client.get("/v1/invoices", headers=make_key("supplier", mine.id)).json()["data"]) == 1

    def test_document_is_returned_byte_for_byte(self, client, gateway):
        doc = b"\xef\xbb\xbf" + BASE.replace(b"\n", b"\r\n")  # BOM and CRLF survive untouched
        created = client.post("/v1/invoices", content=doc, headers={**gateway, "Content-Type": "text/xml; charset=utf-8"})
        assert created.status_code == 201, created.text
        r = client.get(f"/v1/invoices/{created.json()['id']}/document", headers=gateway)
        assert r.status_code == 200 and r.content == doc
        assert r.headers["content-type"].startswith("text/xml")
        assert r.headers["etag"] == f'"{hashlib.sha256(doc).hexdigest()}"'

    def test_validation_report(self, client, gateway):
        created = client.post("/v1/invoices", content=invalid(BASE), headers=gateway).json()["invoice"]
        r = client.get(f"/v1/invoices/{created['id']}/validation", headers=gateway)
        assert r.status_code == 200
        report = r.json()
        assert report["outcome"] == "invalid" and report["document_sha256"] == created["sha256"]
        assert any(f["rule_id"] == "BR-CO-15" for layer in report["layers"] for f in layer["findings"])

    def test_embedded_attachment_is_extracted_and_downloadable(self, client, gateway, session):
        doc = with_number(BASE, "ATT-1").replace(
            b"<cac:AccountingSupplierParty>",
            b"<cac:AdditionalDocumentReference><cbc:ID>timesheet</cbc:ID>"
            b"<cbc:DocumentDescription>Hours</cbc:DocumentDescription><cac:Attachment>"
            b'<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="hours.pdf">'
            b"JVBERi0xLjQKJcOkw7zDtsOfCg==</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
            b"</cac:AdditionalDocumentReference><cac:AccountingSupplierParty>", 1)
        r = client.post("/v1/invoices", content=doc, headers=gateway)
        assert r.status_code == 201, r.text
        (att,) = r.json()["attachments"]
        assert att["n"] == 1 and att["filename"] == "hours.pdf" and att["mime_allowed"] and att["content_matches"]
        got = client.get(att["href"], headers=gateway)
        assert got.status_code == 200 and got.content.startswith(b"%PDF-1.4")
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"] == 'attachment; filename="hours.pdf"'
        assert client.get(att["href"][:-1] + "2", headers=gateway).status_code == 404
        assert session.exec(select(InvoiceAttachment)).one().document_reference == "timesheet"

    def test_attachment_whose_bytes_do_not_match_is_served_as_octet_stream(self, client, gateway):
        doc = with_number(BASE, "ATT-2").replace(
            b"<cac:AccountingSupplierParty>",
            b"<cac:AdditionalDocumentReference><cbc:ID>x</cbc:ID><cac:Attachment>"
            b'<cbc:EmbeddedDocumentBinaryObject mimeCode="image/png" filename="x.png">'
            b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>"
            b"</cac:AdditionalDocumentReference><cac:AccountingSupplierParty>", 1)
        r = client.post("/v1/invoices", content=doc, headers=gateway)
        assert r.status_code == 201, r.text
        att = r.json()["attachments"][0]
        assert att["mime_allowed"] and not att["content_matches"]
        got = client.get(att["href"], headers=gateway)
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["x-content-type-options"] == "nosniff"


class TestList:
    def _post_many(self, client, gateway, n: int, start: int = 0) -> list[str]:
        ids = []
        for i in range(start, start + n):
            r = client.post("/v1/invoices", content=with_number(BASE, f"L-{i}"), headers=gateway)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        return ids

    def test_pages_have_no_duplicates_or_gaps_while_invoices_arrive(self, client, gateway):
        ids = self._post_many(client, gateway, 5)
        page = client.get("/v1/invoices?limit=2", headers=gateway).json()
        seen = [d["id"] for d in page["data"]]
        self._post_many(client, gateway, 3, start=100)  # arrive while paging
        while page["next_cursor"]:
            page = client.get(f"/v1/invoices?limit=2&cursor={page['next_cursor']}", headers=gateway).json()
            seen += [d["id"] for d in page["data"]]
        assert seen == list(reversed(ids))  # newest first, each exactly once

    def test_filters(self, client, gateway):
        self._post_many(client, gateway, 2)
        client.post("/v1/invoices", content=invalid(with_number(BASE, "BAD")), headers=gateway)
        assert len(client.get("/v1/invoices?status=rejected", headers=gateway).json()["data"]) == 1
        assert len(client.get("/v1/invoices?status=needs_review", headers=gateway).json()["data"]) + len(
            client.get("/v1/invoices?status=approved", headers=gateway).json()["data"]) == 2
        assert len(client.get("/v1/invoices?seller=0088:9482348239847239874", headers=gateway).json()["data"]) == 3
        assert client.get("/v1/invoices?seller=0106:1", headers=gateway).json()["data"] == []
        assert client.get("/v1/invoices?purchase_order=PO-1", headers=gateway).json()["data"] == []

    def test_updated_after_orders_by_change(self, client, gateway):
        ids = self._post_many(client, gateway, 3)
        r = client.get("/v1/invoices?updated_after=2000-01-01T00:00:00Z&limit=2", headers=gateway).json()
        seen = [d["id"] for d in r["data"]]
        r = client.get(f"/v1/invoices?updated_after=2000-01-01T00:00:00Z&limit=2&cursor={r['next_cursor']}",
                       headers=gateway).json()
        seen += [d["id"] for d in r["data"]]
        assert seen == ids and r["next_cursor"] is None
        last = client.get(f"/v1/invoices/{ids[-1]}", headers=gateway).json()["updated_at"]
        after = client.get("/v1/invoices", params={"updated_after": last}, headers=gateway).json()
        assert after["data"] == []

    def test_bad_cursor_400(self, client, gateway):
        assert client.get("/v1/invoices?cursor=nonsense", headers=gateway).status_code == 400


class TestResponse:
    def test_response_for_a_received_and_reviewed_invoice(self, client, gateway):
        created = client.post("/v1/invoices", content=BASE, headers=gateway).json()
        r = client.get(f"/v1/invoices/{created['id']}/response", headers=gateway)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
        root = etree.fromstring(r.content)
        ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
        code = root.findtext(".//cbc:ResponseCode", namespaces=ns)
        assert code == {"needs_review": "UQ", "approved": "AP"}[created["status"]]
        assert root.findtext(".//cbc:DocumentTypeCode", namespaces=ns) == "380"

    def test_response_for_a_rejected_invoice_is_re_with_clarification(self, client, gateway):
        created = client.post("/v1/invoices", content=invalid(BASE), headers=gateway).json()["invoice"]
        r = client.get(f"/v1/invoices/{created['id']}/response", headers=gateway)
        root = etree.fromstring(r.content)
        ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
        assert root.findtext(".//cbc:ResponseCode", namespaces=ns) == "RE"
        codes = [el.text for el in root.iterfind(".//cbc:StatusReasonCode", ns)]
        assert codes == ["OTH", "NIN"]
        assert "BR-CO-15" in root.findtext(".//cbc:StatusReason", namespaces=ns)


class TestMore:
    def test_without_validation_artefacts_503_and_nothing_stored(self, bare_client, make_key, session):
        r = bare_client.post("/v1/invoices", content=BASE, headers={**make_key("gateway"), **XML})
        assert r.status_code == 503 and r.json()["type"] == "/problems/validation-unavailable"
        assert session.exec(select(Invoice)).all() == []

    def test_reads_need_a_key(self, client, gateway):
        created = client.post("/v1/invoices", content=BASE, headers=gateway).json()
        for suffix in ("", "/document", "/validation", "/response"):
            assert client.get(f"/v1/invoices/{created['id']}{suffix}").status_code == 401
        assert client.get("/v1/invoices").status_code == 401

    def test_replay_by_another_suppliers_key_403(self, client, make_key, session):
        mine = make_supplier(session)
        other = make_supplier(session, "0106", "12345678", name="Other")
        assert client.post("/v1/invoices", content=BASE, headers={**make_key("supplier", mine.id), **XML}).status_code == 201
        r = client.post("/v1/invoices", content=BASE, headers={**make_key("supplier", other.id), **XML})
        assert r.status_code == 403

    def test_etag_changes_with_the_status(self, client, gateway, session):
        from service.lifecycle import transition

        created = client.post("/v1/invoices", content=BASE, headers=gateway)
        url = f"/v1/invoices/{created.json()['id']}"
        etag = client.get(url, headers=gateway).headers["etag"]
        inv = session.get(Invoice, uuid.UUID(created.json()["id"]))
        if inv.status is InvoiceStatus.needs_review:
            transition(session, inv, InvoiceStatus.on_hold, actor="user:test")
        else:
            transition(session, inv, InvoiceStatus.booked, actor="key:erp")
        session.commit()
        r = client.get(url, headers={**gateway, "If-None-Match": etag})
        assert r.status_code == 200 and r.headers["etag"] != etag

    def test_supplier_key_may_store_its_own_invalid_document(self, client, make_key, session):
        mine = make_supplier(session)
        r = client.post("/v1/invoices", content=invalid(BASE), headers={**make_key("supplier", mine.id), **XML})
        assert r.status_code == 422 and r.json()["invoice"]["seller"]["supplier_id"] == str(mine.id)
        got = client.get(f"/v1/invoices/{r.json()['invoice']['id']}/validation", headers=make_key("supplier", mine.id))
        assert got.status_code == 200


class TestForTheErp:
    def test_list_etag_and_304(self, client, make_key, gateway):
        client.post("/v1/invoices", content=BASE, headers=gateway)
        erp = make_key("erp")
        url = "/v1/invoices?updated_after=2000-01-01T00:00:00"  # no offset: UTC
        first = client.get(url, headers=erp)
        assert first.status_code == 200 and len(first.json()["data"]) == 1
        again = client.get(url, headers={**erp, "If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        client.post("/v1/invoices", content=with_number(BASE, "ERP-2"), headers=gateway)
        assert client.get(url, headers={**erp, "If-None-Match": first.headers["etag"]}).status_code == 200

    def test_en16931_data(self, client, make_key, gateway):
        created = client.post("/v1/invoices", content=BASE, headers=gateway).json()
        erp = make_key("erp")
        r = client.get(created["links"]["data"], headers=erp)
        assert r.status_code == 200
        assert r.json()["number"] == "Snippet1" and r.json()["totals"]["payable_amount"] == "1656.25"
        assert client.get(created["links"]["data"], headers={**erp, "If-None-Match": r.headers["etag"]}).status_code == 304
        rejected = client.post("/v1/invoices", content=invalid(with_number(BASE, "X")), headers=gateway).json()["invoice"]
        r = client.get(rejected["links"]["data"], headers=erp)
        assert r.status_code == 404 and r.json()["type"] == "/problems/no-invoice-data"


class TestWithMasterData:
    def test_supplier_registered_through_the_api_is_resolved_by_vat_id(self, client, make_key):
        admin = make_key("admin")
        r = client.post("/v1/suppliers", headers=admin, json={
            "name": "SupplierOfficialName Ltd",
            "identifiers": [{"scheme": "VAT", "value": "NL123456782B01"}],
        })
        assert r.status_code in (200, 201), r.text
        supplier_id = r.json()["id"]
        key = make_key("supplier", uuid.UUID(supplier_id))
        # the base example with a Dutch VAT id (BT-31) and an electronic address master data does not know
        doc = BASE.replace(b"<cbc:CompanyID>GB1232434</cbc:CompanyID>", b"<cbc:CompanyID>NL123456782B01</cbc:CompanyID>")
        created = client.post("/v1/invoices", content=doc, headers={**key, **XML})
        assert created.status_code == 201, created.text
        assert created.json()["seller"]["supplier_id"] == supplier_id
        assert client.get(f"/v1/invoices?seller={supplier_id}", headers=key).json()["data"][0]["id"] == created.json()["id"]


def test_a_replay_of_a_large_document_is_answered_without_validating_again(client, gateway, validation, monkeypatch):
    from service.intake.receive import REPLAY_PRECHECK_BYTES

    engine = validation[0]
    calls = []
    original = engine.validate
    monkeypatch.setattr(engine, "validate", lambda xml, **kw: calls.append(1) or original(xml, **kw))
    large = BASE + b"<!--" + b"x" * REPLAY_PRECHECK_BYTES + b"-->\n"
    assert client.post("/v1/invoices", content=large, headers=gateway).status_code == 201
    assert client.post("/v1/invoices", content=large, headers=gateway).status_code == 200
    assert len(calls) == 1


def test_a_replay_of_a_small_document_is_found_after_validation(client, gateway, validation, monkeypatch):
    engine = validation[0]
    calls = []
    original = engine.validate
    monkeypatch.setattr(engine, "validate", lambda xml, **kw: calls.append(1) or original(xml, **kw))
    first = client.post("/v1/invoices", content=BASE, headers=gateway)
    again = client.post("/v1/invoices", content=BASE, headers=gateway)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(calls) == 2  # small documents skip the look-up before validation (see receive())


def test_the_list_never_pages_past_an_invoice_a_running_transaction_may_still_commit(client, gateway, engine):
    """PostgreSQL: a poller syncing by updated_after must not get a later invoice while an earlier
    transaction is still open (its invoice would land behind the poller's cursor: a gap)."""
    from sqlmodel import Session

    from service.db import commit_horizon

    if engine.dialect.name != "postgresql":
        with Session(engine) as s:
            assert commit_horizon(s) is None  # SQLite: one writer at a time, nothing to wait for
        return
    first = client.post("/v1/invoices", content=with_number(BASE, "H-1"), headers=gateway).json()
    since = first["updated_at"]
    with Session(engine) as running:
        running.execute(text("SELECT 1"))  # a transaction of this application, still open
        second = client.post("/v1/invoices", content=with_number(BASE, "H-2"), headers=gateway).json()
        hidden = client.get("/v1/invoices", params={"updated_after": since}, headers=gateway).json()
        assert hidden["data"] == []
        newest = client.get("/v1/invoices", headers=gateway).json()
        assert second["id"] not in [d["id"] for d in newest["data"]]
    shown = client.get("/v1/invoices", params={"updated_after": since}, headers=gateway).json()
    assert [d["id"] for d in shown["data"]] == [second["id"]]
