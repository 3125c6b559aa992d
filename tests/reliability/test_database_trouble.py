"""The database away for a while: 503 problems with Retry-After, and the service recovers by
itself when it is back (a real TCP proxy in front of PostgreSQL, cut and restored). Serialisation
failures and deadlocks (real PostgreSQL errors, SQLSTATE 40001 / 40P01) are retried inside the
service: the client gets its answer, never a 5xx, and nothing is stored twice."""

from __future__ import annotations

import importlib
import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from tests.reliability.tcp_proxy import TcpProxy
from tests.security.documents import BASE, numbered

from service import db
from service.config import Settings
from service.db import make_engine, normalise_url
from service.keys import create_key
from service.main import create_app
from service.models.invoices import AuditEvent, Invoice
from service.models.keys import Role
from service.resilience import ATTEMPTS

RECEIVE = importlib.import_module("service.intake.receive")  # the module (the package exports the function)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]


@pytest.fixture
def direct(_databases):
    from tests.conftest import _empty_all_tables

    eng = make_engine(_databases["postgresql"])
    yield eng
    _empty_all_tables(eng)
    eng.dispose()


@pytest.fixture
def proxy(_databases):
    url = make_url(normalise_url(_databases["postgresql"]))
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.cut()


@pytest.fixture
def client(_databases, proxy, validation, tmp_path):
    """The app on PostgreSQL through the proxy."""
    url = make_url(normalise_url(_databases["postgresql"])).set(host="127.0.0.1", port=proxy.port)
    engine = make_engine(url.render_as_string(hide_password=False))
    settings = Settings(database_url=url.render_as_string(hide_password=False), environment="test",
                        artifacts_dir=tmp_path / "none", validation_cache_dir=tmp_path / "cache",
                        webhook_dispatcher_in_serve=False)
    with TestClient(create_app(settings, engine=engine, validation=validation)) as c:
        yield c
    engine.dispose()


def key(engine, role: str = "gateway") -> dict[str, str]:
    with Session(engine) as s:
        _, clear = create_key(s, role=Role(role), name="trouble test")
        s.commit()
    return {"Authorization": f"Bearer {clear}"}


def test_database_away_is_a_503_with_retry_after_and_recovers_without_restart(client, proxy, direct):
    headers = key(direct)
    assert client.get("/v1/invoices", headers=headers).status_code == 200

    proxy.cut()
    for path in ("/v1/invoices", "/v1/events"):
        r = client.get(path, headers=headers)
        assert r.status_code == 503, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "/problems/database-unavailable"
        assert int(r.headers["retry-after"]) > 0
    r = client.post("/v1/invoices", content=numbered(BASE, "AWAY-1"),
                    headers={**headers, "Content-Type": "application/xml"})
    assert r.status_code == 503 and r.headers["retry-after"]
    assert client.get("/healthz").status_code == 200  # the process is fine; only the database is away
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "database unreachable" in ready.text

    proxy.start()
    assert client.get("/v1/invoices", headers=headers).status_code == 200
    assert client.get("/readyz").status_code == 200
    r = client.post("/v1/invoices", content=numbered(BASE, "AWAY-1"),
                    headers={**headers, "Content-Type": "application/xml"})
    assert r.status_code == 201, r.text
    with Session(direct) as s:
        assert len(s.exec(select(Invoice)).all()) == 1



def test_connections_idle_through_an_outage_are_checked_and_replaced_before_use(client, proxy, direct, monkeypatch):
    headers = key(direct)
    assert client.get("/v1/invoices", headers=headers).status_code == 200
    proxy.cut()  # the database goes away and comes back while no request runs
    proxy.start()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # the pooled connection lay idle long enough
    assert client.get("/v1/invoices", headers=headers).status_code == 200
    r = client.post("/v1/invoices", content=numbered(BASE, "IDLE-1"),
                    headers={**headers, "Content-Type": "application/xml"})
    assert r.status_code == 201, r.text


def test_a_connection_lost_moments_after_its_use_costs_one_503_then_the_pool_is_fresh(client, proxy, direct,
                                                                                      monkeypatch):
    """A connection used less than PING_AFTER_IDLE_SECONDS ago is not checked (a round trip per
    request saved): when it died in that second, its request is answered as the database being away
    and every pooled connection is dropped, so the next request works."""
    headers = key(direct)
    assert client.get("/v1/invoices", headers=headers).status_code == 200
    proxy.cut()
    proxy.start()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    r = client.get("/v1/invoices", headers=headers)
    assert r.status_code == 503 and int(r.headers["retry-after"]) > 0, r.text
    assert client.get("/v1/invoices", headers=headers).status_code == 200
    assert client.get("/readyz").status_code == 200

def raising(sqlstate: str, times: int):
    """A stand-in for the decision step that makes PostgreSQL itself abort the transaction with
    ``sqlstate`` the first ``times`` calls (as a real conflict would, mid-transaction), then decides."""
    real = RECEIVE.decide_invoice
    calls = {"n": 0}

    def decide(session, invoice, model, facts=None, **stored_as):
        calls["n"] += 1
        if calls["n"] <= times:
            session.execute(text(
                f"DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '{sqlstate}', MESSAGE = 'conflict (test)'; END $$"))
        return real(session, invoice, model, facts, **stored_as)

    return decide, calls


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_serialisation_failures_and_deadlocks_are_retried_inside(client, direct, monkeypatch, sqlstate):
    decide, calls = raising(sqlstate, times=2)
    monkeypatch.setattr(RECEIVE, "decide_invoice", decide)
    headers = {**key(direct), "Content-Type": "application/xml"}
    r = client.post("/v1/invoices", content=numbered(BASE, f"RETRY-{sqlstate}"), headers=headers)
    assert r.status_code == 201, r.text
    assert calls["n"] == 3  # two aborted attempts, then the one that committed
    with Session(direct) as s:
        (invoice,) = s.exec(select(Invoice)).all()
        received = s.exec(select(AuditEvent).where(AuditEvent.invoice_id == invoice.id)).all()
        assert [e.to_status for e in received].count("received") == 1  # nothing of the aborted attempts


def test_a_conflict_that_never_clears_is_a_503_not_a_500(client, direct, monkeypatch):
    decide, calls = raising("40001", times=100)
    monkeypatch.setattr(RECEIVE, "decide_invoice", decide)
    headers = {**key(direct), "Content-Type": "application/xml"}
    r = client.post("/v1/invoices", content=numbered(BASE, "RETRY-FOREVER"), headers=headers)
    assert r.status_code == 503 and r.json()["type"] == "/problems/database-unavailable"
    assert r.headers["retry-after"]
    assert calls["n"] == ATTEMPTS
    with Session(direct) as s:
        assert s.exec(select(Invoice)).all() == []
