"""Webhooks: admin API, transactional outbox, signed deliveries, retries, dead letters, replay, leases."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import respx
from sqlmodel import Session, select

from service.config import Settings
from service.db import unit_of_work
from service.erp import signing
from service.erp.dispatcher import Dispatcher, Outcome, backoff_seconds
from service.erp.webhooks import create_subscription
from service.models.base import utcnow
from service.models.erp import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.erp.helpers import committed_invoice, new_invoice

HOOK = "https://erp.example.test/hooks/einvoice"
SECRET = "whsec_test_secret_0123456789"


def subscribe(engine, url=HOOK, event_types=("*",), secret=SECRET):
    with unit_of_work(engine) as s:
        return create_subscription(s, url=url, event_types=list(event_types), secret=secret, description="",
                                   active=True, actor="test").id


def fast_settings(settings: Settings, **kw) -> Settings:
    values = dict(webhook_timeout_seconds=0.5, webhook_max_attempts=3, webhook_backoff_base_seconds=0.0,
                  webhook_backoff_max_seconds=0.0, webhook_concurrency=4, webhook_poll_interval_seconds=0.05)
    return settings.model_copy(update=values | kw)


def deliveries(engine) -> list[WebhookDelivery]:
    with Session(engine) as s:
        return list(s.exec(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def attempts(engine, delivery_id) -> list[WebhookAttempt]:
    with Session(engine) as s:
        return list(s.exec(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                           .order_by(WebhookAttempt.number)))


def make_due(engine) -> None:
    """Skip the backoff wait: every pending delivery is due now."""
    with unit_of_work(engine) as s:
        for d in s.exec(select(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.pending)):
            d.next_attempt_at = utcnow() - timedelta(seconds=1)
            s.add(d)


# --- admin API ----------------------------------------------------------------------------------


class TestSubscriptionsApi:
    def test_create_shows_the_secret_once_and_lists_hide_it(self, bare_client, make_key):
        admin = make_key("admin")
        r = bare_client.post("/v1/webhooks", json={"url": HOOK, "event_types": ["invoice.approved", "invoice.paid"]},
                             headers=admin)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
        assert r.headers["location"] == f"/v1/webhooks/{body['id']}"
        listed = bare_client.get("/v1/webhooks", headers=admin).json()
        assert [w["id"] for w in listed["data"]] == [body["id"]]
        assert "secret" not in listed["data"][0] and listed["data"][0]["secret_hint"].endswith("...")
        one = bare_client.get(f"/v1/webhooks/{body['id']}", headers=admin).json()
        assert "secret" not in one and one["event_types"] == ["invoice.approved", "invoice.paid"]

    def test_update_and_delete(self, bare_client, make_key, engine):
        admin = make_key("admin")
        wid = bare_client.post("/v1/webhooks", json={"url": HOOK, "event_types": ["*"]}, headers=admin).json()["id"]
        r = bare_client.patch(f"/v1/webhooks/{wid}", json={"active": False, "event_types": ["invoice.booked"]},
                              headers=admin)
        assert r.status_code == 200 and r.json()["active"] is False and r.json()["event_types"] == ["invoice.booked"]
        assert bare_client.patch(f"/v1/webhooks/{wid}", json={"url": None}, headers=admin).status_code == 422
        assert bare_client.delete(f"/v1/webhooks/{wid}", headers=admin).status_code == 204
        assert bare_client.get(f"/v1/webhooks/{wid}", headers=admin).status_code == 404

    @pytest.mark.parametrize("body", [
        {"url": HOOK, "event_types": ["invoice.exploded"]},
        {"url": "ftp://erp.example.test/x", "event_types": ["*"]},
        {"url": HOOK, "event_types": []},
        {"url": HOOK, "event_types": ["*"], "secret": "short"},
    ])
    def test_invalid_subscriptions_are_422(self, bare_client, make_key, body):
        r = bare_client.post("/v1/webhooks", json=body, headers=make_key("admin"))
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")

    def test_only_admins_manage_webhooks(self, bare_client, make_key):
        for role in ("erp", "reviewer"):
            assert bare_client.get("/v1/webhooks", headers=make_key(role)).status_code == 403
        assert bare_client.post("/v1/webhooks", json={"url": HOOK, "event_types": ["*"]}).status_code == 401

    def test_unknown_ids_are_404_problems(self, bare_client, make_key):
        admin = make_key("admin")
        wid = bare_client.post("/v1/webhooks", json={"url": HOOK, "event_types": ["*"]}, headers=admin).json()["id"]
        r = bare_client.get(f"/v1/webhooks/{uuid.uuid4()}", headers=admin)
        assert r.status_code == 404 and r.json()["type"] == "/problems/webhook-not-found"
        r = bare_client.get(f"/v1/webhooks/{wid}/deliveries/{uuid.uuid4()}", headers=admin)
        assert r.status_code == 404 and r.json()["type"] == "/problems/webhook-delivery-not-found"
        assert bare_client.get(f"/v1/webhooks/{wid}/deliveries", params={"cursor": "zz"},
                               headers=admin).status_code == 400


# --- outbox -------------------------------------------------------------------------------------


class TestOutbox:
    def test_rows_are_written_with_the_transition_for_matching_subscriptions(self, engine):
        all_events = subscribe(engine)
        approved_only = subscribe(engine, url=HOOK + "/approved", event_types=["invoice.approved"])
        inactive = subscribe(engine, url=HOOK + "/off")
        with unit_of_work(engine) as s:
            from service.models.erp import WebhookSubscription
            s.get(WebhookSubscription, inactive).active = False
        inv = committed_invoice(engine)  # received -> needs_review -> approved
        rows = deliveries(engine)
        assert Counter(d.subscription_id for d in rows) == {all_events: 2, approved_only: 1}
        approved = next(d for d in rows if d.subscription_id == approved_only)
        assert approved.event_type == "invoice.approved" and approved.invoice_id == inv
        assert approved.payload["type"] == "invoice.approved"
        assert {"invoice_id", "from", "to", "reason_codes", "actor", "at"} <= set(approved.payload["data"])

    def test_a_rolled_back_transition_leaves_no_delivery(self, engine):
        subscribe(engine)
        with pytest.raises(RuntimeError), unit_of_work(engine) as s:
            new_invoice(s)
            raise RuntimeError("boom")
        assert deliveries(engine) == []


# --- the dispatcher -----------------------------------------------------------------------------


class TestDispatcher:
    def test_success_is_signed_and_logged(self, engine, settings, bare_client, make_key):
        wid = subscribe(engine, event_types=["invoice.approved"])
        inv = committed_invoice(engine)
        with respx.mock(assert_all_called=True) as mock:
            route = mock.post(HOOK).mock(return_value=httpx.Response(204))
            d = Dispatcher(engine, fast_settings(settings))
            assert d.run_once() == 1
            d.close()
        request = route.calls.last.request
        body = request.content
        assert signing.verify(SECRET, request.headers["Webhook-Timestamp"], body, request.headers["Webhook-Signature"])
        assert not signing.verify("another secret", request.headers["Webhook-Timestamp"], body,
                                  request.headers["Webhook-Signature"])
        assert not signing.verify(SECRET, request.headers["Webhook-Timestamp"], body.replace(b"approved", b"rejected"),
                                  request.headers["Webhook-Signature"])
        payload = json.loads(body)
        assert payload["type"] == "invoice.approved" and payload["data"]["invoice_id"] == str(inv)
        assert request.headers["Webhook-Event"] == "invoice.approved"
        assert request.headers["content-type"] == "application/json"
        [row] = deliveries(engine)
        assert request.headers["Webhook-Id"] == str(row.id)
        assert row.status is DeliveryStatus.delivered and row.delivered_at is not None and row.last_status_code == 204
        # the delivery log through the API
        admin = make_key("admin")
        page = bare_client.get(f"/v1/webhooks/{wid}/deliveries", headers=admin).json()
        assert [x["status"] for x in page["data"]] == ["delivered"]
        one = bare_client.get(f"/v1/webhooks/{wid}/deliveries/{row.id}", headers=admin).json()
        assert [(a["number"], a["status_code"], a["error"]) for a in one["log"]] == [(1, 204, None)]

    def test_5xx_is_retried_with_backoff_then_parked_dead_and_replayable(self, engine, settings, bare_client, make_key):
        wid = subscribe(engine, event_types=["invoice.approved"])
        committed_invoice(engine)
        cfg = fast_settings(settings, webhook_backoff_base_seconds=60, webhook_backoff_max_seconds=600)
        with respx.mock() as mock:
            route = mock.post(HOOK).mock(return_value=httpx.Response(503, text="maintenance"))
            d = Dispatcher(engine, cfg, rng=lambda: 1.0)
            before = utcnow()
            assert d.run_once() == 1
            [row] = deliveries(engine)
            assert row.status is DeliveryStatus.pending and row.attempts == 1 and row.last_status_code == 503
            # first retry after base (60 s) with rng=1.0; equal jitter keeps it within [30, 60] s
            assert timedelta(seconds=59) <= row.next_attempt_at - before <= timedelta(seconds=61)
            assert d.run_once() == 0, "not due yet"
            for _ in range(2):
                make_due(engine)
                assert d.run_once() == 1
            [row] = deliveries(engine)
            assert row.status is DeliveryStatus.dead and row.attempts == 3
            assert route.call_count == 3
            make_due(engine)
            assert d.run_once() == 0, "dead deliveries are not retried"
            # replay through the API, now the endpoint is back
            route.mock(return_value=httpx.Response(200, text="ok"))
            admin = make_key("admin")
            r = bare_client.post(f"/v1/webhooks/{wid}/deliveries/{row.id}/replay", headers=admin)
            assert r.status_code == 200 and r.json()["status"] == "pending"
            assert d.run_once() == 1
            d.close()
        [row] = deliveries(engine)
        assert row.status is DeliveryStatus.delivered
        log = [(a.number, a.status_code) for a in attempts(engine, row.id)]
        assert log == [(1, 503), (2, 503), (3, 503), (4, 200)]

    def test_replay_all_dead_deliveries_of_a_subscription(self, engine, settings, bare_client, make_key):
        wid = subscribe(engine)
        committed_invoice(engine)
        with respx.mock() as mock:
            mock.post(HOOK).mock(return_value=httpx.Response(500))
            d = Dispatcher(engine, fast_settings(settings, webhook_max_attempts=1))
            assert d.run_once() == 2
            d.close()
        assert {x.status for x in deliveries(engine)} == {DeliveryStatus.dead}
        admin = make_key("admin")
        dead = bare_client.get(f"/v1/webhooks/{wid}/deliveries", params={"status": "dead"}, headers=admin).json()
        assert len(dead["data"]) == 2 and dead["data"][0]["last_error"] == "HTTP 500"
        r = bare_client.post(f"/v1/webhooks/{wid}/replay", headers=admin)
        assert r.json() == {"replayed": 2}
        assert {x.status for x in deliveries(engine)} == {DeliveryStatus.pending}

    def test_timeout_is_an_error_and_retried(self, engine, settings):
        subscribe(engine, event_types=["invoice.approved"])
        committed_invoice(engine)
        with respx.mock() as mock:
            mock.post(HOOK).mock(side_effect=httpx.ReadTimeout("read timed out"))
            d = Dispatcher(engine, fast_settings(settings))
            assert d.run_once() == 1
            d.close()
        [row] = deliveries(engine)
        assert row.status is DeliveryStatus.pending and row.last_status_code is None
        assert row.last_error.startswith("timeout after 0.5s")
        [a] = attempts(engine, row.id)
        assert a.status_code is None and "timeout" in a.error

    def test_connection_errors_are_retried(self, engine, settings):
        subscribe(engine, event_types=["invoice.approved"])
        committed_invoice(engine)
        with respx.mock() as mock:
            mock.post(HOOK).mock(side_effect=httpx.ConnectError("connection refused"))
            d = Dispatcher(engine, fast_settings(settings))
            d.run_once()
            d.close()
        [row] = deliveries(engine)
        assert row.status is DeliveryStatus.pending and "ConnectError" in row.last_error

    def test_a_slow_endpoint_holds_only_its_own_slot(self, engine, settings):
        """Two endpoints that answer after 1 s and one that answers at once: sent side by side, the
        round takes about 1 s and the fast one is not kept waiting; one after the other it would take
        2 s or more. The slack (0.7 s) absorbs a loaded machine; the bound still tells the two apart."""
        for name in ("slow-a", "slow-b", "fast"):
            subscribe(engine, url=f"{HOOK}/{name}", event_types=["invoice.approved"])
        committed_invoice(engine)
        delay, called = 1.0, {}

        def slow(request):
            time.sleep(delay)
            return httpx.Response(200)

        def fast(request):
            called["fast"] = time.perf_counter()
            return httpx.Response(200)

        with respx.mock() as mock:
            mock.post(HOOK + "/slow-a").mock(side_effect=slow)
            mock.post(HOOK + "/slow-b").mock(side_effect=slow)
            mock.post(HOOK + "/fast").mock(side_effect=fast)
            d = Dispatcher(engine, fast_settings(settings, webhook_timeout_seconds=3))
            started = time.perf_counter()
            assert d.run_once() == 3
            elapsed = time.perf_counter() - started
            d.close()
        assert elapsed < 2 * delay - 0.3, f"the deliveries were sent one after the other ({elapsed:.2f} s)"
        assert called["fast"] - started < delay, "the fast endpoint waited for a slow one"
        rows = list(deliveries(engine))
        assert len(rows) == 3 and all(r.status is DeliveryStatus.delivered for r in rows)
        durations = sorted(attempts(engine, r.id)[0].duration_ms for r in rows)
        assert durations[0] < delay * 1000 / 2 and durations[1] >= delay * 1000 - 10

    def test_an_endpoint_slower_than_the_timeout_is_cut_off(self, engine, settings):
        """A real local HTTP server that answers after 3 s; the dispatcher gives up after 0.3 s."""

        class Slow(BaseHTTPRequestHandler):
            def do_POST(self):
                time.sleep(3)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            subscribe(engine, url=f"http://127.0.0.1:{server.server_port}/hook", event_types=["invoice.approved"])
            committed_invoice(engine)
            d = Dispatcher(engine, fast_settings(settings, webhook_timeout_seconds=0.3,
                                                 webhook_allowed_networks=["127.0.0.1/32"]))
            started = time.perf_counter()
            d.run_once()
            elapsed = time.perf_counter() - started
            d.close()
        finally:
            server.shutdown()
        [row] = deliveries(engine)
        assert elapsed < 2.0
        assert row.status is DeliveryStatus.pending and row.last_error.startswith("timeout after 0.3s")

    def test_several_dispatchers_never_send_a_delivery_twice(self, engine, settings):
        subscribe(engine)
        for _ in range(12):
            committed_invoice(engine)  # 24 deliveries
        sent: Counter = Counter()
        lock = threading.Lock()

        def endpoint(request):
            with lock:
                sent[request.headers["Webhook-Id"]] += 1
            time.sleep(0.005)
            return httpx.Response(200)

        errors = []
        with respx.mock() as mock:
            mock.post(HOOK).mock(side_effect=endpoint)
            workers = [Dispatcher(engine, fast_settings(settings, webhook_concurrency=3), worker_id=f"w{i}")
                       for i in range(4)]

            def drain(d):
                try:
                    while d.run_once() or any(x.status is not DeliveryStatus.delivered for x in deliveries(engine)):
                        pass
                except BaseException as exc:  # noqa: BLE001 - a worker thread hands every failure to the test thread
                    errors.append(exc)

            threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            for w in workers:
                w.close()
        assert not errors, errors
        rows = deliveries(engine)
        assert len(rows) == 24 and all(r.status is DeliveryStatus.delivered for r in rows)
        assert set(sent) == {str(r.id) for r in rows}
        assert max(sent.values()) == 1, "a delivery was sent twice"
        with Session(engine) as s:
            workers_used = {a.worker for a in s.exec(select(WebhookAttempt))}
        assert len(workers_used) >= 2

    def test_an_expired_lease_is_taken_over_and_the_late_result_is_ignored(self, engine, settings):
        subscribe(engine, event_types=["invoice.approved"])
        committed_invoice(engine)
        cfg = fast_settings(settings)
        crashed = Dispatcher(engine, cfg, worker_id="crashed")
        [claimed] = crashed.claim(10)
        assert Dispatcher(engine, cfg, worker_id="other").claim(10) == [], "leased rows are not claimed twice"
        with unit_of_work(engine) as s:  # the lease runs out (the first worker died)
            row = s.get(WebhookDelivery, claimed.id)
            row.lease_until = utcnow() - timedelta(seconds=1)
        with respx.mock() as mock:
            mock.post(HOOK).mock(return_value=httpx.Response(200))
            other = Dispatcher(engine, cfg, worker_id="other")
            assert other.run_once() == 1
            # the first worker wakes up and reports a failure: logged, but the state stays delivered
            crashed.record(claimed, Outcome(False, 500, "HTTP 500", "", utcnow(), 1))
            other.close()
        crashed.close()
        [row] = deliveries(engine)
        assert row.status is DeliveryStatus.delivered and row.attempts == 2
        assert [a.worker for a in attempts(engine, row.id)] == ["other", "crashed"]


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    assert backoff_seconds(1, 5, 3600, rng=lambda: 1.0) == 5
    assert backoff_seconds(2, 5, 3600, rng=lambda: 1.0) == 10
    assert backoff_seconds(4, 5, 3600, rng=lambda: 0.0) == 20
    assert backoff_seconds(30, 5, 3600, rng=lambda: 1.0) == 3600
    jittered = {round(backoff_seconds(3, 5, 3600), 6) for _ in range(20)}
    assert len(jittered) > 1 and all(10 <= j <= 20 for j in jittered)


def test_signature_verification_rejects_stale_and_malformed_headers():
    body = b'{"type":"invoice.approved"}'
    now = 1_800_000_000
    sig = signing.sign(SECRET, now, body)
    assert signing.verify(SECRET, str(now), body, sig, now=now + 10)
    assert signing.verify(SECRET, str(now), body, f"v1=deadbeef {sig}", now=now)  # secret rotation
    assert not signing.verify(SECRET, str(now), body, sig, now=now + 301)
    assert not signing.verify(SECRET, "yesterday", body, sig, now=now)
    assert not signing.verify(SECRET, str(now + 1), body, sig, now=now)


def test_the_app_runs_the_dispatcher_unless_switched_off(engine, settings):
    from fastapi.testclient import TestClient

    from service.main import create_app

    assert Settings.model_fields["webhook_dispatcher_in_serve"].default is True  # on in `serve` by default
    subscribe(engine, event_types=["invoice.approved"])
    with respx.mock() as mock:
        route = mock.post(HOOK).mock(return_value=httpx.Response(200))
        with TestClient(create_app(fast_settings(settings, webhook_dispatcher_in_serve=False), engine=engine)) as c:
            assert c.app.state.background is None
        with TestClient(create_app(fast_settings(settings, webhook_dispatcher_in_serve=True), engine=engine)) as c:
            assert c.app.state.background is not None
            committed_invoice(engine)
            deadline = time.monotonic() + 10
            while route.call_count == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
        assert route.call_count == 1
    assert deliveries(engine)[0].status is DeliveryStatus.delivered
