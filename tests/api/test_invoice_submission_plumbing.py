"""POST /v1/invoices per-request plumbing: one trip through the thread pool with a recently seen key,
and such a key confirmed in the request's own transaction (a key revoked by another process is
refused at once, nothing stored)."""

from __future__ import annotations

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from service.api import offload
from service.keys import revoke_key
from service.main import create_app
from service.models.invoices import Invoice
from tests.api.test_invoices import BASE, XML, with_number
from tests.servers import serving


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The names of the callables sent to a worker thread: through anyio's pool, which FastAPI and
    Starlette use for plain `def` endpoints and dependencies, or ``offload.in_thread`` (hot routes)."""
    seen: list[str] = []
    real, real_offload = anyio.to_thread.run_sync, offload.in_thread

    async def counting(func, *args, **kwargs):
        seen.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kwargs)

    async def counting_offload(func, *args):
        seen.append(getattr(func, "__qualname__", repr(func)))
        return await real_offload(func, *args)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    monkeypatch.setattr(offload, "in_thread", counting_offload)
    return seen


def _stored(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Invoice)).one()


def test_a_submission_with_a_recently_seen_key_takes_one_trip_through_the_thread_pool(client, make_key, trips):
    gateway = {**make_key("gateway"), **XML}
    first = client.post("/v1/invoices", content=with_number(BASE, "HOP-1"), headers=gateway)
    assert first.status_code == 201, first.text
    assert len(trips) == 2, trips  # the key's look-up, then the work
    trips.clear()
    second = client.post("/v1/invoices", content=with_number(BASE, "HOP-2"), headers=gateway)
    assert second.status_code == 201, second.text
    assert len(trips) == 1, trips


def test_an_unknown_key_is_refused_before_the_body_is_read(client, trips):
    r = client.post("/v1/invoices", content=BASE, headers={**XML, "Authorization": "Bearer ei_abcdef012345_nope"})
    assert r.status_code == 401
    assert len(trips) == 1  # the look-up only: no work was done


def test_a_revoked_key_is_refused_at_once_by_a_process_that_saw_it_lately(settings, engine, validation, make_key):
    """Two apps on one database stand for two worker processes, each with its own key cache."""
    gateway = {**make_key("gateway", name="revoked-later"), **XML}
    admin = make_key("admin")
    one = create_app(settings, engine=engine, validation=validation)
    other = create_app(settings, engine=engine, validation=validation)
    with (serving(one) as url_one, serving(other) as url_other,
          httpx.Client(base_url=url_one, timeout=60) as c1, httpx.Client(base_url=url_other, timeout=60) as c2):
        assert c2.post("/v1/invoices", content=with_number(BASE, "REV-1"), headers=gateway).status_code == 201
        assert c2.post("/v1/invoices", content=with_number(BASE, "REV-2"), headers=gateway).status_code == 201
        key_id = next(k["id"] for k in c1.get("/v1/keys", headers=admin).json()["data"]
                      if k["name"] == "revoked-later")
        assert c1.delete(f"/v1/keys/{key_id}", headers=admin).status_code == 200
        before = _stored(engine)
        refused = c2.post("/v1/invoices", content=with_number(BASE, "REV-3"), headers=gateway)
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        # a document the service would refuse for itself still answers 401 to a revoked key
        hostile = c2.post("/v1/invoices", content=b"<!DOCTYPE x><x/>", headers=gateway)
        assert hostile.status_code == 401, hostile.text
        assert _stored(engine) == before


def test_a_revoked_key_is_refused_by_the_process_that_revoked_it(client, engine, make_key):
    gateway = {**make_key("gateway", name="revoked-here"), **XML}
    assert client.post("/v1/invoices", content=with_number(BASE, "REV-4"), headers=gateway).status_code == 201
    with Session(engine) as s:  # the command line's way: `einvoice keys revoke`
        prefix = gateway["Authorization"].split("_")[1]
        revoke_key(s, prefix)
        s.commit()
    before = _stored(engine)
    assert client.post("/v1/invoices", content=with_number(BASE, "REV-5"), headers=gateway).status_code == 401
    assert _stored(engine) == before


def test_reading_an_invoice_with_a_recently_seen_key_takes_one_trip(client, make_key, trips):
    gateway = {**make_key("gateway"), **XML}
    created = client.post("/v1/invoices", content=with_number(BASE, "HOP-GET"), headers=gateway)
    assert created.status_code == 201, created.text
    trips.clear()
    read = client.get(f"/v1/invoices/{created.json()['id']}", headers=gateway)
    assert read.status_code == 200 and read.json()["invoice_number"] == "HOP-GET"
    assert len(trips) == 1, trips
    etag = read.headers["ETag"]
    assert client.get(f"/v1/invoices/{created.json()['id']}", headers={**gateway, "If-None-Match": etag}).status_code == 304


def test_a_revoked_key_reads_nothing_from_a_process_that_saw_it_lately(client, engine, make_key):
    gateway = {**make_key("gateway", name="revoked-reader"), **XML}
    created = client.post("/v1/invoices", content=with_number(BASE, "REV-GET"), headers=gateway)
    assert client.get(f"/v1/invoices/{created.json()['id']}", headers=gateway).status_code == 200
    with Session(engine) as s:
        revoke_key(s, gateway["Authorization"].split("_")[1])
        s.commit()
    refused = client.get(f"/v1/invoices/{created.json()['id']}", headers=gateway)
    assert refused.status_code == 401, refused.text
    assert "REV-GET" not in refused.text
