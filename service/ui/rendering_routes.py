"""Workspace: the invoice as the supplier sent it, and PDF attachments previewed safely."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.db import SessionDep
from service.errors import NotFound
from service.ui import rendering
from service.ui.i18n import Translator
from service.ui.routes import Staff, _load, render

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/invoices/{invoice_id}/rendering")
def rendering_page(request: Request, invoice_id: str, session: SessionDep, current: Staff) -> Response:
    t = Translator(current.user.language.value)
    inv = _load(session, invoice_id, current)
    if not inv.data:
        raise NotFound("the document was rejected: it has no EN 16931 content to show")
    links = rendering.attachment_links(session, inv, f"/ui/invoices/{inv.id}/attachments")
    ctx = {k: v for k, v in rendering.context(inv, t, links).items() if k not in ("t", "lang")}
    return render(request, "rendering/page.html", t, inv=inv, **ctx)


@router.get("/invoices/{invoice_id}/attachments/{position}/preview")
def preview_attachment(invoice_id: str, position: int, session: SessionDep, current: Staff) -> Response:
    """A PDF attachment shown in the page. Only bytes that are a PDF are ever served inline, and always
    as application/pdf with nosniff: a "PDF" that is really HTML or script is never previewed (404) and
    could never be read as HTML by the browser."""
    inv = _load(session, invoice_id, current)
    row = rendering.attachment_for_preview(session, inv.id, position)
    if row is None:
        raise NotFound("no attachment that can be previewed")
    return Response(row.content, media_type=rendering.PDF, headers={
        "Content-Disposition": "inline",
        "Content-Security-Policy": rendering.PREVIEW_CSP,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "no-store",
    })
