"""Embedded attachments (BG-24): Peppol's allowed MIME codes and a check that the bytes match them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

__all__ = ["MIME_CODELIST", "allowed_mime_codes", "content_matches", "safe_media_type"]

MIME_CODELIST = "peppol-bis-billing-3/structure/codelist/MimeCode.xml"

# The same list as MimeCode.xml (Peppol BIS Billing 3.0), used only when the artefacts are absent.
_FALLBACK = frozenset({
    "text/csv",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
})


@lru_cache(maxsize=4)
def allowed_mime_codes(artifacts_dir: Path | None) -> frozenset[str]:
    """The ``Code/Id`` values of Peppol's MimeCode code list from the installed artefacts."""
    if artifacts_dir is None:
        return _FALLBACK
    path = Path(artifacts_dir) / MIME_CODELIST
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return _FALLBACK
    codes = {el.text.strip() for el in root.iter("{*}Id") if el.text and el.text.strip()}
    return frozenset(codes) or _FALLBACK


def content_matches(mime_code: str | None, content: bytes) -> bool:
    """Do the bytes look like the declared type (magic numbers; CSV: UTF-8 text without NUL)?"""
    if not mime_code:
        return False
    if mime_code == "application/pdf":
        return content.lstrip()[:5] == b"%PDF-"
    if mime_code == "image/png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if mime_code == "image/jpeg":
        return content.startswith(b"\xff\xd8\xff")
    if mime_code == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        return content.startswith(b"PK\x03\x04")
    if mime_code == "application/vnd.oasis.opendocument.spreadsheet":
        return content.startswith(b"PK\x03\x04") and b"application/vnd.oasis.opendocument.spreadsheet" in content[:200]
    if mime_code == "text/csv":
        if b"\x00" in content:
            return False
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return False


def safe_media_type(mime_code: str | None, allowed: bool, matches: bool) -> str:
    """The media type to serve a download with: the declared one only when allowed and matching."""
    if mime_code and allowed and matches:
        return mime_code
    return "application/octet-stream"
