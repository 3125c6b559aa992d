"""Limits on what one submitted document may make the service do, checked while it is parsed.

The body size alone does not bound the work: 28 KB of undeclared attributes or 4,000 empty
elements once kept a worker busy for seconds to minutes in the diagnostics behind the parser. So
the guard also bounds the element count (while parsing: a document over the limit is never built
as a whole tree), the attributes per element, the namespace declarations, the length of any one
text or attribute value and the embedded attachments (count, decoded size of each, decoded total).

Cheap upper bounds read off the bytes first (``data.count(b"<")`` and the like run in C at
memory speed) decide whether an exact check is needed at all, so an ordinary invoice pays a few
microseconds. The defaults fit real invoices with room to spare: a 5,000-line Peppol invoice has
about 115,000 elements and at most 3 attributes on an element. Pure: no web framework, no database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from lxml import etree

from service.errors import ServiceError
from service.validation.xmlsafe import SAFE_OPTIONS, XmlSyntaxError

__all__ = [
    "AttachmentTooLarge",
    "DocumentLimits",
    "LIMIT_ERRORS",
    "TextTooLong",
    "TooManyAttachments",
    "TooManyAttributes",
    "TooManyElements",
    "TooManyNamespaces",
    "UNBOUNDED",
    "check_structure",
    "element_count_of_plain_markup",
    "parse_bounded",
]

MIB = 1024 * 1024
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
# The elements that carry an embedded attachment as base64 (UBL BT-125, CII BT-125).
_BINARY = (f"{{{_CBC}}}EmbeddedDocumentBinaryObject", f"{{{_RAM}}}AttachmentBinaryObject")
_NS = {"cbc": _CBC, "ram": _RAM}
_BINARY_PARENT = "parent::cbc:EmbeddedDocumentBinaryObject or parent::ram:AttachmentBinaryObject"
_LONG_TEXT = etree.XPath(
    f"(//text()[string-length() > $n][not({_BINARY_PARENT})] | //@*[string-length() > $n])[1]",
    namespaces=_NS,
)
_MANY_ATTRIBUTES = etree.XPath("(//*[count(@*) > $n])[1]")
_ATTACHMENTS = etree.XPath("//cbc:EmbeddedDocumentBinaryObject | //ram:AttachmentBinaryObject", namespaces=_NS)


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """What one document may contain (each from an ``EINVOICE_MAX_...`` setting)."""

    elements: int = 200_000
    attributes_per_element: int = 16
    namespace_declarations: int = 64
    text_chars: int = 100_000
    attachments: int = 20
    attachment_bytes: int = 5 * MIB
    attachments_total_bytes: int = 7 * MIB

    @classmethod
    def from_settings(cls, settings: Any) -> DocumentLimits:
        """Each limit from its setting ``max_<limit>`` (environment: ``EINVOICE_MAX_<LIMIT>``)."""
        return cls(**{f.name: getattr(settings, f"max_{f.name}") for f in fields(cls)})


# For documents stored before (their limits were checked at intake, perhaps under other settings).
UNBOUNDED = DocumentLimits(**{f.name: 1 << 62 for f in fields(DocumentLimits)})


class _LimitExceeded(ServiceError):
    """A document over one of the limits: refused before validation, nothing stored."""

    setting: str = ""

    def __init__(self, detail: str, *, limit: int, line: int | None = None, **extensions: Any) -> None:
        where = {"line": line} if line else {}
        super().__init__(f"{detail} (limit {limit:,}, setting {self.setting})", limit=limit,
                         setting=self.setting, **where, **extensions)


class TooManyElements(_LimitExceeded):
    status, slug, title = 413, "too-many-elements", "The document has too many elements"
    setting = "EINVOICE_MAX_ELEMENTS"


class TooManyAttributes(_LimitExceeded):
    status, slug, title = 422, "too-many-attributes", "An element of the document has too many attributes"
    setting = "EINVOICE_MAX_ATTRIBUTES_PER_ELEMENT"


class TooManyNamespaces(_LimitExceeded):
    status, slug, title = 422, "too-many-namespaces", "The document declares too many namespaces"
    setting = "EINVOICE_MAX_NAMESPACE_DECLARATIONS"


class TextTooLong(_LimitExceeded):
    status, slug, title = 422, "text-too-long", "A text or attribute value of the document is too long"
    setting = "EINVOICE_MAX_TEXT_CHARS"


class TooManyAttachments(_LimitExceeded):
    status, slug, title = 422, "too-many-attachments", "The document embeds too many attachments"
    setting = "EINVOICE_MAX_ATTACHMENTS"


class AttachmentTooLarge(_LimitExceeded):
    status, slug, title = 413, "attachment-too-large", "An embedded attachment is too large"
    setting = "EINVOICE_MAX_ATTACHMENT_BYTES"


class AttachmentsTooLarge(AttachmentTooLarge):
    slug, title = "attachments-too-large", "The embedded attachments are too large together"
    setting = "EINVOICE_MAX_ATTACHMENTS_TOTAL_BYTES"


# For the OpenAPI responses of the routes that take documents.
LIMIT_ERRORS: tuple[type[ServiceError], ...] = (
    TooManyElements, TooManyAttributes, TooManyNamespaces, TextTooLong, TooManyAttachments,
    AttachmentTooLarge, AttachmentsTooLarge,
)


def element_bound(data: bytes) -> int:
    """An upper bound of the element count: every element opens with ``<`` not followed by ``/``
    (comments, processing instructions and ``<`` in CDATA only make the bound looser)."""
    return data.count(b"<") - data.count(b"</")


# Each element opens with a '<' followed by neither '/', '!' nor '?'.
_ELEMENT_OPENING = re.compile(rb"<(?![/!?])")


def element_count_of_plain_markup(data: bytes) -> int | None:
    """The exact element count of well-formed ``data`` read off its bytes, when it holds no comment,
    CDATA section or processing instruction other than the XML declaration (in well-formed XML a
    literal ``<`` stands only in markup, never in text or attribute values); None when it does.

    Counting in C at memory speed refuses a 10 MB flood in milliseconds where counting parser
    events costs some 0.4 s of CPU; documents with comments or CDATA take the parser path."""
    if b"<!" in data or data.count(b"<?") > (1 if data.lstrip().startswith(b"<?xml") else 0):
        return None
    return data.count(b"<") - data.count(b"</") - data.count(b"<?")


def _line_of_element(data: bytes, n: int) -> int | None:
    """The line on which the ``n``-th element (1-based) opens, in markup without comments."""
    for i, match in enumerate(_ELEMENT_OPENING.finditer(data), start=1):
        if i == n:
            return data.count(b"\n", 0, match.start()) + 1
    return None


def parse_bounded(data: bytes, limits: DocumentLimits) -> etree._ElementTree | None:
    """Parse ``data`` counting elements as they arrive, when the bytes may hold more than the
    limit; None when they cannot (the caller's plain parse is then bounded already).

    The tree exists only up to the element over the limit (bounded memory): a 10 MB body of
    ``<a/>`` would otherwise become 2.6 million nodes, some 300 MB. Raises ``TooManyElements``,
    or ``XmlSyntaxError`` for bytes that are not well-formed.
    """
    if element_bound(data) <= limits.elements:
        return None
    exact = element_count_of_plain_markup(data)
    if exact is not None and exact > limits.elements:
        raise TooManyElements(
            f"the document has more than {limits.elements:,} elements", limit=limits.elements,
            line=_line_of_element(data, limits.elements + 1))
    count = 0
    events = etree.iterparse(io.BytesIO(data), events=("start",), **SAFE_OPTIONS)
    try:
        for _, element in events:
            count += 1
            if count > limits.elements:
                raise TooManyElements(
                    f"the document has more than {limits.elements:,} elements", limit=limits.elements,
                    line=element.sourceline)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise XmlSyntaxError(f"not well-formed XML: {exc.msg}", line, column) from None
    return events.root.getroottree()


def check_structure(data: bytes, tree: etree._ElementTree, limits: DocumentLimits) -> None:
    """Attributes per element, namespace declarations, text length and attachments of a parsed
    document; each exact check runs only when the bytes' upper bound says it might fail."""
    root = tree.getroot()
    for might_fail, check in _STRUCTURE_CHECKS:
        if might_fail(data, limits):
            check(data, root, limits)


def _check_attributes(data: bytes, root: etree._Element, limits: DocumentLimits) -> None:
    crowded = _MANY_ATTRIBUTES(root, n=limits.attributes_per_element)
    if crowded:
        raise TooManyAttributes(
            f"element {etree.QName(crowded[0]).localname} has {len(crowded[0].attrib):,} attributes",
            limit=limits.attributes_per_element, line=crowded[0].sourceline)


def _check_text(data: bytes, root: etree._Element, limits: DocumentLimits) -> None:
    long_value = _LONG_TEXT(root, n=limits.text_chars)
    if long_value:
        holder = long_value[0].getparent()
        raise TextTooLong(
            f"a value in element {etree.QName(holder).localname} is longer than "
            f"{limits.text_chars:,} characters", limit=limits.text_chars,
            line=holder.sourceline if holder is not None else None)


def _check_namespaces(data: bytes, root: etree._Element, limits: DocumentLimits) -> None:
    for declared, _ in enumerate(etree.iterparse(io.BytesIO(data), events=("start-ns",), **SAFE_OPTIONS), 1):
        if declared > limits.namespace_declarations:
            raise TooManyNamespaces(
                f"the document declares more than {limits.namespace_declarations:,} namespaces",
                limit=limits.namespace_declarations)


def _check_attachments(data: bytes, root: etree._Element, limits: DocumentLimits) -> None:
    found = _ATTACHMENTS(root)
    if len(found) > limits.attachments:
        raise TooManyAttachments(
            f"the document embeds {len(found):,} attachments", limit=limits.attachments,
            line=found[limits.attachments].sourceline)
    total = 0
    for element in found:
        size = decoded_size(element.text or "")
        total += size
        if size > limits.attachment_bytes:
            raise AttachmentTooLarge(
                f"an embedded attachment decodes to about {size:,} bytes", limit=limits.attachment_bytes,
                line=element.sourceline)
        if total > limits.attachments_total_bytes:
            raise AttachmentsTooLarge(
                f"the embedded attachments decode to more than {limits.attachments_total_bytes:,} bytes "
                "together", limit=limits.attachments_total_bytes, line=element.sourceline)


_Check = Callable[[bytes, etree._Element, DocumentLimits], None]
# (an upper bound read off the bytes says the limit might be exceeded, the exact check): the exact
# check, which walks the tree, runs only when the cheap bound cannot rule a failure out.
_STRUCTURE_CHECKS: tuple[tuple[Callable[[bytes, DocumentLimits], bool], _Check], ...] = (
    (lambda data, limits: data.count(b"=") > limits.attributes_per_element, _check_attributes),  # one "=" each
    (lambda data, limits: data.count(b"xmlns") > limits.namespace_declarations, _check_namespaces),
    (lambda data, limits: len(data) > limits.text_chars, _check_text),
    (lambda data, limits: b"BinaryObject" in data, _check_attachments),
)


def decoded_size(text: str) -> int:
    """The bytes base64 ``text`` decodes to, without decoding it (whitespace ignored; invalid
    base64 is the XSD's to report: base64Binary)."""
    chars = len(text) - sum(text.count(c) for c in " \t\r\n")
    padding = 2 if text.rstrip().endswith("==") else 1 if text.rstrip().endswith("=") else 0
    return max(chars * 3 // 4 - padding, 0)
