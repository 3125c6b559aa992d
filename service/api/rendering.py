"""GET /v1/invoices/{id}/rendering: the invoice as readable HTML (see service.ui.rendering)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from service.api.deps import InvoiceReader
from service.api.invoices import NoDocumentData, _get_visible, _etag_matches
from service.db import SessionDep
from service.errors import InvoiceNotFound, problem_responses
from service.ui import rendering
from service.ui.i18n import Translator

router = APIRouter(tags=["invoices"])


@router.get(
    "/invoices/{invoice_id}/rendering",
    operation_id="invoices-rendering",
    summary="Read the invoice as readable HTML",
    description="A human-readable HTML view of the document as the supplier sent it (UBL or CII, also "
    "from an envelope or a Factur-X PDF), drawn from its EN 16931 content: parties with their "
    "identifiers, references, lines, allowances and charges, VAT breakdown, totals, payment "
    "instructions, and the embedded attachments linked to `/attachments/{n}`. Every label names its "
    "business term. Dutch or English: `lang`, else `Accept-Language`, else Dutch. The page runs no "
    "script and loads nothing (CSP `default-src 'none'`). Rejected documents have no EN 16931 content (404).",
    responses={
        200: {"description": "The rendering.", "content": {"text/html": {"schema": {"type": "string"}}}},
        304: {"description": "Not modified (If-None-Match matched the ETag)."},
        **problem_responses(InvoiceNotFound, NoDocumentData),
    },
    response_class=HTMLResponse,
)
def get_rendering(
    invoice_id: uuid.UUID, request: Request, session: SessionDep, principal: InvoiceReader,
    lang: Annotated[str | None, Query(max_length=2, pattern="^(nl|en)$", description="nl or en")] = None,
) -> HTMLResponse:
    """Read the invoice as readable HTML."""
    invoice = _get_visible(session, invoice_id, principal)
    if not invoice.data:
        raise NoDocumentData(f"invoice {invoice_id} was rejected; read /validation for why")
    t = Translator(rendering.language(request.headers.get("accept-language"), lang))
    etag = f'"{invoice.sha256[:32]}-{t.lang}"'
    headers = {"ETag": etag, "Vary": "Accept-Language", "Content-Security-Policy": rendering.CSP,
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return HTMLResponse(status_code=304, headers=headers)
    links = rendering.attachment_links(session, invoice, f"/v1/invoices/{invoice.id}/attachments")
    for link in links:
        link.preview_href = None  # the API's attachment answer is the download
    html = rendering.standalone(request.app.state.ui_templates.env, invoice, t, links)
    return HTMLResponse(html, headers=headers)
