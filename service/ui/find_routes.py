"""Workspace pages of the find list: /ui/search and its CSV and XLSX exports."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from service.db import SessionDep, reading
from service.ui import find, find_export, saved_views
from service.ui.i18n import Translator
from service.ui.routes import Staff, render

router = APIRouter(prefix="/ui", include_in_schema=False)

COLUMN_TITLES = {"number": "col_number", "supplier": "col_supplier", "order": "col_order",
                 "amount": "col_amount", "status": "col_status", "due": "col_due", "received": "col_received"}


@router.get("/search")
def find_page(request: Request, session: SessionDep, current: Staff) -> Response:
    t = Translator(current.user.language.value)
    flt = find.FindFilter.from_params(request.query_params)
    flt.organisation_id = current.organisation_id
    result = find.page(session, flt)
    page_number = min(flt.page, result.pages)
    view_msg = request.query_params.get("view", "")
    return render(request, "find.html", t, flt=flt, result=result, page_number=page_number,
                  views=saved_views.views_of(session, current.user.id),
                  view_msg=t(f"msg_view_{view_msg}") if view_msg in ("saved", "refused", "deleted") else "",
                  columns=COLUMN_TITLES, statuses=find.STATUSES, qs=urlencode(flt.query_params(page="")),
                  link=lambda **kw: "/ui/search?" + urlencode(flt.query_params(**kw)))


def _filename(t: Translator, extension: str) -> str:
    return f"{'facturen' if t.lang == 'nl' else 'invoices'}.{extension}"


@router.get("/search/export.csv")
def export_csv(request: Request, current: Staff) -> Response:
    t = Translator(current.user.language.value)
    flt = find.FindFilter.from_params(request.query_params)
    flt.organisation_id = current.organisation_id
    engine = reading(request.app.state.engine)

    def chunks():
        # its own session: the request's unit of work has ended before the body is streamed
        with Session(engine) as session:
            yield from find_export.csv_chunks(t, find.export_rows(session, flt))

    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_filename(t, "csv")}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/search/export.xlsx")
def export_xlsx(request: Request, session: SessionDep, current: Staff) -> Response:
    t = Translator(current.user.language.value)
    flt = find.FindFilter.from_params(request.query_params)
    flt.organisation_id = current.organisation_id
    content = find_export.xlsx_file(t, find.export_rows(session, flt))
    return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(t, "xlsx")}"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
