"""Operational endpoints: liveness, readiness and Prometheus metrics (no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import func, text
from sqlmodel import Session, select

from service.db import reading
from service.models.erp import FeedEntry, WebhookDelivery
from service.models.invoices import Invoice

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health-liveness", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="health-readiness",
    summary="Ready to serve: database reachable and validation artefacts loaded",
    responses={503: {"description": "Not ready; `problems` lists what is missing"}},
)
def readyz(request: Request) -> JSONResponse:
    problems: list[str] = []
    try:
        with Session(request.app.state.engine) as session:
            session.exec(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"; say which
        problems.append(f"database unreachable: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    problems += list(request.app.state.validation_problems)
    if request.app.state.validation is None and not request.app.state.validation_problems:
        problems.append("validation engine not loaded")
    status = 200 if not problems else 503
    return JSONResponse({"status": "ready" if not problems else "not ready", "problems": problems},
                        status_code=status)


@router.get(
    "/metrics",
    operation_id="health-metrics",
    summary="Prometheus metrics: request counts and latencies, invoices by status",
    response_class=PlainTextResponse,
)
def metrics(request: Request) -> PlainTextResponse:
    gauges = _database_gauges(request)
    body = request.app.state.metrics.render(gauges.pop("invoices", {}), gauges)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _database_gauges(request: Request) -> dict[str, dict[str, int]]:
    """Invoices by status, webhook deliveries by status, feed entries not yet published.

    Read from the database at scrape time, so every server process reports the same values.
    """
    def by_status(session: Session, column) -> dict[str, int]:
        rows = session.exec(select(column, func.count()).group_by(column))
        return {str(getattr(value, "value", value)): n for value, n in rows}

    try:
        with Session(reading(request.app.state.engine)) as session:
            unpublished = session.exec(
                select(func.count()).select_from(FeedEntry).where(FeedEntry.position.is_(None))
            ).one()
            return {
                "invoices": by_status(session, Invoice.status),
                "webhook_deliveries": by_status(session, WebhookDelivery.status),
                "feed_unpublished": {"": unpublished},
            }
    except Exception:  # metrics must still answer when the database is down
        return {}
