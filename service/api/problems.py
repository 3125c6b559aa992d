"""The HTTP side of the service's errors: RFC 9457 problem responses and the app's exception handlers.

The errors themselves (``service.errors``) know nothing of FastAPI; each carries its problem type,
title and status, and this module renders it. Framework errors (unknown route, wrong method, invalid
request fields) get problem types of their own, so a client sees one format for every error.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import PROBLEM_MEDIA_TYPE, InvalidInput, ServiceError


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


_STATUS_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Missing or invalid API key"),
    403: ("forbidden", "Not allowed for this role"),
    404: ("not-found", "Resource not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict with the current state"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return problem_response(exc.status, exc.to_problem(request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        err = InvalidInput(f"{len(errors)} invalid field(s)", errors=errors)
        return problem_response(422, err.to_problem(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title = _STATUS_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
        body = {"type": f"/problems/{slug}", "title": title, "status": exc.status_code,
                "instance": request.url.path}
        if exc.detail and exc.detail != title:
            body["detail"] = str(exc.detail)
        return problem_response(exc.status_code, body, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        logging.getLogger("einvoice").exception("unhandled error on %s", request.url.path)
        body = {"type": "/problems/internal-error", "title": "Internal error", "status": 500,
                "instance": request.url.path,
                "request_id": getattr(request.state, "request_id", None)}
        return problem_response(500, body)


def document_validation_problems(schema: dict[str, Any]) -> None:
    """Describe request-validation failures as they are answered: 422 problem details.

    FastAPI documents them as ``application/json`` ``HTTPValidationError``; the handler here
    answers ``application/problem+json`` with ``errors`` (a client checking answers against the
    document, such as Schemathesis, found every 422 undocumented)."""
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            response = operation.get("responses", {}).get("422") if isinstance(operation, dict) else None
            content = response.get("content", {}) if response else {}
            plain = content.get("application/json", {}).get("schema", {})
            if plain.get("$ref", "").endswith("/HTTPValidationError"):
                del content["application/json"]
                content.setdefault(PROBLEM_MEDIA_TYPE, problem)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
