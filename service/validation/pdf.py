"""The invoice XML inside a Factur-X / ZUGFeRD / XRechnung PDF, extracted with pypdf. Pure.

A hybrid invoice is a PDF/A-3 whose embedded files include the structured invoice under a name
the profile fixes: ``factur-x.xml`` (Factur-X 1.x, ZUGFeRD 2.1+), ``zugferd-invoice.xml`` (ZUGFeRD
2.0), ``xrechnung.xml`` (XRechnung in a PDF) and, of ZUGFeRD 1.0, ``ZUGFeRD-invoice.xml``. The XML
is then validated like any document (as CII); the PDF stays the invoice's visual.

Hostile PDFs are answered quickly and in bounded memory: pypdf reads objects lazily (only the
catalogue, the name tree of embedded files and the one stream asked for are parsed), the
embedded file is refused when it declares or decodes to more than ``max_xml_bytes`` (pypdf's
decoders are limited to that bound while we read, a context-local configuration), encrypted PDFs are refused (PDF/A-3
forbids encryption) and any parser failure, recursion included, is a ``PdfInvoiceError``.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

__all__ = ["EMBEDDED_NAMES", "EmbeddedInvoice", "PdfInvoiceError", "extract_invoice", "is_pdf"]

# Checked in this order (case-insensitive): the first present is the invoice.
EMBEDDED_NAMES = {
    "factur-x.xml": "Factur-X / ZUGFeRD 2.1+",
    "zugferd-invoice.xml": "ZUGFeRD 2.0",
    "xrechnung.xml": "XRechnung",
}
_LEGACY = {"zugferd-invoice.xml": "ZUGFeRD 1.0"}  # same name, case differs: told apart by the XML
MAX_XML_BYTES = 10 * 1024 * 1024


class PdfInvoiceError(ValueError):
    """No invoice can be taken from the PDF. ``kind``: ``unreadable`` (not a PDF / broken /
    too complex), ``encrypted``, ``no_invoice`` (no embedded invoice XML), ``too_large``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class EmbeddedInvoice:
    xml: bytes
    filename: str  # as embedded
    flavour: str  # "Factur-X / ZUGFeRD 2.1+", "XRechnung", ...
    relationship: str | None  # /AFRelationship (Factur-X: Alternative, Data or Source)


def is_pdf(data: bytes) -> bool:
    """PDF files start with %PDF- (some writers put a few bytes of junk first; readers allow 1 KB)."""
    return b"%PDF-" in data[:1024]


def _limits(limit: int) -> dict[str, int]:
    """pypdf's resource limits (a context-local configuration) for reading one invoice PDF."""
    return {
        "maximum_declared_stream_length": limit,
        "zlib_maximum_output_length": limit,
        "lzw_maximum_output_length": limit,
        "run_length_maximum_output_length": limit,
        "brotli_maximum_output_length": limit,
        "array_based_stream_maximum_output_length": limit,
        "zlib_maximum_recovery_input_length": min(limit, 5_000_000),
        "stream_decoding_work_maximum_length": 4 * limit,
        "array_maximum_element_count": 50_000,
        "dictionary_maximum_element_count": 50_000,
        "named_destinations_maximum_entries": 10_000,
        "named_destinations_maximum_depth": 32,
        "disable_legacy_handling": True,
    }


def extract_invoice(pdf: bytes, *, max_xml_bytes: int = MAX_XML_BYTES) -> EmbeddedInvoice:
    """The embedded invoice XML of a Factur-X / ZUGFeRD / XRechnung PDF.

    Raises ``PdfInvoiceError`` when the PDF cannot be read, is encrypted, carries no invoice XML
    (a plain PDF) or its XML is larger than ``max_xml_bytes``. Never raises anything else for bad
    input.
    """
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

    if not is_pdf(pdf):
        raise PdfInvoiceError("unreadable", "The document is not a PDF (no %PDF- header).")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about broken files are ours to report
    try:
        with apply_configuration(None, **_limits(max_xml_bytes)):
            reader = PdfReader(io.BytesIO(pdf), strict=False, root_object_recovery_limit=1000,
                               xref_stream_maximum_entries=200_000)
            if reader.is_encrypted:
                raise PdfInvoiceError("encrypted", "The PDF is encrypted; a Factur-X / ZUGFeRD invoice is a "
                                      "PDF/A-3 file, which may not be encrypted.")
            found = {}
            for attachment in reader.attachment_list:
                key = (attachment.name or "").strip().lower()
                if key in EMBEDDED_NAMES and key not in found:
                    found[key] = attachment
            if not found:
                names = [a.name for a in reader.attachment_list][:10]
                listed = f" (it embeds: {', '.join(map(str, names))})" if names else " (it embeds no files)"
                raise PdfInvoiceError("no_invoice", "The PDF carries no embedded invoice XML: expected "
                                      f"factur-x.xml, zugferd-invoice.xml or xrechnung.xml{listed}.")
            key = next(k for k in EMBEDDED_NAMES if k in found)
            attachment = found[key]
            declared = attachment.size
            if declared is not None and declared > max_xml_bytes:
                raise PdfInvoiceError("too_large", f"The embedded {attachment.name} declares {declared} bytes; "
                                      f"at most {max_xml_bytes} are accepted.")
            xml = attachment.content
            relationship = attachment.associated_file_relationship
    except PdfInvoiceError:
        raise
    except LimitReachedError:
        raise PdfInvoiceError("too_large", f"The embedded invoice decompresses to more than {max_xml_bytes} "
                              "bytes.") from None
    except FileNotDecryptedError:
        raise PdfInvoiceError("encrypted", "The PDF is encrypted.") from None
    except RecursionError:
        raise PdfInvoiceError("unreadable", "The PDF's structure is nested too deeply to be read.") from None
    except (PdfReadError, DependencyError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            AssertionError, OSError, ArithmeticError, UnicodeError) as exc:
        raise PdfInvoiceError("unreadable", f"The PDF cannot be read: {type(exc).__name__}: "
                              f"{' '.join(str(exc).split())[:200]}") from None
    if len(xml) > max_xml_bytes:
        raise PdfInvoiceError("too_large", f"The embedded invoice has {len(xml)} bytes; at most {max_xml_bytes} "
                              "are accepted.")
    flavour = EMBEDDED_NAMES[key]
    if key in _LEGACY and b"CrossIndustryDocument" in xml[:2000]:
        flavour = _LEGACY[key]
    rel = str(relationship).lstrip("/") if relationship is not None else None
    return EmbeddedInvoice(xml=xml, filename=str(attachment.name), flavour=flavour, relationship=rel)
