"""Documents over (and just within) the intake limits, built from the Peppol base example."""

from __future__ import annotations

import base64
import re

from tests.conftest import MIRROR
from tests.validation.test_bench_documents import _bench_module

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()
ROOT_TAG = re.compile(rb"<Invoice [^>]*>")


def numbered(doc: bytes, number: str) -> bytes:
    return doc.replace(b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)


def lines(count: int, number: str = "LARGE-1") -> bytes:
    """The base example with ``count`` invoice lines whose totals add up (a valid invoice)."""
    return numbered(_bench_module().generate_invoice(BASE, count), number)


def with_attachments(sizes: list[int], doc: bytes = BASE) -> bytes:
    """``doc`` with one embedded PDF attachment (BT-125) per size, each decoding to that many bytes."""
    refs = b"".join(
        b"<cac:AdditionalDocumentReference><cbc:ID>att-%d</cbc:ID><cac:Attachment>"
        b'<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="a%d.pdf">%s'
        b"</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>"
        % (i, i, base64.b64encode(b"%PDF-1.4\n" + b"x" * max(size - 9, 0)))
        for i, size in enumerate(sizes)
    )
    return doc.replace(b"<cac:AccountingSupplierParty>", refs + b"<cac:AccountingSupplierParty>", 1)


def many_attributes(count: int) -> bytes:
    """2,000 undeclared attributes on the root: 28 KB that once cost 24 s of XSD explanations."""
    attrs = b" ".join(b'a%d="x"' % i for i in range(count))
    return ROOT_TAG.sub(lambda m: m.group(0)[:-1] + b" " + attrs + b">", BASE, count=1)


def many_namespaces(count: int) -> bytes:
    decls = b" ".join(b'xmlns:n%d="urn:example:%d"' % (i, i) for i in range(count))
    return ROOT_TAG.sub(lambda m: m.group(0)[:-1] + b" " + decls + b">", BASE, count=1)


def long_note(chars: int) -> bytes:
    return BASE.replace(b"<cbc:DueDate>", b"<cbc:Note>" + b"n" * chars + b"</cbc:Note><cbc:DueDate>", 1)


def long_attribute(chars: int) -> bytes:
    return BASE.replace(b'<cbc:EndpointID schemeID="0088">', b'<cbc:EndpointID schemeID="' + b"9" * chars + b'">', 1)


def many_elements(count: int) -> bytes:
    """Empty elements in the extension area: small on the wire, many nodes."""
    return BASE.replace(b"<cbc:CustomizationID>", b"<cbc:Note>" + b"<x/>" * count + b"</cbc:Note><cbc:CustomizationID>", 1)


def in_extension(content: bytes) -> bytes:
    """``content`` (elements of urn:example) in the UBL extension area, where anything may stand."""
    return BASE.replace(
        b"<cbc:CustomizationID>",
        b'<ext:UBLExtensions xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">'
        b'<ext:UBLExtension><ext:ExtensionContent><x xmlns="urn:example">' + content
        + b"</x></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions><cbc:CustomizationID>", 1)


def bad_prices(line_count: int) -> bytes:
    """``line_count`` lines, every price not a number: one XSD error per line."""
    return lines(line_count).replace(b'<cbc:PriceAmount currencyID="EUR">', b'<cbc:PriceAmount currencyID="EUR">x')
