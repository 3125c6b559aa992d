"""Per-key rate limit: 429 with Retry-After above the limit, counted in the database so that every
server process (here: two apps, each with its own connection pool) shares one count."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from service.db import make_engine
from service.main import create_app
from service.ratelimit import count_request


def _app(settings, db_url, limit):
    engine = make_engine(db_url)
    return create_app(settings.model_copy(update={"rate_limit_per_minute": limit}), engine=engine), engine


def test_over_the_limit_is_429_with_retry_after(settings, db_url, engine, make_key):
    app, own = _app(settings, db_url, 5)
    key, other = make_key("erp"), make_key("erp")
    with TestClient(app) as c:
        assert [c.get("/v1/events", headers=key).status_code for _ in range(5)] == [200] * 5
        r = c.get("/v1/events", headers=key)
        assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "/problems/rate-limited" and r.json()["limit"] == 5
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert c.get("/v1/events", headers=other).status_code == 200  # per key
        assert c.get("/healthz").status_code == 200  # no key, no limit
    own.dispose()


def test_parallel_requests_on_two_processes_share_one_count(settings, db_url, make_key):
    (one, e1), (two, e2) = _app(settings, db_url, 10), _app(settings, db_url, 10)
    key = make_key("erp")
    start = threading.Barrier(24)
    with TestClient(one) as c1, TestClient(two) as c2:
        def call(i: int) -> int:
            start.wait()
            return (c1 if i % 2 else c2).get("/v1/events?limit=1", headers=key).status_code

        with ThreadPoolExecutor(24) as pool:
            codes = list(pool.map(call, range(24)))
    assert sorted(codes) == [200] * 10 + [429] * 14, codes
    e1.dispose()
    e2.dispose()


def test_the_count_starts_again_in_a_new_window(engine):
    import uuid

    key = uuid.uuid4()
    assert count_request(engine, key, window_seconds=60, now=1_000_020.0) == (1, 1_000_080)
    assert count_request(engine, key, window_seconds=60, now=1_000_079.9)[0] == 2
    assert count_request(engine, key, window_seconds=60, now=1_000_080.0) == (1, 1_000_140)


@pytest.mark.parametrize("limit", [0])
def test_no_limit_by_default(client, make_key, limit):
    key = make_key("erp")
    assert all(client.get("/v1/events?limit=1", headers=key).status_code == 200 for _ in range(20))


def test_the_count_is_one_statement_compiled_once_per_process(engine):
    """The upsert runs for every request of every key while a limit is set: a compiled-cache hit
    after its first use (the dialects' on_conflict_do_update has no cache key: compiled every time)."""
    from sqlalchemy import event
    from sqlalchemy.engine.interfaces import CacheStats

    import uuid

    key = uuid.uuid4()
    count_request(engine, key, window_seconds=60, now=2_000_000.0)
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if context is not None and context.compiled is not None:
            seen.append(context.cache_hit)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert count_request(engine, key, window_seconds=60, now=2_000_001.0) == (2, 2_000_040)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert seen == [CacheStats.CACHE_HIT], seen
