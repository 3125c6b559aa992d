"""POST /v1/invoices: an invoice belongs to its buyer's organisation (BT-49, else BT-47); an unknown
buyer is 422 BUYER_UNKNOWN, stored as rejected, with an Invoice Response; envelope receivers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from service.models.organisations import DEFAULT_ORGANISATION_ID
from tests.api.test_cii_intake import SELLER
from tests.cii_builder import CiiLine, cii_invoice
from tests.conftest import MIRROR
from tests.sbdh import wrap

OIN_NOORD = "00000001001234560000"
OIN_ZUID = "00000001001234572000"
BASE = MIRROR / "peppol-bis-billing-3@3.0.21/rules/examples/base-example.xml"


def _invoice(number: str, buyer: tuple[str, str]) -> bytes:
    return cii_invoice(number, [CiiLine("1", "Stoel", Decimal(1), Decimal("10.00"))], buyer_endpoint=buyer, **SELLER)


def _post(client, headers, body: bytes):
    return client.post("/v1/invoices", content=body, headers={**headers, "Content-Type": "application/xml"})


@pytest.fixture
def gateway(make_key) -> dict:
    return make_key("gateway")


@pytest.fixture
def two_organisations(client, make_key) -> dict[str, str]:
    admin = make_key("admin")
    ids = {}
    for name, oin in (("Noord", OIN_NOORD), ("Zuid", OIN_ZUID)):
        r = client.post("/v1/organisations", headers=admin,
                        json={"name": f"Gemeente {name}", "identifiers": [{"scheme": "0190", "value": oin}]})
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    return ids


def test_without_organisation_identifiers_the_default_organisation_takes_every_buyer(client, gateway) -> None:
    r = _post(client, gateway, _invoice("F-DEF-1", ("0190", OIN_NOORD)))
    assert r.status_code == 201, r.text
    assert r.json()["organisation_id"] == str(DEFAULT_ORGANISATION_ID)
    other = _post(client, gateway, _invoice("F-DEF-2", ("0106", "87654321")))
    assert other.json()["organisation_id"] == str(DEFAULT_ORGANISATION_ID)


def test_the_buyer_electronic_address_bt49_chooses_the_organisation(client, gateway, two_organisations) -> None:
    noord = _post(client, gateway, _invoice("F-N-1", ("0190", OIN_NOORD)))
    zuid = _post(client, gateway, _invoice("F-Z-1", ("0190", OIN_ZUID)))
    assert noord.status_code == zuid.status_code == 201, (noord.text, zuid.text)
    assert noord.json()["organisation_id"] == two_organisations["Noord"]
    assert zuid.json()["organisation_id"] == two_organisations["Zuid"]


def test_the_buyer_legal_registration_bt47_when_bt49_is_none_of_ours(client, gateway, make_key) -> None:
    # the Peppol example's buyer: BT-49 0002:FR23342, BT-47 0183:39937423947
    admin = make_key("admin")
    org = client.post("/v1/organisations", headers=admin, json={
        "name": "Buyer Official Name", "identifiers": [{"scheme": "0183", "value": "39937423947"}]}).json()
    r = _post(client, gateway, BASE.read_bytes())
    assert r.status_code == 201, r.text
    assert r.json()["organisation_id"] == org["id"]


def test_an_unknown_buyer_is_422_buyer_unknown_stored_as_rejected_with_an_invoice_response(
        client, gateway, two_organisations) -> None:
    r = _post(client, gateway, _invoice("F-X-1", ("0106", "87654321")))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == "/problems/buyer-unknown"
    assert "0106:87654321" in problem["detail"]
    invoice = problem["invoice"]
    assert invoice["status"] == "rejected" and invoice["organisation_id"] is None
    [reason] = invoice["reasons"]
    assert reason["code"] == "BUYER_UNKNOWN" and reason["message_nl"] and "0106:87654321" in reason["message"]
    # stored: readable, and the supplier gets a Peppol Invoice Response "rejected, receiver unknown"
    assert client.get(f"/v1/invoices/{invoice['id']}", headers=gateway).json()["status"] == "rejected"
    response = client.get(f"/v1/invoices/{invoice['id']}/response", headers=gateway)
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    assert root.findtext(f".//{cbc}ResponseCode") == "RE"
    assert "REC" in [el.text for el in root.iter(f"{cbc}StatusReasonCode")]
    # the same bytes again are a safe retry of the stored rejection
    assert _post(client, gateway, _invoice("F-X-1", ("0106", "87654321"))).status_code == 200


def test_the_envelope_receiver_must_be_one_of_the_organisations(client, gateway, two_organisations) -> None:
    xml = _invoice("F-ENV-N", ("0190", OIN_NOORD))
    stranger = _post(client, gateway, wrap(xml, receiver="0190:00000001001234584000"))
    assert stranger.status_code == 422
    [reason] = stranger.json()["invoice"]["reasons"]
    assert (reason["code"], reason["rule_id"]) == ("ENVELOPE_INVALID", "SBDH-RECEIVER")
    assert "none of this instance's organisations" in reason["message"]
    ours = _post(client, gateway, wrap(xml, receiver=f"0190:{OIN_NOORD}"))
    assert ours.status_code == 201, ours.text
    assert ours.json()["organisation_id"] == two_organisations["Noord"]
