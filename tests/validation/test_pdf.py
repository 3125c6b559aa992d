"""Factur-X / ZUGFeRD / XRechnung PDFs: the embedded XML is found; hostile PDFs are refused quickly."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.validation import Outcome, ValidationEngine
from service.validation.pdf import PdfInvoiceError, extract_invoice, is_pdf

from tests.pdfs import bomb_pdf, hybrid_pdf, nested_pdf, plain_pdf

CII = "en16931/cii/examples/CII_example1.xml"


@pytest.fixture(scope="module")
def cii(mirror: Path) -> bytes:
    return (mirror / CII).read_bytes()


@pytest.mark.parametrize(("name", "flavour"), [
    ("factur-x.xml", "Factur-X / ZUGFeRD 2.1+"), ("zugferd-invoice.xml", "ZUGFeRD 2.0"), ("xrechnung.xml", "XRechnung")])
def test_the_embedded_invoice_is_extracted_byte_for_byte(cii: bytes, name: str, flavour: str) -> None:
    pdf = hybrid_pdf(cii, name=name, extra={"terms.txt": b"general terms"})
    assert is_pdf(pdf)
    found = extract_invoice(pdf)
    assert (found.xml, found.filename, found.flavour, found.relationship) == (cii, name, flavour, "Alternative")


def test_the_extracted_xml_validates_as_cii(engine: ValidationEngine, cii: bytes) -> None:
    report = engine.validate(extract_invoice(hybrid_pdf(cii)).xml)
    assert report.outcome is Outcome.valid and report.scenario == "en16931-cii"


def test_below_en16931_profiles_are_refused_with_their_own_reason(engine: ValidationEngine, cii: bytes) -> None:
    for profile, name in (("urn:factur-x.eu:1p0:minimum", "MINIMUM"), ("urn:factur-x.eu:1p0:basicwl", "BASIC WL")):
        xml = cii.replace(b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID>", f"<ram:ID>{profile}</ram:ID>".encode())
        report = engine.validate(extract_invoice(hybrid_pdf(xml)).xml)
        assert report.reason_code == "PROFILE_NOT_EN16931"
        assert name in report.findings[0].message


@pytest.mark.parametrize(("make", "kind"), [
    (lambda x: plain_pdf(), "no_invoice"),
    (lambda x: hybrid_pdf(b"hello", name="readme.txt"), "no_invoice"),
    (lambda x: hybrid_pdf(x, password="secret"), "encrypted"),
    (lambda x: hybrid_pdf(x)[:600], "unreadable"),
    (lambda x: b"%PDF-1.7\n" + b"\x00garbage" * 1000, "unreadable"),
    (lambda x: nested_pdf(), "unreadable"),
    (lambda x: bomb_pdf(), "too_large"),
    (lambda x: b"not a pdf at all", "unreadable"),
], ids=["plain", "other-attachment", "encrypted", "truncated", "garbage", "nested", "decompression-bomb", "not-pdf"])
def test_pdf_without_a_usable_invoice_is_refused_quickly(cii: bytes, make, kind: str) -> None:
    with pytest.raises(PdfInvoiceError) as exc:
        extract_invoice(make(cii))
    assert exc.value.kind == kind
    assert str(exc.value)


def test_declared_size_above_the_limit_is_refused_before_decoding(cii: bytes) -> None:
    with pytest.raises(PdfInvoiceError) as exc:
        extract_invoice(hybrid_pdf(cii), max_xml_bytes=1000)
    assert exc.value.kind == "too_large"
