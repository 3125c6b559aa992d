"""What came in: the invoice itself, a Peppol envelope around it, or a Factur-X / ZUGFeRD PDF.

``unwrap(body, media_type)`` returns what the validation engine validates (the body itself; for a
PDF, its embedded XML) and the invoice to parse into the EN 16931 model (for an envelope, its
payload). The document's original bytes are stored unchanged either way; for a PDF the PDF is the
invoice's visual. Pure (no database).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from service.errors import PayloadTooLarge, ServiceError
from service.intake.guard import parse_untrusted
from service.intake.limits import DocumentLimits
from service.validation.envelope import Envelope, invoice_of
from service.validation.pdf import EmbeddedInvoice, PdfInvoiceError, extract_invoice

__all__ = ["PDF_MEDIA_TYPES", "NoInvoiceInPdf", "Unwrapped", "unwrap"]

PDF_MEDIA_TYPES = ("application/pdf",)


class NoInvoiceInPdf(ServiceError):
    status, slug, title = 422, "no-invoice-in-pdf", "The PDF carries no readable invoice"


@dataclass(frozen=True)
class Unwrapped:
    xml: bytes  # validated by the engine (an envelope is validated whole: envelope + payload)
    tree: etree._ElementTree  # ``xml``, parsed by the intake's guard
    invoice: etree._ElementTree | None  # the invoice to parse (None: a broken envelope holds none)
    invoice_xml: bytes | None  # stored next to the document when it is not the document itself
    envelope: Envelope | None = None
    pdf: EmbeddedInvoice | None = None


def unwrap(body: bytes, media_type: str, *, max_xml_bytes: int | None = None,
           limits: DocumentLimits | None = None) -> Unwrapped:
    """Raises ``HostileDocument`` / ``MalformedDocument`` (400) for unsafe XML, ``NoInvoiceInPdf``
    (422) for a PDF without a readable invoice, ``PayloadTooLarge`` (413) when its invoice is
    too large and the errors of ``limits.py`` (413/422) for a document over ``limits``; nothing is
    stored then."""
    pdf = None
    xml = body
    if media_type in PDF_MEDIA_TYPES:
        try:
            pdf = extract_invoice(body, **({"max_xml_bytes": max_xml_bytes} if max_xml_bytes else {}))
        except PdfInvoiceError as exc:
            if exc.kind == "too_large":
                raise PayloadTooLarge(str(exc), limit=max_xml_bytes) from None
            raise NoInvoiceInPdf(str(exc), reason=exc.kind) from None
        xml = pdf.xml
    tree = parse_untrusted(xml, limits)
    envelope, invoice = invoice_of(tree)
    if envelope is not None:
        return Unwrapped(xml=xml, tree=tree, invoice=invoice, invoice_xml=envelope.payload, envelope=envelope, pdf=pdf)
    invoice_xml = xml if pdf is not None and invoice is not None else None
    return Unwrapped(xml=xml, tree=tree, invoice=invoice, invoice_xml=invoice_xml, pdf=pdf)
