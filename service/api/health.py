"""Operational endpoints: liveness and readiness (no API key needed), Prometheus metrics (a key or
the scrape token: invoice counts by status and route latencies are the buyer's business)."""

from __future__ import annotations

import hmac
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import func
from sqlmodel import Session, select

from service.api.deps import authenticate, bearer
from service.config import Settings
from service.errors import Forbidden, Unauthorized, problem_responses
from service.db import reading
from service.migrations import schema_state
from service.validation.artefacts import Manifest, load_manifest
from service.models.erp import FeedEntry, WebhookDelivery
from service.models.invoices import Invoice

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health-liveness", summary="The process is up")
async def healthz() -> dict[str, str]:
    # on the event loop, not in the thread pool: a liveness probe must not queue behind requests
    # that wait for the database in every thread of it (then the process would look hung)
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="health-readiness",
    summary="Ready to serve: database reachable and validation artefacts loaded",
    responses={503: {"description": "Not ready; `problems` lists what is missing"}},
)
def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    problems: list[str] = []
    next_steps: list[str] = []
    try:
        with Session(reading(state.engine)) as session:
            schema = schema_state(session.connection())
        if not schema.up_to_date:
            problems.append(f"database schema is at {schema.current or 'nothing'}, this version needs "
                            f"{', '.join(schema.heads)}")
            next_steps.append("run `einvoice migrate`" if not schema.unknown else
                              "run the version that migrated this database")
    except Exception as exc:  # noqa: BLE001 - any driver error means "not ready"; say which
        problems.append(f"database unreachable: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        next_steps.append("check DATABASE_URL and that the database server is up")
    problems += list(state.validation_problems)
    if state.validation is None and not state.validation_problems:
        problems.append("validation engine not loaded")
    # Artefacts are loaded once, at start-up: an `einvoice artifacts install` afterwards changes
    # the files on disk but not this process.
    changed = artefacts_fingerprint(state.settings) != getattr(state, "artefacts_loaded", None)
    if changed:
        next_steps.append("restart the service: the validation artefacts changed on disk after it "
                          "loaded them (`einvoice artifacts install` ran)")
    elif state.validation is None:
        next_steps.append("run `einvoice artifacts install`, then restart the service")
    # warnings do not make the instance unready: e.g. a rule-set release that became mandatory
    # but is not installed (documents are still validated, with its predecessor)
    warnings = state.validation.release_warnings() if state.validation is not None else []
    if warnings:
        next_steps.append("run `einvoice artifacts install`, then restart the service, to apply the "
                          "mandatory release")
    body: dict[str, object] = {"status": "ready" if not problems else "not ready", "problems": problems}
    if warnings:
        body["warnings"] = warnings
    if next_steps:
        body["next_step"] = "; then ".join(next_steps)
    return JSONResponse(body, status_code=200 if not problems else 503)


@lru_cache(maxsize=4)
def _manifest(path: Path | None) -> Manifest:
    return load_manifest(path)


def artefacts_fingerprint(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """Size and modification time of every installed artefact the engine needs (stat only: cheap)."""
    manifest = _manifest(settings.schemas_manifest)
    stamps = []
    for file in manifest.required:
        try:
            info = (settings.artifacts_dir / file.local_path).stat()
        except OSError:
            continue
        stamps.append((file.local_path, info.st_size, info.st_mtime_ns))
    return tuple(stamps)


def metrics_reader(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    """The scrape token (EINVOICE_METRICS_TOKEN), else an admin API key."""
    token = request.app.state.settings.metrics_token
    sent = credentials.credentials if credentials is not None else ""
    if token is not None and sent and hmac.compare_digest(sent.encode(), token.get_secret_value().encode()):
        return
    principal = authenticate(request, credentials)
    if not principal.has_role():
        raise Forbidden(f"role '{principal.role.value}' may not read metrics; use an admin key or the "
                        "scrape token (EINVOICE_METRICS_TOKEN)")


@router.get(
    "/metrics",
    operation_id="health-metrics",
    summary="Prometheus metrics: request counts and latencies, invoices by status",
    description="Needs `Authorization: Bearer` with the scrape token (`EINVOICE_METRICS_TOKEN`) or an "
    "admin API key.",
    response_class=PlainTextResponse,
    dependencies=[Depends(metrics_reader)],
    responses=problem_responses(Unauthorized, Forbidden),
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
                # per buyer organisation, for the shared service centre's management ("-": none, BUYER_UNKNOWN)
                "invoices_by_organisation": {
                    f"{org or '-'}|{getattr(status, 'value', status)}": n for org, status, n in session.exec(
                        select(Invoice.organisation_id, Invoice.status, func.count())
                        .group_by(Invoice.organisation_id, Invoice.status))},
                "webhook_deliveries": by_status(session, WebhookDelivery.status),
                "feed_unpublished": {"": unpublished},
            }
    except Exception:  # noqa: BLE001 - metrics must still answer when the database is down
        return {}
