"""First line of defence for untrusted XML bodies: refuse hostile documents before anything else.

UBL never needs a document type declaration, so any DOCTYPE is refused outright (it is the carrier of
XXE, billion laughs and quadratic blowup); the secure parser of the validation area (no DTD, no
entity resolution, no network, libxml2's depth and amplification limits) then parses what is left.
Refusals are ``HostileDocument`` / ``MalformedDocument`` errors (4xx) and touch nothing.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

from service.errors import ServiceError
from service.intake.limits import DocumentLimits, check_structure, parse_bounded
from service.validation.xmlsafe import UnsafeXmlError, XmlSyntaxError, parse_bytes

__all__ = ["HostileDocument", "MalformedDocument", "MAX_DEPTH", "parse_untrusted"]

# Deepest element nesting accepted (UBL invoices nest about 8 levels; libxml2 stops at 256 anyway).
MAX_DEPTH = 64

_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class HostileDocument(ServiceError):
    status, slug, title = 400, "unsafe-xml", "Document refused: unsafe XML"


class MalformedDocument(ServiceError):
    status, slug, title = 400, "not-well-formed", "Document is not well-formed XML"


def parse_untrusted(data: bytes, limits: DocumentLimits | None = None) -> etree._ElementTree:
    """Parse an untrusted body or raise ``HostileDocument`` / ``MalformedDocument`` (nothing stored).

    Accepted: UTF-8 (with or without BOM, or declared as UTF-8/US-ASCII), no DOCTYPE, nesting at most
    ``MAX_DEPTH`` deep. Peppol and NLCIUS documents are UTF-8; other encodings are refused rather than
    decoded, which also closes the door on UTF-16/UTF-32 tricks around the DOCTYPE check.
    Within ``limits`` (default: ``DocumentLimits()``): element count (counted while parsing),
    attributes per element, namespaces, text length, attachments; over one, the ``limits.py`` error.
    """
    limits = limits or DocumentLimits()
    head = data[:4]
    if any(head.startswith(bom) for bom in _BOMS) or (len(head) >= 2 and (head[0] == 0 or head[1] == 0)):
        raise HostileDocument(
            "only UTF-8 encoded documents are accepted (UTF-16/UTF-32 found)", reason="encoding"
        )
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    declared = _ENCODING.match(body.lstrip()[:200])
    if declared and declared.group(1).decode("ascii").lower().replace("_", "-") not in (
        "utf-8", "utf8", "us-ascii", "ascii"
    ):
        raise HostileDocument(
            f"only UTF-8 encoded documents are accepted (declared: {declared.group(1).decode('ascii')})",
            reason="encoding",
        )
    if _DOCTYPE.search(data) or _ENTITY.search(data):
        raise HostileDocument(
            "document type declarations (DOCTYPE, ENTITY) are not allowed: UBL never needs one, and they "
            "carry XXE and entity-expansion attacks",
            reason="doctype",
        )
    try:
        tree = parse_bounded(data, limits) or parse_bytes(data)
    except UnsafeXmlError as exc:
        raise HostileDocument(exc.message, reason="doctype") from None
    except XmlSyntaxError as exc:
        message = exc.message
        if "depth" in message.lower():
            raise HostileDocument(
                f"elements are nested too deeply (limit {MAX_DEPTH})", reason="depth"
            ) from None
        if "amplification" in message.lower() or "entity" in message.lower():
            raise HostileDocument(message, reason="entities") from None
        raise MalformedDocument(
            message, reason_code="NOT_WELL_FORMED", line=exc.line, column=exc.column
        ) from None
    _check_depth(tree.getroot())
    check_structure(data, tree, limits)
    return tree


# True when some element sits deeper than MAX_DEPTH (evaluated in C by libxml2).
_TOO_DEEP = etree.XPath("boolean(" + "/*" * (MAX_DEPTH + 1) + ")")


def _check_depth(root: etree._Element) -> None:
    if _TOO_DEEP(root):
        raise HostileDocument(f"elements are nested too deeply (limit {MAX_DEPTH})", reason="depth")
