"""The included routers' route versions are counted once per assembled app, not per request
(service/api/route_versions.py), and a router changed afterwards is still seen by FastAPI."""

from __future__ import annotations

import uuid

import pytest
from fastapi import APIRouter, FastAPI
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
        route_versions.thaw()
