"""The readable rendering of an invoice as the supplier sent it (GET /v1/invoices/{id}/rendering and
the workspace's "document" view).

It is drawn from the EN 16931 model intake stored (``invoice.data``), which UBL and CII share, so one
template shows both syntaxes exactly as far as EN 16931 carries them; every label names its business
term. The HTML is built with autoescaping and no script: a supplier's texts can never become markup.
The standalone page carries its one style block, allowed by hash in a CSP that allows nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from service.models.invoices import Invoice, InvoiceAttachment
from service.ui.i18n import Translator

PDF = "application/pdf"

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}"
    "main{max-width:60rem;margin:0 auto;padding:1rem}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.3rem;text-align:left;"
    "vertical-align:top}.num{text-align:right}.small{font-size:.9em;color:#444}"
    "dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.kv dt{font-weight:600}"
    "dl.kv dd{margin:0}.r-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}"
    "a{color:#0b4f9c}"
)
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# The standalone rendering: no script, no form, no frame, nothing fetched; its style by hash.
CSP = (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; form-action 'none'; "
       "frame-ancestors 'self'; base-uri 'none'")
# A PDF previewed in the workspace: nothing loaded or submitted from it, framed only by the workspace.
# (No "sandbox": browsers refuse to show a PDF in a sandboxed document; the PDF viewer runs apart.)
PREVIEW_CSP = "default-src 'none'; form-action 'none'; frame-ancestors 'self'; base-uri 'none'"


@dataclass
class AttachmentLink:
    name: str
    description: str | None
    href: str | None
    preview_href: str | None
    external: str | None


def attachment_links(session: Session, invoice: Invoice, base: str) -> list[AttachmentLink]:
    """The document's attachments, linked under ``base`` (…/attachments/{n}); a PDF whose bytes are
    a PDF also gets a preview link (…/attachments/{n}/preview)."""
    rows = session.exec(select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == invoice.id)
                        .options(defer(InvoiceAttachment.content)).order_by(InvoiceAttachment.position)).all()
    by_position = {r.position: r for r in rows}
    links = []
    for n, declared in enumerate((invoice.data or {}).get("attachments") or [], start=1):
        row = by_position.get(n)
        name = declared.get("filename") or declared.get("id") or f"#{n}"
        links.append(AttachmentLink(
            name=name, description=declared.get("description"),
            href=f"{base}/{n}" if row is not None else None,
            preview_href=f"{base}/{n}/preview" if row is not None and previewable(row) else None,
            external=declared.get("external_uri")))
    return links


def previewable(row: InvoiceAttachment) -> bool:
    """Only a PDF that is one: declared as PDF, on Peppol's list, and its bytes start like a PDF."""
    return (row.mime_code or "").lower() == PDF and row.mime_allowed and row.content_matches


def context(invoice: Invoice, t: Translator, attachments: list[AttachmentLink]) -> dict[str, Any]:
    syntax = {"cii": "UN/CEFACT CII"}.get(invoice.syntax or "", "UBL 2.1")
    if invoice.media_type == PDF:
        syntax += ", Factur-X / ZUGFeRD PDF"
    return {"d": invoice.data or {}, "t": t, "lang": t.lang, "syntax": syntax, "attachments": attachments}


def standalone(env: Environment, invoice: Invoice, t: Translator, attachments: list[AttachmentLink]) -> str:
    ctx = context(invoice, t, attachments)
    kind = t("r_credit_note") if ctx["d"].get("document_type") == "credit_note" else t("r_invoice")
    return env.get_template("rendering/document.html").render(
        **ctx, css=STYLE, title=t("r_title", kind=kind, number=ctx["d"].get("number", "")))


def language(accept_language: str | None, requested: str | None) -> str:
    """nl or en: the ``lang`` asked for, else the first of the two in Accept-Language, else Dutch."""
    if requested in ("nl", "en"):
        return requested
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("nl", "en"):
            return code
    return "nl"


def attachment_for_preview(session: Session, invoice_id: uuid.UUID, n: int) -> InvoiceAttachment | None:
    row = session.exec(select(InvoiceAttachment).where(InvoiceAttachment.invoice_id == invoice_id,
                                                       InvoiceAttachment.position == n)).first()
    return row if row is not None and previewable(row) else None
