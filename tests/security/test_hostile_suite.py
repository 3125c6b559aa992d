"""The hostile-input suite: documents an attacker would send, over real HTTP to a running server.

Every case is answered with its documented 4xx problem (or, for a document that is merely
invalid, the documented 422 of a stored rejection) within the CPU budget of measure.py (one
second, calibrated to the machine), with bounded memory, and nothing is half-stored: either no
row at all, or one rejected invoice with its audit event and no attachments.
"""

from __future__ import annotations


import httpx
import pytest
from sqlmodel import select
from tests.api.test_invoices_hostile import (
    billion_laughs,
    declared_other_encoding,
    deep_nesting,
    external_dtd,
    invalid_utf8,
    quadratic_blowup,
    utf16_invoice,
    xxe_file,
    xxe_parameter_entity,
)
from tests.pdfs import bomb_pdf, hybrid_pdf, nested_pdf, plain_pdf
from tests.security.documents import (
    BASE,
    long_attribute,
    long_note,
    many_attributes,
    many_elements,
    many_namespaces,
    numbered,
    with_attachments,
)
from tests.security.measure import cpu_and_memory, cpu_budget
from tests.servers import serving

from service.models.invoices import AuditEvent, Invoice, InvoiceAttachment

XML, PDF = "application/xml", "application/pdf"
MIB = 1024 * 1024


def invalid_base64() -> bytes:
    doc = with_attachments([100], numbered(BASE, "BAD-BASE64"))
    start = doc.index(b'filename="a0.pdf">') + len(b'filename="a0.pdf">')
    return doc[:start] + b"!!not*base64" + doc[start + 12:]


def attachment_bomb() -> bytes:
    """One attachment that decodes to 6 MiB, over the 5 MiB limit (the body is within its own)."""
    return with_attachments([6 * MIB])


# name: (document, media type, status, problem type, what may be stored)
CASES = {
    "xxe-file": (xxe_file, XML, 400, "unsafe-xml", None),
    "xxe-parameter-entity": (xxe_parameter_entity, XML, 400, "unsafe-xml", None),
    "external-dtd": (external_dtd, XML, 400, "unsafe-xml", None),
    "billion-laughs": (billion_laughs, XML, 400, "unsafe-xml", None),
    "quadratic-blowup": (quadratic_blowup, XML, 400, "unsafe-xml", None),
    "deep-nesting": (lambda: deep_nesting(100_000), XML, 400, "unsafe-xml", None),
    "utf-16": (utf16_invoice, XML, 400, "unsafe-xml", None),
    "declared-latin-1": (declared_other_encoding, XML, 400, "unsafe-xml", None),
    "invalid-utf-8": (invalid_utf8, XML, 400, "not-well-formed", None),
    "huge-text": (lambda: long_note(5 * MIB), XML, 422, "text-too-long", None),
    "huge-attribute": (lambda: long_attribute(5 * MIB), XML, 422, "text-too-long", None),
    "many-attributes": (lambda: many_attributes(2_000), XML, 422, "too-many-attributes", None),
    "many-namespaces": (lambda: many_namespaces(5_000), XML, 422, "too-many-namespaces", None),
    "element-flood": (lambda: many_elements(2 * MIB), XML, 413, "too-many-elements", None),
    "over-the-size-limit": (lambda: BASE + b" " * (10 * MIB), XML, 413, "payload-too-large", None),
    "many-attachments": (lambda: with_attachments([10] * 1000), XML, 422, "too-many-attachments", None),
    "attachment-bomb": (attachment_bomb, XML, 413, "attachment-too-large", None),
    "invalid-base64": (invalid_base64, XML, 422, "invoice-rejected", "rejected"),
    "pdf-encrypted": (lambda: hybrid_pdf(BASE, password="secret"), PDF, 422, "no-invoice-in-pdf", None),
    "pdf-broken": (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog", PDF, 422, "no-invoice-in-pdf", None),
    "pdf-nested": (nested_pdf, PDF, 422, "no-invoice-in-pdf", None),
    "pdf-without-invoice": (plain_pdf, PDF, 422, "no-invoice-in-pdf", None),
    "pdf-decompression-bomb": (lambda: bomb_pdf(200 * MIB), PDF, 413, "payload-too-large", None),
}


@pytest.fixture
def server(settings, engine, validation):
    """The app behind a real HTTP port (uvicorn in a thread of this process, so its CPU and memory
    are this process's)."""
    from service.main import create_app

    app = create_app(settings.model_copy(update={"webhook_dispatcher_in_serve": False}), engine=engine,
                     validation=validation)
    with serving(app) as url:
        yield url


@pytest.mark.parametrize("name", CASES)
def test_hostile_document_is_refused_quickly_with_bounded_memory_and_nothing_half_stored(
        name, server, make_key, session):
    make, media_type, status, problem_type, stored = CASES[name]
    body = make()
    headers = {**make_key("gateway"), "Content-Type": media_type}
    with httpx.Client(base_url=server, timeout=60) as http:
        http.get("/healthz")  # connection and server warm
        r, cpu, grown_mb = cpu_and_memory(lambda: http.post("/v1/invoices", content=body, headers=headers))
    assert not isinstance(r, Exception), r
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == f"/problems/{problem_type}"
    assert "root:" not in r.text  # no file content ever leaks
    budget = cpu_budget(1.0)
    assert cpu < budget, f"{name}: {cpu:.2f} s of CPU"
    assert grown_mb < 100, f"{name}: peak memory grew by {grown_mb:.0f} MB"
    invoices = session.exec(select(Invoice)).all()
    events = session.exec(select(AuditEvent)).all()
    if stored is None:
        assert invoices == [] and events == []
    else:
        (invoice,) = invoices
        assert invoice.status.value == stored
        assert {e.to_status.value for e in events} == {"received", "rejected"}
    assert session.exec(select(InvoiceAttachment)).all() == []


def test_the_suite_covers_what_the_issue_lists():
    covered = " ".join(CASES)
    for kind in ("xxe", "billion-laughs", "nesting", "utf", "huge-text", "huge-attribute", "many-attributes",
                 "many-namespaces", "attachment-bomb", "invalid-base64", "pdf-encrypted", "pdf-broken"):
        assert kind in covered, kind
