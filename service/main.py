"""Application factory: settings -> engine, validation engine, routers, error handlers, middleware."""

from __future__ import annotations

import gc
import logging
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.engine import Engine

from service import __version__, background, ui
from service.api import api_router, docs
from service.api.csv_export import CsvListMiddleware
from service.api.deps import RecentKeys
from service.api.csv_export import document as document_csv
from service.api.health import artefacts_fingerprint
from service.api.health import router as health_router
from service.config import Settings, get_settings
from service.db import make_engine
from service.api.problems import document_validation_problems, install_problem_handlers
from service.api.route_versions import freeze as freeze_route_versions
from service.errors import Problem
from service.logging import configure_logging, log_access, request_id_var
from service.metrics import Metrics
from service.resilience import DatabaseTroubleMiddleware
from service.validation_process import start_validation

log = logging.getLogger("einvoice")

DESCRIPTION = """
Receives UBL 2.1 invoices and credit notes (Peppol BIS Billing 3.0, EN 16931, NLCIUS), validates
them exactly as the official validators do, matches them to purchase orders and goods receipts,
approves the right ones automatically and flags the rest for finance staff. ERP systems load master
data and poll the decisions.

Field descriptions use the EN 16931 business-term names (BT-1 invoice number, BT-13 purchase order
reference, ...). Decimal values travel as JSON strings. Errors are RFC 9457 problem details.
While the database is unreachable, any operation may answer 503 (`/problems/database-unavailable`,
with `Retry-After`); transactions the database aborts as conflicts are retried inside the service.
"""


NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def _operation_id(route: APIRoute) -> str:
    # Stable ids: routes set operation_id explicitly; this is the fallback "<tag>-<name>".
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    validation: tuple[Any, list[str]] | None = None,
    freeze_start_up: bool = False,
) -> FastAPI:
    """Build the app. Tests pass a ready engine and a validation engine built once per session.
    ``freeze_start_up``: a server process's objects of start-up are left out of the garbage
    collector's full collections once the app has started (``freeze_start_up_objects``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = engine or make_engine(settings.database_url)
        app.state.artefacts_loaded = artefacts_fingerprint(settings)  # /readyz: changed since?
        app.state.validation, app.state.validation_problems = validation or start_validation(settings)
        for problem in app.state.validation_problems:
            log.error("not ready: %s", problem)
        background.start(app)
        if freeze_start_up:
            freeze_start_up_objects()
        try:
            yield
        finally:
            background.stop(app)
            if validation is None and hasattr(app.state.validation, "close"):
                app.state.validation.close()  # the validation child process
            if engine is None:
                app.state.engine.dispose()

    app = FastAPI(
        # FastAPI's own OpenTelemetry: off. It only ever acts once an OpenTelemetry SDK (not among
        # our dependencies) has set global providers, yet it asked for all three on every request:
        # 9-11 us of the event loop's CPU per request (issue #21, measured 2026-12-07)
        telemetry=NO_TELEMETRY,
        title="E-invoice service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # docs.mount serves /docs and /redoc from local assets, not a CDN
        redoc_url=None,
        openapi_tags=[
            {"name": "invoices", "description": "Submit and read invoices and credit notes."},
            {"name": "decisions", "description": "Explained matching decisions."},
            {"name": "review", "description": "Actions of finance staff on flagged invoices."},
            {"name": "erp", "description": "Booking and payment reported by the ERP."},
            {"name": "events", "description": "Change feed of status transitions."},
            {"name": "webhooks", "description": "Push notifications of status transitions."},
            {"name": "suppliers", "description": "Supplier master data."},
            {"name": "purchase-orders", "description": "Purchase orders (JSON or UBL Order)."},
            {"name": "goods-receipts", "description": "Goods receipts (JSON, UBL ReceiptAdvice or DespatchAdvice)."},
            {"name": "keys", "description": "API keys (admin)."},
            {"name": "operations", "description": "Health, readiness and metrics."},
        ],
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.recent_keys = RecentKeys()  # keys this process authenticated lately (api/deps.py)
    app.state.engine = engine  # replaced in lifespan when None
    app.state.validation = None
    app.state.validation_problems = []
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(api_router)
    docs.mount(app)
    ui.mount(app, settings)
    app.add_middleware(DatabaseTroubleMiddleware)  # innermost: each attempt (and each CSV page) a request
    app.add_middleware(CsvListMiddleware)  # inside the request context: one log line per export
    app.add_middleware(RequestContextMiddleware)
    _register_problem_schema(app)
    freeze_route_versions(app.router)  # assembled: FastAPI need not recount its routes per request
    return app


def _register_problem_schema(app: FastAPI) -> None:
    original = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
            Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        schema["components"].setdefault("securitySchemes", {})
        document_csv(schema)
        document_validation_problems(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


class RequestContextMiddleware:
    """Request id (X-Request-ID in and out), access log line, and request metrics."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            template = _route_template(scope)
            status = status_holder["status"]
            app = scope.get("app")
            if app is not None and hasattr(app.state, "metrics"):
                app.state.metrics.observe(scope["method"], template, status, elapsed)
            log_access(scope["method"], scope["path"], status, elapsed * 1000)
            request_id_var.reset(token)


def _route_template(scope) -> str:
    """The matched route as a template (/v1/invoices/{invoice_id}), to keep metric labels bounded.

    Nested routers report only their own part of the path, so rebuild the template from the
    request path and the path parameters.
    """
    if scope.get("route") is None:
        return "unmatched"
    params = {str(v): k for k, v in (scope.get("path_params") or {}).items()}
    return "/".join(f"{{{params[seg]}}}" if seg in params else seg for seg in scope["path"].split("/"))


def build_app() -> FastAPI:
    """Entry point for uvicorn workers (`service.main:build_app`, factory=True)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    tune_collector()
    return create_app(settings, freeze_start_up=True)


# the oldest generation's threshold: CPython's default is 10
FULL_COLLECTION_EVERY = 100


def tune_collector() -> None:
    """Fewer full collections of the cyclic garbage collector in a server process.

    A full collection walks every tracked object of the process with the interpreter lock held;
    a 5,000-line invoice builds hundreds of thousands of them (its tree and its EN 16931 model), so
    with CPython's default thresholds the collector ran full collections again and again while it
    was mapped, each stalling every thread of the worker: /healthz waited up to 0.5-0.63 s during
    such a POST and the POST took 5.0-6.3 s (2026-12-06, load 6-8). A full collection only after
    100 collections of the middle generation (instead of 10): /healthz at most 0.08-0.16 s (once
    0.42), the POST 3.8-4.8 s. Young garbage is collected as often as before; a Peppol base-size
    POST never reached a full collection either way (300 in a row: 70 young, 6 middle, 0 full)."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def freeze_start_up_objects() -> int:
    """Leave the objects of start-up out of every later garbage collection (``gc.freeze``).

    What a worker holds after start-up (modules, classes, functions, the routes, SQLAlchemy's and
    pydantic's models: 220,000 objects) lives as long as the process, yet every full collection
    walked all of it with the interpreter lock held: 115 ms of CPU each (2026-12-06), and a list
    page's few thousand short-lived objects bring one every few hundred requests, so that
    request waited for it. At 1,000,000 invoices the reads' p99 were exactly such waits (a later list
    page 91 ms at p50 14 ms). Frozen, a full collection walks only what was made since: under a
    millisecond. Garbage of start-up is collected first, so none is kept for good. Returns the
    number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
