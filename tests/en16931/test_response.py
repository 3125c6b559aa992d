"""Peppol Invoice Response: valid against the UBL 2.1 ApplicationResponse XSD and the T111 rules."""

from __future__ import annotations

import hashlib
from datetime import date, time
from pathlib import Path

import pytest
from lxml import etree
from saxonche import PySaxonProcessor

from service.en16931.model import Identifier
from service.en16931.parser import parse_document
from service.en16931.response import Clarification, ResponseParty, build_invoice_response
from service.lifecycle import transition
from service.models.invoices import DocumentType, Invoice, InvoiceStatus
from service.reasons import Reason, ReasonCode
from service.validation.schematron import SchematronRuleSet
from tests.conftest import MIRROR

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()
NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


@pytest.fixture(scope="module")
def xsd(artifacts_dir: Path) -> etree.XMLSchema:
    path = artifacts_dir / "ubl-2.1" / "xsdrt" / "maindoc" / "UBL-ApplicationResponse-2.1.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="module")
def t111(tmp_path_factory) -> tuple[PySaxonProcessor, SchematronRuleSet]:
    """The Peppol T111 business rules (PEPPOL-T111-R001..R007 and the empty-element rules).

    The upstream T111 schema also includes a build-generated file that is not published, so the
    published parts are wrapped here.
    """
    parts = MIRROR / "peppol-poacc-3" / "rules" / "sch" / "parts"
    work = tmp_path_factory.mktemp("t111")
    sch = work / "t111.sch"
    sch.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" schemaVersion="iso" queryBinding="xslt2">
  <ns uri="{NS['cbc']}" prefix="cbc"/>
  <ns uri="{NS['cac']}" prefix="cac"/>
  <ns uri="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2" prefix="ubl"/>
  <ns uri="http://www.w3.org/2001/XMLSchema" prefix="xs"/>
  <include href="{parts}/common/empty-elements.sch"/>
  <include href="{parts}/PEPPOL-M-T111.sch"/>
  <include href="{parts}/PEPPOL-M-T111-2.sch"/>
