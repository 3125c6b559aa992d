"""Workspace: the auditor's report of manual approvals in a period, as a page and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from service.approvals.report import ReportRow, manual_approvals
from service.db import SessionDep
from service.ui.i18n import Translator
from service.ui.routes import Staff, render

router = APIRouter(prefix="/ui", include_in_schema=False)

PAGE_ROWS = 1000  # the page shows this many; the CSV has the whole period
CSV_COLUMNS = ("approved_at", "approved_by", "step", "first_approver", "first_approved_at", "invoice_number",
               "supplier", "payable_amount", "currency", "overridden", "rule_version", "triggers", "comment",
               "invoice_id")


def _period(params) -> tuple[date, date]:
    """[from, to] as UTC dates (both inclusive on the page); default: the last 30 days."""
    today = datetime.now(UTC).date()
    try:
        start = date.fromisoformat(params.get("from") or "")
    except ValueError:
        start = today - timedelta(days=30)
    try:
        end = date.fromisoformat(params.get("to") or "")
    except ValueError:
        end = today
    return start, max(start, end)


def _rows(session: Session, start: date, end: date, limit: int | None) -> list[ReportRow]:
    lo = datetime.combine(start, time(0), UTC)
    hi = datetime.combine(end + timedelta(days=1), time(0), UTC)
    rows: list[ReportRow] = []
    after = None
    while limit is None or len(rows) < limit:
        batch = manual_approvals(session, start=lo, end=hi, after=after, limit=500)
        rows += batch
        if len(batch) < 500:
            break
        after = (batch[-1].approved_at, batch[-1].approval_id)
    return rows if limit is None else rows[:limit]


@router.get("/approvals/report")
def report_page(request: Request, session: SessionDep, current: Staff) -> Response:
    t = Translator(current.user.language.value)
    start, end = _period(request.query_params)
    rows = _rows(session, start, end, PAGE_ROWS)
    qs = urlencode({"from": start.isoformat(), "to": end.isoformat()})
    return render(request, "approvals_report.html", t, rows=rows, start=start, end=end, qs=qs)


@router.get("/approvals/report.csv")
def report_csv(request: Request, session: SessionDep, current: Staff) -> Response:
    start, end = _period(request.query_params)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in _rows(session, start, end, None):
        values = vars(row)
        writer.writerow([_cell(values[c]) for c in CSV_COLUMNS])
    name = f"approvals-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    # a cell a spreadsheet would run as a formula gets a leading apostrophe
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
