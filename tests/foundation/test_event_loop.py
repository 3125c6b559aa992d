"""No blocking work on the event loop: one slow database call must not freeze the worker.

FastAPI runs plain `def` endpoints and dependencies in a thread pool and `async def` ones on the
event loop itself. A database session is synchronous, so an `async def` that touches one blocks
every other request of the worker for as long as the database makes it wait (a SQLite lock: up to
the 30 s busy timeout).
"""

from __future__ import annotations

import inspect
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine, make_url
from starlette.routing import BaseRoute

from service.db import SessionDep, get_session
from tests.servers import serving

HOLD = 3.0  # seconds the lock is held
QUICK = 1.0  # what /healthz must answer within meanwhile


def _async_users_of_the_session(dependant: Dependant, path: str) -> Iterator[str]:
    """`async def` callables (endpoint or dependency) that take the session as a parameter."""
    takes_session = any(sub.call is get_session for sub in dependant.dependencies)
    if takes_session and dependant.call is not None and inspect.iscoroutinefunction(dependant.call):
        yield f"{path}: {dependant.call.__module__}.{dependant.call.__qualname__}"
    for sub in dependant.dependencies:
        yield from _async_users_of_the_session(sub, path)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as one entry each)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(included.routes)


def _offenders(app: FastAPI) -> list[str]:
    return sorted({
        found
        for route in _api_routes(app.routes)
        for found in _async_users_of_the_session(route.dependant, f"{sorted(route.methods)} {route.path}")
    })


def test_the_scan_sees_the_routes_of_included_routers(bare_app: FastAPI) -> None:
    paths = {route.path for route in _api_routes(bare_app.routes)}
    # (paths as their router declares them, without the prefix it was included under)
    assert {"/healthz", "/invoices", "/keys", "/ui/invoices/{invoice_id}/{action}"} <= paths


def test_no_async_endpoint_or_dependency_uses_the_database_session(bare_app: FastAPI) -> None:
    assert _offenders(bare_app) == [], "make these plain `def` (FastAPI runs them in its thread pool)"


def test_the_scan_finds_an_async_endpoint_that_uses_the_session(bare_app: FastAPI) -> None:
    @bare_app.get("/planted")
    async def planted(session: SessionDep) -> dict[str, str]:
        return {}

    assert _offenders(bare_app) == [f"['GET'] /planted: {__name__}.{planted.__qualname__}"]


# --- live: a real server, a real SQLite lock -------------------------------------------------------


@pytest.fixture
def sqlite_server(tmp_path: Path, engine: Engine, bare_app: FastAPI, make_key) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The app behind a real port (one worker, as `einvoice serve` runs it), on a SQLite file."""
    with serving(bare_app) as url:
        yield url, make_key("admin"), Path(make_url(str(engine.url)).database or "")


def _healthz_while_locked(base: str, admin: dict[str, str], db_file: Path, path: str,
                          writers: int = 1) -> tuple[float, int]:
    """Hold SQLite's write lock for HOLD seconds; meanwhile POST ``path`` ``writers`` times at once
    (each must wait for it) and time /healthz. The lock is released on time whatever /healthz does,
    so a blocked loop shows as a /healthz that answers only after the release. The status returned
    is the writes' when they all agree, else 0."""
    locker = sqlite3.connect(db_file, timeout=5, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # what a long write by another process looks like
    locked_at = time.perf_counter()
    outcome: dict[str, float] = {}
    statuses: list[int] = []

    def write() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            statuses.append(c.post(path, json={"role": "erp", "name": "waits"}, headers=admin).status_code)

    def healthz() -> None:
        started = time.perf_counter()
        with httpx.Client(base_url=base, timeout=60) as c:
            assert c.get("/healthz").status_code == 200
        outcome["took"] = time.perf_counter() - started

    pending = [threading.Thread(target=write) for _ in range(writers)]
    prober = threading.Thread(target=healthz)
    try:
        for writer in pending:
            writer.start()
        time.sleep(0.5)  # the writes are now waiting for the lock
        prober.start()
        time.sleep(max(0.0, HOLD - (time.perf_counter() - locked_at)))
    finally:
        locker.execute("ROLLBACK")
        locker.close()
        prober.join(timeout=60)
        for writer in pending:
            writer.join(timeout=60)
    agreed = statuses[0] if len(statuses) == writers and len(set(statuses)) == 1 else 0
    return outcome.get("took", float("inf")), agreed


@pytest.mark.on_backend("sqlite")  # the lock under test is SQLite's
def test_healthz_answers_while_a_request_waits_for_a_sqlite_lock(sqlite_server) -> None:
    base, admin, db_file = sqlite_server
    took, status = _healthz_while_locked(base, admin, db_file, "/v1/keys")
    assert status == 201  # the waiting write went through once the lock was released
    assert took < QUICK, f"/healthz took {took:.2f} s while another request waited for the database"


# more than the thread pool's 40 threads (anyio's default, which plain `def` routes share)
THREAD_POOL_AND_THEN_SOME = 45


@pytest.mark.on_backend("sqlite")  # the lock under test is SQLite's
def test_healthz_answers_while_every_thread_of_the_pool_waits_for_a_sqlite_lock(sqlite_server) -> None:
    """A liveness check must not queue behind the requests it is meant to tell apart from a hung
    process: /healthz runs on the event loop, not in the thread pool the waiting writes fill."""
    base, admin, db_file = sqlite_server
    took, status = _healthz_while_locked(base, admin, db_file, "/v1/keys", writers=THREAD_POOL_AND_THEN_SOME)
    assert status == 201  # every waiting write went through once the lock was released
    assert took < QUICK, f"/healthz took {took:.2f} s while the thread pool waited for the database"


@pytest.mark.on_backend("sqlite")  # the lock under test is SQLite's
def test_the_live_check_catches_an_async_endpoint_that_waits_for_the_lock(bare_app: FastAPI, sqlite_server) -> None:
    """The same measurement fails for an `async def` doing the same write: the check can fail."""
    from service.keys import create_key
    from service.models.keys import Role

    @bare_app.post("/planted-async-write", status_code=201)
    async def planted(session: SessionDep) -> dict[str, str]:
        create_key(session, role=Role.erp, supplier_id=None, name="waits")
        session.flush()  # the INSERT: waits for the lock on the event loop
        return {}

    base, admin, db_file = sqlite_server
    took, status = _healthz_while_locked(base, admin, db_file, "/planted-async-write")
    assert status == 201
    assert took > HOLD - 1.0, f"/healthz answered in {took:.2f} s: the blocked loop was not observed"
