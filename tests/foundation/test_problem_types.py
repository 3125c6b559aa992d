"""Errors are domain objects with one problem type per concept; the HTTP rendering is separate.

Other systems key on the problem ``type`` URIs and statuses, so the shared ones are pinned here, and
no two error classes may share a type (a client could not tell the concepts apart).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

import pytest

import service.cli  # the command line's errors too
import service.main  # noqa: F401 - every router: every module that defines errors is loaded
from service import errors
from service.errors import ServiceError


def _all_errors(cls: type[ServiceError] = ServiceError) -> Iterator[type[ServiceError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_errors(sub)


def test_each_error_class_is_its_own_problem_type() -> None:
    by_type: dict[str, list[str]] = defaultdict(list)
    for cls in set(_all_errors()):
        by_type[cls.type_uri()].append(f"{cls.__module__}.{cls.__qualname__}")
    shared = {uri: sorted(names) for uri, names in by_type.items() if len(names) > 1}
    assert shared == {}, "give each error class its own slug (one problem type per concept)"
    assert len(by_type) > 30  # the walk saw the errors of every area


def test_problem_types_are_well_formed() -> None:
    for cls in _all_errors():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cls.slug), cls
        assert 400 <= cls.status <= 599 and cls.title, cls


@pytest.mark.parametrize(("cls", "uri", "status"), [
    (errors.Unauthorized, "/problems/unauthorized", 401),
    (errors.Forbidden, "/problems/forbidden", 403),
    (errors.NotFound, "/problems/not-found", 404),
    (errors.InvoiceNotFound, "/problems/invoice-not-found", 404),
    (errors.Conflict, "/problems/conflict", 409),
    (errors.IllegalTransition, "/problems/illegal-transition", 409),
    (errors.PayloadTooLarge, "/problems/payload-too-large", 413),
    (errors.UnsupportedMediaType, "/problems/unsupported-media-type", 415),
    (errors.BadRequest, "/problems/bad-request", 400),
    (errors.InvalidCursor, "/problems/invalid-cursor", 400),
    (errors.InvalidInput, "/problems/invalid-input", 422),
    (errors.NotReady, "/problems/not-ready", 503),
])
def test_the_shared_problem_types_keep_their_uri_and_status(cls: type[ServiceError], uri: str, status: int) -> None:
    problem = cls("detail").to_problem("/v1/x")
    assert (problem["type"], problem["status"], cls.status) == (uri, status, status)
    assert problem["detail"] == "detail" and problem["instance"] == "/v1/x"


def test_an_error_renders_as_problem_json_over_http(bare_client) -> None:
    r = bare_client.get("/v1/invoices/00000000-0000-0000-0000-000000000000")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/unauthorized"
    missing = bare_client.get("/no/such/route")
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
