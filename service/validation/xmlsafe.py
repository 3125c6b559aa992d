"""Secure XML parsing for untrusted documents (invoices, orders, receipts).

Every parser here refuses DTDs (``<!DOCTYPE``), external entities, network access and huge trees, the
XML attack surface the KoSIT validator's ``evil/`` tests cover (XXE, billion laughs, remote fetches).
"""

from __future__ import annotations

import io
import threading

from lxml import etree

__all__ = ["SAFE_OPTIONS", "UnsafeXmlError", "XmlSyntaxError", "parse_bytes", "peek_root_tag", "safe_parser"]

_local = threading.local()


class XmlSyntaxError(ValueError):
    """The bytes are not well-formed XML (``NOT_WELL_FORMED``)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class UnsafeXmlError(XmlSyntaxError):
    """The document carries a DOCTYPE (DTD, entity declarations): refused before parsing."""


# The options of every parser here (also for lxml's iterparse, which takes them as arguments).
SAFE_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_blank_text": False,
    "remove_comments": False,
    "collect_ids": False,
}


def safe_parser() -> etree.XMLParser:
    """A per-thread lxml parser with DTDs, entity expansion and network access disabled.

    lxml parsers are not thread-safe, so each thread gets its own; reuse within a thread is safe.
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(**SAFE_OPTIONS)
        _local.parser = parser
    return parser


def parse_bytes(data: bytes) -> etree._ElementTree:
    """Parse untrusted XML bytes into an lxml tree (line numbers kept for diagnostics).

    Raises ``UnsafeXmlError`` for any document type declaration and ``XmlSyntaxError`` for anything
    that is not well-formed XML (including an empty body).
    """
    if not data or not data.strip():
        raise XmlSyntaxError("empty document")
    try:
        tree = etree.fromstring(data, parser=safe_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line, column = (exc.position if exc.position else (None, None))
        raise XmlSyntaxError(f"not well-formed XML: {exc.msg}", line, column) from None
    if tree.docinfo.doctype:
        raise UnsafeXmlError("document type declarations (DOCTYPE) are not allowed")
    return tree


def peek_root_tag(data: bytes) -> str | None:
    """The root element's Clark name, read without parsing the rest; None when unreadable."""
    try:
        for _, element in etree.iterparse(io.BytesIO(data), events=("start",), **SAFE_OPTIONS):
            return element.tag if isinstance(element.tag, str) else None
    except etree.XMLSyntaxError:
        return None
    return None
