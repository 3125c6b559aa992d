"""GET /v1/events: the change feed, in commit order, exactly once for a poller that keeps its cursor."""

from __future__ import annotations

import os
import random
import threading
import time

import pytest
from sqlmodel import Session, select

from service.db import make_engine, unit_of_work
from service.lifecycle import transition
from service.models.invoices import AuditEvent, Invoice
from tests.erp.helpers import S, committed_invoice, new_invoice
import itertools


def poll_all(client, headers, after=None, limit=100):
    """Drain the feed from ``after``; returns (events, cursor)."""
    events = []
    while True:
        params = {"limit": limit} | ({"after": after} if after is not None else {})
        r = client.get("/v1/events", params=params, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        events += page["data"]
        assert page["next_cursor"] is not None
        if page["next_cursor"] == after or not page["data"]:
            return events, page["next_cursor"]
        after = page["next_cursor"]


class TestEventsList:
    def test_events_have_the_contract_shape_in_order(self, bare_client, engine, make_key):
        inv = committed_invoice(engine)
        r = bare_client.get("/v1/events", headers=make_key("erp"))
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"data", "next_cursor"}
        assert [(e["from"], e["to"]) for e in body["data"]] == [("received", "needs_review"),
                                                                ("needs_review", "approved")]
        first = body["data"][0]
        assert {"invoice_id", "from", "to", "reason_codes", "actor", "at"} <= set(first)
        assert first["invoice_id"] == str(inv)
        assert first["reason_codes"] == ["PO_NOT_FOUND"]
        assert first["actor"] == "system"
        assert first["at"].endswith("Z") or first["at"].endswith("+00:00")
        assert body["next_cursor"] == body["data"][-1]["cursor"]
        assert r.headers["cache-control"] == "no-store"

    def test_cursor_continues_without_repeats_and_stays_when_nothing_is_new(self, bare_client, engine, make_key):
        key = make_key("erp")
        for _ in range(3):
            committed_invoice(engine)
        r = bare_client.get("/v1/events", params={"limit": 4}, headers=key).json()
        assert len(r["data"]) == 4
        rest = bare_client.get("/v1/events", params={"after": r["next_cursor"]}, headers=key).json()
        assert len(rest["data"]) == 2
        ids = [e["event_id"] for e in r["data"] + rest["data"]]
        assert len(set(ids)) == 6
        empty = bare_client.get("/v1/events", params={"after": rest["next_cursor"]}, headers=key).json()
        assert empty == {"data": [], "next_cursor": rest["next_cursor"]}
        # a new transition appears after the stored cursor
        committed_invoice(engine, path=(S.needs_review,))
        new = bare_client.get("/v1/events", params={"after": rest["next_cursor"]}, headers=key).json()
        assert [e["to"] for e in new["data"]] == ["needs_review"]

    def test_every_audit_event_is_in_the_feed(self, bare_client, engine, session, make_key):
        for _ in range(4):
            committed_invoice(engine)
        events, _ = poll_all(bare_client, make_key("reviewer"), limit=3)
        audit_ids = {str(e.id) for e in session.exec(select(AuditEvent))}
        assert {e["event_id"] for e in events} == audit_ids

    @pytest.mark.parametrize("cursor", ["abc", "-1", "1e3", "9" * 30])
    def test_a_foreign_cursor_is_400(self, bare_client, make_key, cursor):
        r = bare_client.get("/v1/events", params={"after": cursor}, headers=make_key("erp"))
        assert r.status_code == 400 and r.json()["type"] == "/problems/invalid-cursor"
        assert r.headers["content-type"].startswith("application/problem+json")

    def test_a_cursor_ahead_of_the_feed_is_400_not_silence(self, bare_client, engine, make_key):
        key = make_key("erp")
        committed_invoice(engine)
        head = bare_client.get("/v1/events", headers=key).json()["next_cursor"]
        assert bare_client.get("/v1/events", params={"after": head}, headers=key).status_code == 200
        r = bare_client.get("/v1/events", params={"after": str(int(head) + 1)}, headers=key)
        assert r.status_code == 400 and "ahead" in r.json()["detail"]

    def test_limit_out_of_range_is_422(self, bare_client, make_key):
        assert bare_client.get("/v1/events", params={"limit": 0}, headers=make_key("erp")).status_code == 422
        assert bare_client.get("/v1/events", params={"limit": 1001}, headers=make_key("erp")).status_code == 422

    def test_suppliers_may_not_read_the_feed(self, bare_client, make_key):
        import uuid

        assert bare_client.get("/v1/events").status_code == 401
        r = bare_client.get("/v1/events", headers=make_key("supplier", supplier_id=uuid.uuid4()))
        assert r.status_code == 403

    def test_rolled_back_transitions_never_reach_the_feed(self, bare_client, engine, make_key):
        with pytest.raises(RuntimeError), unit_of_work(engine) as s:
            new_invoice(s)
            raise RuntimeError("request failed after the decision")
        assert bare_client.get("/v1/events", headers=make_key("erp")).json()["data"] == []


pg_only = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture
def pg_engine(_databases):
    """An engine on the session's PostgreSQL database (tables emptied afterwards)."""
    from tests.conftest import _empty_all_tables

    eng = make_engine(_databases["postgresql"])
    yield eng
    _empty_all_tables(eng)
    eng.dispose()


@pytest.fixture
def pg_client(pg_engine, tmp_path):
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.main import create_app

    settings = Settings(database_url=str(pg_engine.url.render_as_string(hide_password=False)), environment="test",
                        artifacts_dir=tmp_path / "none", validation_cache_dir=tmp_path / "cache")
    with TestClient(create_app(settings, engine=pg_engine)) as c:
        yield c


