"""Scenario selection from the document itself (root, CustomizationID), and small pure helpers."""

from __future__ import annotations

import pytest

from service.validation.report import DocumentIdentity
from service.validation.scenarios import CREDIT_NOTE, INVOICE, select_scenario
from service.validation.svrl import parse_svrl, short_location
from service.validation.terms import business_terms

ORDER = "{urn:oasis:names:specification:ubl:schema:xsd:Order-2}Order"


@pytest.mark.parametrize(
    "root, customization_id, expected",
    [
        (INVOICE, "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "peppol-bis-billing-3"),
        (CREDIT_NOTE, "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "peppol-bis-billing-3"),
        (INVOICE, "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0", "nlcius"),
        (INVOICE, "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0#conformant#urn:fdc:nen.nl:gaccount:v1.0", "nlcius-gaccount"),
        (INVOICE, "urn:cen.eu:en16931:2017", "en16931"),
        (CREDIT_NOTE, "urn:cen.eu:en16931:2017", "en16931"),
        (INVOICE, "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", "en16931-cius"),
        (INVOICE, "urn:cen.eu:en16931:2017#conformant#urn:example:extension", "en16931-cius"),
        (INVOICE, "urn:www.cenbii.eu:transaction:biitrns010:ver2.0", None),
        (INVOICE, "urn:cen.eu:en16931:2017extra", None),
        (INVOICE, None, None),
        (ORDER, "urn:fdc:peppol.eu:poacc:trns:order:3", None),
        ("{urn:other}Invoice", "urn:cen.eu:en16931:2017", None),
    ],
)
def test_scenario_selection(root, customization_id, expected):
    doc = DocumentIdentity(root=root, customization_id=customization_id)
    scenario = select_scenario(doc)
    assert (scenario.id if scenario else None) == expected


def test_business_terms_are_extracted_in_order_without_duplicates():
    message = "[BR-CO-15]-Invoice total amount with VAT (BT-112) = (BT-109) + (BT-110). BG-22 BT-112 BT-1"
    assert business_terms(message) == ("BT-112", "BT-109", "BT-110", "BG-22", "BT-1")
    assert business_terms("no terms; BTX-1, ABT-2") == ()


def test_short_location_uses_ubl_prefixes():
    loc = (
        "/*:Invoice[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'][1]"
        "/*:ID[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'][1]"
        "/*:x[namespace-uri()='urn:unknown'][1]"
    )
    assert short_location(loc) == "/ubl:Invoice[1]/cbc:ID[1]/*:x[namespace-uri()='urn:unknown'][1]"


def test_parse_svrl_reads_failed_asserts_and_successful_reports():
    svrl = """<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <svrl:fired-rule context="/"/>
      <svrl:failed-assert id="R1" flag="fatal" location="/a" test="b"><svrl:text>  Broken
        rule  </svrl:text></svrl:failed-assert>
      <svrl:successful-report id="R2" flag="warning" location="/a/c" test="c"><svrl:text>Note</svrl:text></svrl:successful-report>
    </svrl:schematron-output>"""
    first, second = parse_svrl(svrl)
    assert (first.rule_id, first.flag, first.location, first.test, first.text, first.kind) == (
        "R1", "fatal", "/a", "b", "Broken rule", "assert"
    )
    assert (second.rule_id, second.kind) == ("R2", "report")
