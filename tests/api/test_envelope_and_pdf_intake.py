"""POST /v1/invoices with a Peppol envelope (SBDH) and with a Factur-X / ZUGFeRD PDF."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.test_cii_intake import SELLER, buyer_side  # noqa: F401 (fixture)
from tests.cii_builder import CiiLine, cii_invoice
from tests.conftest import MIRROR
from tests.pdfs import bomb_pdf, hybrid_pdf, nested_pdf, plain_pdf
from tests.sbdh import _ids, wrap

BASE = MIRROR / "peppol-bis-billing-3@3.0.21/rules/examples/base-example.xml"
PROFILE_02 = MIRROR / "peppol-bis-billing-3@3.0.21/rules/examples/base-example_profile02.xml"


@pytest.fixture
def gateway(make_key) -> dict:
    return make_key("gateway")


def _post(client, headers, body: bytes, content_type: str = "application/xml"):
    return client.post("/v1/invoices", content=body, headers={**headers, "Content-Type": content_type})


class TestEnvelope:
    def test_envelope_is_checked_stored_and_shown(self, client, gateway) -> None:
        r = _post(client, gateway, wrap(BASE.read_bytes(), instance="a1b2c3-msg"))
        assert r.status_code == 201, r.text
        invoice = r.json()
        env = invoice["envelope"]
        assert env["instance_identifier"] == "a1b2c3-msg" and env["country_c1"] == "NL"
        *_, seller, buyer = _ids(BASE.read_bytes())
        assert (env["sender"], env["receiver"]) == (seller, buyer)
        assert env["process"] == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
        assert env["document_type"].startswith("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##")
        assert invoice["validation"]["release"] == "peppol-bis-billing-3@3.0.21"
        assert invoice["syntax"] == "ubl"
        # the original bytes are the envelope, unchanged
        doc = client.get(f"/v1/invoices/{invoice['id']}/document", headers=gateway).content
        assert doc.startswith(b"<?xml") and b"StandardBusinessDocument" in doc

    def test_same_instance_identifier_again_is_a_safe_retry(self, client, gateway) -> None:
        first = _post(client, gateway, wrap(BASE.read_bytes(), instance="retry-1"))
        assert first.status_code == 201
        # an access point re-sending the message: same InstanceIdentifier, new envelope bytes
        again = _post(client, gateway, wrap(BASE.read_bytes(), instance="retry-1", country="BE"))
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]

    def test_broken_envelope_is_envelope_invalid_with_the_failed_checks(self, client, gateway) -> None:
        r = _post(client, gateway, wrap(BASE.read_bytes(), sender="no-scheme", process="urn:x"))
        assert r.status_code == 422
        body = r.json()
        codes = {reason["code"] for reason in body["invoice"]["reasons"]}
        assert codes == {"ENVELOPE_INVALID"}
        rules = {reason.get("rule_id") for reason in body["invoice"]["reasons"]}
        assert {"SBDH-SENDER-ID", "SBDH-PROCESSID", "BR-SBDH-2"} <= rules
        assert body["invoice"]["validation"]["reason_code"] == "ENVELOPE_INVALID"
        assert body["invoice"]["status"] == "rejected"

    def test_receiver_must_be_the_buyer_while_there_are_no_organisations(self, client, gateway) -> None:
        # BR-SBDH-1 covers UBL billing; for a CII payload the receiver check does
        xml = cii_invoice("F-ENV-1", [CiiLine("1", "Stoel", Decimal(1), Decimal("10.00"))], **SELLER)
        wrong = _post(client, gateway, wrap(xml, receiver="0190:99999999999999999999"))
        assert wrong.status_code == 422
        [reason] = wrong.json()["invoice"]["reasons"]
        assert (reason["code"], reason["rule_id"]) == ("ENVELOPE_INVALID", "SBDH-RECEIVER")
        assert "BT-49" in reason["message"] and reason["message_nl"]
        right = _post(client, gateway, wrap(xml))
        assert right.status_code == 201, right.text
        assert right.json()["syntax"] == "cii"


class TestProfile02:
    def test_invoice_response_is_due_and_told_to_the_erp(self, client, gateway, make_key) -> None:
        erp = make_key("erp")
        r = _post(client, gateway, PROFILE_02.read_bytes())
        assert r.status_code == 201, r.text
        invoice = r.json()
        assert invoice["profile_id"] == "urn:peppol:bis:billing_with_response"
        assert invoice["invoice_response_required"] is True
        events = client.get("/v1/events?after=0&limit=50", headers=erp).json()["data"]
        mine = [e for e in events if e["invoice_id"] == invoice["id"]]
        assert mine and all(e["invoice_response_required"] is True for e in mine)
        plain = _post(client, gateway, BASE.read_bytes().replace(b"<cbc:ID>Snippet1</cbc:ID>",
                                                                 b"<cbc:ID>Snippet1-01</cbc:ID>", 1)).json()
        assert plain["invoice_response_required"] is False


class TestFacturX:
    def test_factur_x_pdf_is_approved_and_kept_as_the_visual(self, client, buyer_side) -> None:  # noqa: F811
        xml = cii_invoice("F-PDF-1", [CiiLine("1", "Bureaustoel", Decimal(5), Decimal("150.00"), "10",
                                              seller_item_id="BS-1")], po="PO-CII-1", **SELLER)
        pdf = hybrid_pdf(xml)
        r = _post(client, buyer_side["gateway"], pdf, "application/pdf")
        assert r.status_code == 201, r.text
        invoice = r.json()
        assert invoice["status"] == "approved", invoice["reasons"]
        assert (invoice["syntax"], invoice["media_type"]) == ("cii", "application/pdf")
        assert invoice["links"]["visual"] == f"/v1/invoices/{invoice['id']}/document"
        visual = client.get(invoice["links"]["visual"], headers=buyer_side["erp"])
        assert visual.content == pdf and visual.headers["content-type"].startswith("application/pdf")
        assert _post(client, buyer_side["gateway"], pdf, "application/pdf").json()["id"] == invoice["id"]

    def test_profile_below_en16931_is_rejected_with_its_reason(self, client, buyer_side) -> None:  # noqa: F811
        xml = cii_invoice("F-PDF-2", [CiiLine("1", "Bureaustoel", Decimal(1), Decimal("150.00"))],
                          guideline="urn:factur-x.eu:1p0:basicwl", **SELLER)
        r = _post(client, buyer_side["gateway"], hybrid_pdf(xml), "application/pdf")
        assert r.status_code == 422
        assert {x["code"] for x in r.json()["invoice"]["reasons"]} == {"PROFILE_NOT_EN16931"}

    @pytest.mark.parametrize(("pdf", "status"), [
        (plain_pdf(), 422), (hybrid_pdf(b"<x/>", password="s"), 422), (b"%PDF-1.7\nbroken", 422),
        (nested_pdf(), 422), (bomb_pdf(40 * 1024 * 1024), 413),
    ], ids=["no-invoice", "encrypted", "broken", "nested", "bomb"])
    def test_pdf_without_a_readable_invoice_is_a_4xx_and_nothing_is_stored(self, client, gateway, pdf,
                                                                           status) -> None:
        r = _post(client, gateway, pdf, "application/pdf")
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"]
        assert client.get("/v1/invoices", headers=gateway).json()["data"] == []


class TestWorkspacePage:
    def test_invoice_page_shows_the_envelope_the_release_and_the_visual(self, client, gateway, engine) -> None:
        from sqlmodel import Session

        from service.ui import accounts
        from tests.workspace.test_pages import PASSWORD, login

        with Session(engine) as s:
            accounts.create_user(s, username="anna", password=PASSWORD, display_name="Anna")
            s.commit()
        enveloped = _post(client, gateway, wrap(PROFILE_02.read_bytes(), instance="page-msg-1")).json()
        xml = cii_invoice("F-PAGE-1", [CiiLine("1", "Stoel", Decimal(1), Decimal("10.00"))], **SELLER)
        hybrid = _post(client, gateway, hybrid_pdf(xml), "application/pdf").json()
        assert login(client).status_code == 303
        page = client.get(f"/ui/invoices/{enveloped['id']}").text
        assert "page-msg-1" in page and "peppol-bis-billing-3@3.0.21" in page
        assert 'id="response-required"' in page and "Peppol-envelop" in page
        page = client.get(f"/ui/invoices/{hybrid['id']}").text
        assert 'id="visual"' in page and "UN/CEFACT CII" in page and "Factur-X" in page
        assert client.get(f"/ui/invoices/{hybrid['id']}/document").headers["content-type"].startswith(
            "application/pdf")