def _key(engine, role="erp"):
    from service.keys import create_key
    from service.models.keys import Role

    with Session(engine) as s:
        _, clear = create_key(s, role=Role(role), name="feed test")
        s.commit()
    return {"Authorization": f"Bearer {clear}"}


@pytest.mark.postgres
@pg_only
def test_a_transaction_that_commits_late_is_not_skipped(pg_engine, pg_client):
    """A takes the first sequence number, B commits first, A commits after the poller read B."""
    key = _key(pg_engine)
    ids = [committed_invoice(pg_engine, path=()) for _ in range(2)]
    _, cursor = poll_all(pg_client, key)

    slow = Session(pg_engine)
    inv_a = slow.get(Invoice, ids[0], with_for_update=True)
    transition(slow, inv_a, S.needs_review, actor="system")  # feed row inserted, not committed
    with unit_of_work(pg_engine) as s:
        transition(s, s.get(Invoice, ids[1]), S.needs_review, actor="system")

    seen, cursor = poll_all(pg_client, key, after=cursor)
    assert [e["invoice_id"] for e in seen] == [str(ids[1])]
    slow.commit()
    slow.close()
    late, cursor = poll_all(pg_client, key, after=cursor)
    assert [e["invoice_id"] for e in late] == [str(ids[0])], "the late commit was skipped"


@pytest.mark.postgres
@pg_only
def test_concurrent_writers_poller_sees_every_event_exactly_once_postgresql(pg_engine, pg_client):
    late = _concurrent_feed(pg_engine, pg_client, _key(pg_engine))
    print(f"late commits: {late}")


def test_concurrent_writers_poller_sees_every_event_exactly_once(engine, bare_client, make_key):
    _concurrent_feed(engine, bare_client, make_key("erp"), writers=4, per_writer=6)


def _concurrent_feed(engine, client, key, *, writers=8, per_writer=12):
    """Writers decide invoices in overlapping transactions (sleeping while holding them open) while
    a poller reads the feed with its cursor; afterwards every audit event was seen exactly once and
    each invoice's events arrived in their causal order."""
    invoices = [[committed_invoice(engine, path=()) for _ in range(per_writer)] for _ in range(writers)]
    _, start = poll_all(client, key)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(mine, seed):
        rng = random.Random(seed)
        try:
            for inv_id in mine:
                with unit_of_work(engine) as s:
                    inv = s.get(Invoice, inv_id, with_for_update=True)
                    transition(s, inv, S.needs_review, actor=f"writer{seed}", reason_codes=["PO_NOT_FOUND"])
                    time.sleep(rng.random() * 0.01)  # hold the transaction open: commits interleave
                    transition(s, inv, rng.choice([S.approved, S.on_hold]), actor=f"writer{seed}")
                    time.sleep(rng.random() * 0.01)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    seen: list[dict] = []

    def poll():
        cursor = start
        try:
            while True:
                finished = done.is_set()
                r = client.get("/v1/events", params={"after": cursor, "limit": 7}, headers=key)
                assert r.status_code == 200, r.text
                page = r.json()
                seen.extend(page["data"])
                cursor = page["next_cursor"]
                if finished and not page["data"]:
                    return
                if not page["data"]:
                    time.sleep(0.002)
        except BaseException as exc:  # noqa: BLE001 - a worker thread hands every failure to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(mine, i)) for i, mine in enumerate(invoices)]
    poller = threading.Thread(target=poll)
    poller.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    poller.join(timeout=60)
    assert not errors, errors

    with Session(engine) as s:
        expected = {str(e.id) for e in s.exec(select(AuditEvent))}  # the invoices were made without events
    ids = [e["event_id"] for e in seen]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    assert set(ids) == expected, f"missed {len(expected - set(ids))} events"
    assert len(ids) == writers * per_writer * 2
    cursors = [int(e["cursor"]) for e in seen]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    per_invoice: dict[str, list[str]] = {}
    for e in seen:
        per_invoice.setdefault(e["invoice_id"], []).append(e["to"])
    assert all(v[0] == "needs_review" and len(v) == 2 for v in per_invoice.values())
    return _late_commits(engine)


def _late_commits(engine) -> int:
    """Entries whose insert order (seq) differs from their commit order (position): each one is an
    event a naive `seq > cursor` poller could have skipped."""
    from service.models.erp import FeedEntry

    with Session(engine) as s:
        rows = s.exec(select(FeedEntry.seq, FeedEntry.position).order_by(FeedEntry.position)).all()
    return sum(1 for (a, _), (b, _) in itertools.pairwise(rows) if b < a)


def test_transitions_made_outside_the_app_reach_the_feed(db_url, engine, session):
    """A process that only imports the lifecycle (a CLI command, a worker) still writes feed rows."""
    import subprocess
    import sys
    import textwrap

    from service.models.erp import FeedEntry

    code = textwrap.dedent(f"""
        import uuid
        from service.db import make_engine, unit_of_work
        from service.lifecycle import transition
        from service.models.invoices import Invoice, InvoiceStatus
        engine = make_engine({db_url!r})
        with unit_of_work(engine) as s:
            inv = Invoice(sha256=uuid.uuid4().hex * 2, document=b"<x/>")
            s.add(inv)
            s.flush()
            transition(s, inv, InvoiceStatus.needs_review, actor="cli")
        """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = session.exec(select(FeedEntry)).all()
    assert [(e.to_status, e.actor) for e in rows] == [(S.needs_review, "cli")]
    assert rows[0].position is not None or engine.dialect.name == "postgresql"
