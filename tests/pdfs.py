"""Real PDFs for the Factur-X / ZUGFeRD tests, written with pypdf (and by hand for hostile ones)."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfWriter
from pypdf.generic import NameObject


def hybrid_pdf(xml: bytes, *, name: str = "factur-x.xml", relationship: str = "Alternative",
               password: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A one-page PDF with ``xml`` embedded as ``name`` (Factur-X: factur-x.xml, /Alternative)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for other, data in (extra or {}).items():
        writer.add_attachment(other, data)
    attachment = writer.add_attachment(name, xml)
    attachment.associated_file_relationship = NameObject(f"/{relationship}")
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def plain_pdf() -> bytes:
    """A PDF without any embedded file (a scanned or printed invoice)."""
    return hybrid_pdf(b"", name="notes.txt")[:0] or _blank()


def _blank() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    """A hand-written PDF of the given objects (1 0 obj is the catalogue), with a valid xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def bomb_pdf(decompressed_bytes: int = 200 * 1024 * 1024) -> bytes:
    """factur-x.xml whose Flate stream inflates to ``decompressed_bytes`` (about 1/1000 of it on disk)
    and whose /Params declare no size."""
    stream = zlib.compress(b"<" + b" " * decompressed_bytes, 9)
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(factur-x.xml) 3 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /EF << /F 4 0 R >> >>",
        b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ])


def nested_pdf(depth: int = 100_000) -> bytes:
    """A catalogue whose /Names value is an array nested ``depth`` levels deep."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R /Names " + b"[" * depth + b"]" * depth + b" >>",
                 b"<< /Type /Pages /Kids [] /Count 0 >>"])
