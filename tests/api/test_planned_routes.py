"""POST /v1/invoices and GET /v1/invoices/{id} call their dependencies from a plan
(service/api/planned.py): the same answers as FastAPI's own solver, without it."""

from __future__ import annotations

import uuid

import fastapi.routing
import pytest
from fastapi import Depends, Request
from fastapi.dependencies.utils import get_dependant
from starlette.responses import Response

from service.api.planned import plan_handler, planned
from service.db import get_session
from tests.conftest import MIRROR

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()
XML = {"Content-Type": "application/xml"}


def _unused() -> None:  # an override that changes nothing but makes every route use FastAPI's solver
    return None


@pytest.fixture
def solver_calls(monkeypatch):
    calls = []
    original = fastapi.routing.solve_dependencies

    async def counting(*args, **kwargs):
        calls.append(kwargs["dependant"].call.__name__)
        return await original(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return calls


def _answer(response) -> tuple[int, object]:
    is_json = response.headers.get("content-type", "").endswith("json")
    return response.status_code, response.json() if is_json and response.content else response.content


def test_intake_and_read_do_not_run_fastapis_solver(client, make_key, solver_calls):
    gateway = make_key("gateway")
    created = client.post("/v1/invoices", content=BASE, headers={**gateway, **XML})
    assert created.status_code == 201, created.text
    read = client.get(f"/v1/invoices/{created.json()['id']}", headers=gateway)
    assert read.status_code == 200 and read.json()["id"] == created.json()["id"]
    assert read.headers["etag"] == created.headers["etag"]
    assert solver_calls == []
    client.get("/v1/invoices", headers=gateway)  # not planned: FastAPI's solver as before
    assert solver_calls == ["list_invoices"]


def test_every_refusal_is_answered_as_fastapis_solver_answers_it(app, client, make_key):
    gateway, erp = make_key("gateway"), make_key("erp")
    stored = client.post("/v1/invoices", content=BASE, headers={**gateway, **XML}).json()["id"]
    requests = [
        ("POST", "/v1/invoices", {}, BASE),  # no key
        ("POST", "/v1/invoices", {"Authorization": "Bearer ei_unknown"}, BASE),
        ("POST", "/v1/invoices", {"Authorization": "Basic abc"}, BASE),
        ("POST", "/v1/invoices", {**erp, **XML}, BASE),  # a role that may not submit
        ("POST", "/v1/invoices", {**gateway, "Content-Type": "text/plain"}, BASE),
        ("POST", "/v1/invoices", {**gateway, **XML}, b"  "),  # empty
        ("POST", "/v1/invoices?note=a%00b", {**gateway, **XML}, BASE),  # NUL in the query
        ("POST", "/v1/invoices", {**gateway, **XML}, BASE),  # the same bytes again: 200
        ("GET", f"/v1/invoices/{stored}", {}, None),
        ("GET", "/v1/invoices/not-a-uuid", {}, None),  # 401 before the path's 422
        ("GET", "/v1/invoices/not-a-uuid", gateway, None),
        ("GET", f"/v1/invoices/{uuid.uuid4()}", gateway, None),
        ("GET", f"/v1/invoices/{stored}", erp, None),
        ("GET", f"/v1/invoices/{stored}", {**gateway, "If-None-Match": "*"}, None),
        ("GET", f"/v1/invoices/{stored.upper()}", gateway, None),  # canonical, read directly
        ("GET", f"/v1/invoices/{stored.replace('-', '')}", gateway, None),  # other forms: pydantic
        ("GET", f"/v1/invoices/{stored[:8]}-{stored[9:]}", gateway, None),
        ("GET", f"/v1/invoices/urn:uuid:{stored}", gateway, None),
    ]

    def answers() -> list[tuple[int, object]]:
        return [_answer(client.request(method, url, headers=headers, content=body))
                for method, url, headers, body in requests]

    planned_answers = answers()
    app.dependency_overrides[_unused] = _unused
    try:
        solver_answers = answers()
    finally:
        app.dependency_overrides.clear()
    assert [status for status, _ in planned_answers][:14] == [401, 401, 401, 403, 415, 400, 422, 200,
                                                               401, 401, 422, 404, 200, 304]
    assert planned_answers[14][0] == 200
    assert planned_answers == solver_answers


def test_a_canonical_uuid_in_the_path_is_read_without_fastapis_validation(client, make_key, monkeypatch):
    import service.api.planned

    gateway = make_key("gateway")
    stored = client.post("/v1/invoices", content=BASE, headers={**gateway, **XML}).json()["id"]
    validated = []
    real = service.api.planned.request_params_to_args
    monkeypatch.setattr(service.api.planned, "request_params_to_args",
                        lambda *args: validated.append(args) or real(*args))
    assert client.get(f"/v1/invoices/{stored}", headers=gateway).json()["id"] == stored
    assert validated == []
    assert client.get(f"/v1/invoices/{stored.replace('-', '')}", headers=gateway).json()["id"] == stored
    assert len(validated) == 1


def test_only_plain_async_trees_of_marked_endpoints_are_planned():
    async def generic(request: Request) -> Response:
        return Response()

    async def plain(request: Request) -> str:
        return "x"

    @planned
    async def marked(request: Request, value: str = Depends(plain)) -> Response:
        return Response(value)

    @planned
    async def with_session(request: Request, session=Depends(get_session)) -> Response:
        return Response()

    async def unmarked(request: Request, value: str = Depends(plain)) -> Response:
        return Response(value)

    @planned
    async def with_query(request: Request, q: str = "") -> Response:
        return Response(q)

    assert plan_handler(get_dependant(path="/x", call=marked), generic) is not None
    assert plan_handler(get_dependant(path="/x", call=with_session), generic) is None  # yield
    assert plan_handler(get_dependant(path="/x", call=unmarked), generic) is None
    assert plan_handler(get_dependant(path="/x", call=with_query), generic) is None
