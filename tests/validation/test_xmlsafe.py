"""Hostile XML (KoSIT's evil/ cases): no entity expansion, no DTD, no network, no file access."""

from __future__ import annotations

import pytest

from service.validation import Outcome, ValidationEngine
from service.validation.xmlsafe import UnsafeXmlError, XmlSyntaxError, parse_bytes

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>"""
XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<lolz>&lol4;</lolz>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>"""
XINCLUDE = b"""<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>"""


@pytest.mark.parametrize(
    "xml", [XXE_FILE, XXE_NETWORK, BILLION_LAUGHS, PARAMETER_ENTITY],
    ids=["xxe-file", "external-dtd", "billion-laughs", "parameter-entity"],
)
def test_document_type_declarations_are_refused(xml: bytes):
    with pytest.raises(XmlSyntaxError) as info:
        parse_bytes(xml)
    # either refused outright or not even parseable; never expanded
    assert "root:" not in str(info.value)
    if isinstance(info.value, UnsafeXmlError):
        assert "DOCTYPE" in str(info.value)


def test_xinclude_is_not_processed():
    tree = parse_bytes(XINCLUDE)
    assert b"root:" not in __import__("lxml.etree").etree.tostring(tree)


@pytest.mark.parametrize("xml", [XXE_FILE, XXE_NETWORK, BILLION_LAUGHS], ids=["xxe", "dtd", "laughs"])
def test_engine_reports_hostile_documents_as_not_well_formed(engine: ValidationEngine, xml: bytes):
    report = engine.validate(xml)
    assert report.outcome is Outcome.invalid
    assert report.reason_code == "NOT_WELL_FORMED"
    assert "root:" not in report.model_dump_json()


def test_huge_text_nodes_are_refused():
    with pytest.raises(XmlSyntaxError):
        parse_bytes(b"<a>" + b"x" * (11 * 1024 * 1024) + b"</a>")
