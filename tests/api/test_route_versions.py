"""The included routers' route versions are counted once per assembled app, not per request
(service/api/route_versions.py), a router changed afterwards is still seen by FastAPI, and one app's
freeze or thaw leaves another app's frozen."""

from __future__ import annotations

import uuid

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service.api import route_versions


@pytest.fixture
def version_counts(monkeypatch):
    calls = []
    original = APIRouter._get_routes_version

    def counting(self, seen=None):
        calls.append(self)
        return original(self, seen)

    monkeypatch.setattr(APIRouter, "_get_routes_version", counting)
    return calls


def test_a_request_counts_no_route_versions(bare_client, version_counts):
    # an unknown invoice without a key: the /v1 router, then the invoices router, are matched twice
    answer = bare_client.get(f"/v1/invoices/{uuid.uuid4()}")
    assert answer.status_code == 401
    assert version_counts == []


def test_a_route_added_after_freezing_is_served():
    parent, child = APIRouter(prefix="/p"), APIRouter(prefix="/c")

    @child.get("/one")
    async def one() -> dict[str, int]:
        return {"n": 1}

    parent.include_router(child)
    app = FastAPI()
    app.include_router(parent)
    assert route_versions.freeze(app.router) == 2
    try:
        with TestClient(app) as client:
            assert client.get("/p/c/one").json() == {"n": 1}
            assert client.get("/p/c/two").status_code == 404

            @child.get("/two")  # the child's change thaws every frozen count, its parent's too
            async def two() -> dict[str, int]:
                return {"n": 2}

            assert client.get("/p/c/two").json() == {"n": 2}
    finally:
        route_versions.thaw(app.router)


def _app_with(*routers: APIRouter) -> FastAPI:
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    return app


def _counting_router(prefix: str) -> APIRouter:
    router = APIRouter(prefix=prefix)

    @router.get("/n")
    async def n() -> dict[str, str]:
        return {"at": prefix}

    return router


def test_each_app_has_its_own_freeze(version_counts):
    shared, own_a, own_b = _counting_router("/shared"), _counting_router("/a"), _counting_router("/b")
    app_a, app_b = _app_with(own_a, shared), _app_with(own_b, shared)
    assert route_versions.freeze(app_a.router) == 2
    assert route_versions.freeze(app_b.router) == 2  # does not thaw app a's own router
    try:
        with TestClient(app_a) as client_a, TestClient(app_b) as client_b:

            @own_b.get("/later")  # changes app b only
            async def later() -> dict[str, str]:
                return {"at": "later"}

            assert client_b.get("/b/later").json() == {"at": "later"}
            version_counts.clear()
            assert client_a.get("/a/n").json() == {"at": "/a"}
            assert client_a.get("/shared/n").json() == {"at": "/shared"}
            assert version_counts == []  # app a still frozen

            route_versions.thaw(app_b.router)
            assert client_a.get("/a/n").json() == {"at": "/a"}
            assert version_counts == []

            @shared.get("/later")  # both apps see a change of the router they share
            async def shared_later() -> dict[str, str]:
                return {"at": "shared later"}

            assert client_a.get("/shared/later").json() == client_b.get("/shared/later").json() == {
                "at": "shared later"}
    finally:
        route_versions.thaw(app_a.router)
        route_versions.thaw(app_b.router)


@pytest.fixture
def tried_routes(monkeypatch):
    """The FastAPI routes whose pattern a request was tried against."""
    tried: list[APIRoute] = []
    original = APIRoute.matches

    def recording(self, scope):
        tried.append(self)
        return original(self, scope)

    monkeypatch.setattr(APIRoute, "matches", recording)
    return tried


def test_a_path_under_no_routers_beginning_tries_none_of_its_routes(bare_client, tried_routes):
    answer = bare_client.get("/nowhere")
    assert answer.status_code == 404
    assert tried_routes and not [r.path for r in tried_routes if r.path.startswith(("/v1", "/ui"))]
    tried_routes.clear()
    assert bare_client.get("/v1/nowhere").status_code == 404
    assert not [r.path for r in tried_routes if r.path.startswith(("/v1/invoices", "/v1/suppliers", "/ui"))]


PATHS = ("/nowhere", "/v1/nowhere", "/v1", "/v1/", "/v1/suppliers/", "/v1/suppliers", "/healthz", "/healthz/",
         "/ui", "/ui/nowhere", "/docs", "/", "/v1/invoices/not-a-uuid", f"/v1/invoices/{uuid.uuid4()}")


def _answers(client: TestClient) -> list[tuple[str, int, dict[str, str], bytes]]:
    answers = []
    for method in ("GET", "DELETE"):
        for path in PATHS:
            r = client.request(method, path, follow_redirects=False)
            headers = {k: v for k, v in r.headers.items() if k not in ("x-request-id", "date", "set-cookie")}
            answers.append((f"{method} {path}", r.status_code, headers, r.content))
    return answers


def test_skipping_changes_no_answer(bare_app):
    with TestClient(bare_app) as client:
        skipping = _answers(client)
        route_versions.thaw(bare_app.router)
        try:
            assert _answers(client) == skipping
        finally:
            route_versions.freeze(bare_app.router)
    assert {status for _, status, _, _ in skipping} >= {200, 307, 401, 404, 405}


def test_routers_under_a_path_parameter_or_with_a_mount_are_matched_as_before():
    by_org, mounted = APIRouter(prefix="/org"), APIRouter(prefix="/files")

    @by_org.get("/one")
    async def one(org: str) -> dict[str, str]:
        return {"org": org}

    mounted.mount("/static", FastAPI())
    app = FastAPI()
    app.include_router(by_org, prefix="/{org}")
    app.include_router(mounted)
    route_versions.freeze(app.router)
    try:
        assert "matches" in vars(by_org) and "matches" not in vars(mounted)
        with TestClient(app) as client:
            assert client.get("/acme/org/one").json() == {"org": "acme"}
            assert client.get("/acme/org/two").status_code == 404
    finally:
        route_versions.thaw(app.router)
