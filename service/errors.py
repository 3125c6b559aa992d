"""Service errors rendered as RFC 9457 problem details (``application/problem+json``).

Each error class has a stable ``type`` slug (``/problems/<slug>``), an HTTP status and a title.
Domain modules subclass ``ServiceError`` next to the code that raises it; routes list the classes
they can raise in ``responses=problem_responses(...)`` so the OpenAPI document describes them.

Pure: no web framework here (import-linter keeps it so). Turning an error into an HTTP response is
``service.api.problems``'s job; a CLI turns the same errors into one line.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details; extension members are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI reference identifying the problem type.")
    title: str = Field(description="Short, human-readable summary of the problem type.")
    status: int = Field(description="HTTP status code.")
    detail: str | None = Field(None, description="Explanation specific to this occurrence.")
    instance: str | None = Field(None, description="URI reference of this occurrence.")


class ServiceError(Exception):
    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    @classmethod
    def type_uri(cls) -> str:
        return f"/problems/{cls.slug}"

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class Unauthorized(ServiceError):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="einvoice"'})
        super().__init__(detail, **kw)


class Forbidden(ServiceError):
    status, slug, title = 403, "forbidden", "Not allowed for this role"


class NotFound(ServiceError):
    status, slug, title = 404, "not-found", "Resource not found"


class InvoiceNotFound(NotFound):
    slug, title = "invoice-not-found", "Invoice not found"


class Conflict(ServiceError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class IllegalTransition(Conflict):
    slug, title = "illegal-transition", "Status transition not allowed"


class PayloadTooLarge(ServiceError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(ServiceError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class BadRequest(ServiceError):
    status, slug, title = 400, "bad-request", "Bad request"


class InvalidCursor(BadRequest):
    slug, title = "invalid-cursor", "The cursor is not valid"


class InvalidInput(ServiceError):
    """422 listing every field error: ``errors=[{"loc": [...], "msg": ..., "type": ...}]``."""

    status, slug, title = 422, "invalid-input", "The request has invalid fields"


class NotReady(ServiceError):
    status, slug, title = 503, "not-ready", "Service not ready"


def problem_responses(*errors: type[ServiceError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the given error classes (grouped by status)."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        entry = out.setdefault(
            err.status,
            {
                "description": err.title,
                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            },
        )
        if err.title not in entry["description"]:
            entry["description"] += f"; {err.title}"
    return out