</schema>""", encoding="utf-8")
    processor = PySaxonProcessor(license=False)
    return processor, SchematronRuleSet.load(processor, sch, work / "cache", name="t111")


def assert_valid(xml: bytes, xsd: etree.XMLSchema, t111) -> etree._Element:
    root = etree.fromstring(xml)
    assert xsd.validate(root.getroottree()), xsd.error_log
    processor, rules = t111
    result = rules.run(processor.parse_xml(xml_text=xml.decode("utf-8")))
    assert result.error is None
    assert [f.rule_id for f in result.failed if f.flag != "warning"] == []
    return root


def test_the_t111_rules_catch_a_broken_response(t111):
    processor, rules = t111
    bad = build_invoice_response(
        response_id="x", issue_date=date(2026, 1, 1), issue_time=None, response_code="AP",
        sender=ResponseParty(), receiver=ResponseParty(), document_id="1", document_issue_date=None,
        document_type_code="380",
    ).replace(b"<cbc:ResponseCode>AP</cbc:ResponseCode>", b"<cbc:ResponseCode>RE</cbc:ResponseCode>")
    failed = [f.rule_id for f in rules.run(processor.parse_xml(xml_text=bad.decode())).failed]
    assert "PEPPOL-T111-R001" in failed


@pytest.mark.parametrize("code", ["AB", "RE", "UQ", "AP", "PD"])
def test_every_response_code_is_valid(code, xsd, t111):
    xml = build_invoice_response(
        response_id="r-1", issue_date=date(2026, 11, 27), issue_time=time(8, 0, 1, 5), response_code=code,
        effective_date=date(2026, 11, 27),
        sender=ResponseParty(endpoint=Identifier(value="00000001820029336000", scheme="0190"), name="Gemeente"),
        receiver=ResponseParty(endpoint=Identifier(value="12345678", scheme="0106"), name="Leverancier B.V."),
        document_id="INV-1", document_issue_date=date(2026, 11, 1), document_type_code="380",
        clarifications=(Clarification("PRI", reason="Price above order"),
                        Clarification("NIN", list_id="OPStatusAction")) if code == "RE" else (),
    )
    root = assert_valid(xml, xsd, t111)
    assert root.findtext("cac:DocumentResponse/cac:Response/cbc:ResponseCode", namespaces=NS) == code
    assert root.findtext("cbc:IssueTime", namespaces=NS) == "08:00:01"


def _stored(session, number: str = "Snippet1") -> Invoice:
    doc = BASE.replace(b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)
    model = parse_document(doc)
    invoice = Invoice(sha256=hashlib.sha256(doc).hexdigest(), document=doc, size_bytes=len(doc),
                      document_type=DocumentType.invoice, invoice_number=model.number, type_code="380",
                      issue_date=model.issue_date, currency="EUR", data=model.to_json())
    transition(session, invoice, InvoiceStatus.received, actor="key:test")
    return invoice


def _response(session, invoice, xsd, t111) -> etree._Element:
    from service.intake.response import invoice_response_xml

    return assert_valid(invoice_response_xml(session, invoice), xsd, t111)


def _codes(root) -> list[tuple[str, str]]:
    return [(el.get("listID"), el.text) for el in root.iterfind(".//cbc:StatusReasonCode", NS)]


def test_lifecycle_responses(session, xsd, t111):
    inv = _stored(session)
    root = _response(session, inv, xsd, t111)
    assert root.findtext(".//cbc:ResponseCode", namespaces=NS) == "AB"
    # sender = buyer (BT-49), receiver = seller (BT-34), reference = BT-1/BT-2/BT-3
    assert root.findtext("cac:SenderParty/cbc:EndpointID", namespaces=NS) == "FR23342"
    assert root.findtext("cac:ReceiverParty/cbc:EndpointID", namespaces=NS) == "9482348239847239874"
    assert root.findtext(".//cac:DocumentReference/cbc:ID", namespaces=NS) == "Snippet1"
    assert root.findtext(".//cac:DocumentReference/cbc:IssueDate", namespaces=NS) == "2017-11-13"

    inv.reasons = [Reason.of(ReasonCode.PRICE_VARIANCE, en="Unit price 2.5 % above the order", line_id="1",
                             expected="400", actual="410")]
    transition(session, inv, InvoiceStatus.needs_review, actor="system", reason_codes=["PRICE_VARIANCE"])
    root = _response(session, inv, xsd, t111)
    assert root.findtext(".//cbc:ResponseCode", namespaces=NS) == "UQ"
    assert _codes(root)[0] == ("OPStatusReason", "PRI")

    transition(session, inv, InvoiceStatus.on_hold, actor="user:anna", comment="Waiting for the delivery note")
    root = _response(session, inv, xsd, t111)
    assert root.findtext(".//cbc:ResponseCode", namespaces=NS) == "UQ"
    assert root.findtext(".//cbc:StatusReason", namespaces=NS) == "Waiting for the delivery note"

    transition(session, inv, InvoiceStatus.approved, actor="user:anna")
    assert _response(session, inv, xsd, t111).findtext(".//cbc:ResponseCode", namespaces=NS) == "AP"
    transition(session, inv, InvoiceStatus.booked, actor="key:erp")
    assert _response(session, inv, xsd, t111).findtext(".//cbc:ResponseCode", namespaces=NS) == "AP"
    transition(session, inv, InvoiceStatus.paid, actor="key:erp")
    root = _response(session, inv, xsd, t111)
    assert root.findtext(".//cbc:ResponseCode", namespaces=NS) == "PD"
    assert root.findtext("cbc:ID", namespaces=NS) == f"{inv.id}-{inv.version}"
    session.rollback()


def test_rejection_by_a_person_uses_the_latest_audit_event(session, xsd, t111):
    inv = _stored(session, "R-1")
    transition(session, inv, InvoiceStatus.needs_review, actor="system", reason_codes=["PRICE_VARIANCE"])
    transition(session, inv, InvoiceStatus.rejected, actor="user:anna",
               reason_codes=["PRICE_VARIANCE", "NOT_RECEIVED"], comment="Prijs hoger dan besteld; niet geleverd")
    root = _response(session, inv, xsd, t111)
    assert root.findtext(".//cbc:ResponseCode", namespaces=NS) == "RE"
    assert _codes(root) == [("OPStatusReason", "PRI"), ("OPStatusReason", "DEL"), ("OPStatusAction", "NIN")]
    assert root.findtext(".//cbc:StatusReason", namespaces=NS) == "Prijs hoger dan besteld; niet geleverd"
    session.rollback()


def test_rejected_at_intake_responses_are_valid(client, make_key, xsd, t111):
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    bad = BASE.replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
                       b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26</cbc:TaxInclusiveAmount>')
    rejected = client.post("/v1/invoices", content=bad, headers=headers).json()["invoice"]
    root = assert_valid(client.get(f"/v1/invoices/{rejected['id']}/response", headers=headers).content, xsd, t111)
    assert root.findtext(".//cbc:ResponseCode", namespaces=NS) == "RE"
    assert "BR-CO-15" in root.findtext(".//cbc:StatusReason", namespaces=NS)

    first = client.post("/v1/invoices", content=BASE, headers=headers).json()
    dup = BASE.replace(b"<cbc:DocumentCurrencyCode>", b"<cbc:Note>again</cbc:Note><cbc:DocumentCurrencyCode>", 1)
    duplicate = client.post("/v1/invoices", content=dup, headers=headers).json()["invoice"]
    root = assert_valid(client.get(f"/v1/invoices/{duplicate['id']}/response", headers=headers).content, xsd, t111)
    assert _codes(root) == [("OPStatusReason", "OTH"), ("OPStatusAction", "NOA")]
    assert first["id"] in root.findtext(".//cbc:StatusReason", namespaces=NS)

    order = (MIRROR / "ubl-2.1" / "xml" / "UBL-Order-2.1-Example.xml").read_bytes()
    unsupported = client.post("/v1/invoices", content=order, headers=headers).json()["invoice"]
    assert_valid(client.get(f"/v1/invoices/{unsupported['id']}/response", headers=headers).content, xsd, t111)
