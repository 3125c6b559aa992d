"""Webhook targets: no loopback, link-local (cloud metadata) or private addresses unless allowed,
checked when a subscription is saved and again on every connection (after DNS resolution)."""

from __future__ import annotations

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from service.db import unit_of_work
from service.erp.dispatcher import Dispatcher
from service.erp.targets import parse_networks, url_problem, why_refused
from service.erp.webhooks import create_subscription
from service.models.erp import DeliveryStatus, WebhookDelivery
from tests.erp.helpers import committed_invoice


@pytest.mark.parametrize("address, refused", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("0.0.0.0", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fd00:ec2::254", "private"),
    ("100.64.0.1", "private"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
    ("224.0.0.1", "multicast"),
    ("93.184.215.14", None), ("2a00:1450:4001::1", None),
])
def test_which_addresses_are_refused(address, refused):
    reason = why_refused(ipaddress.ip_address(address))
    assert (reason is None) if refused is None else (refused in reason)


def test_an_allowed_network_passes_and_nothing_else_does():
    allowed = parse_networks(["10.20.0.0/16", "127.0.0.1"])
    assert why_refused(ipaddress.ip_address("10.20.3.4"), allowed) is None
    assert why_refused(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert "private" in why_refused(ipaddress.ip_address("10.21.0.1"), allowed)
    assert "link-local" in why_refused(ipaddress.ip_address("169.254.169.254"), allowed)
    with pytest.raises(ValueError, match="not an IP network"):
        parse_networks(["erp.example.nl"])


def test_names_are_resolved_when_saved():
    assert "loopback" in url_problem("http://localhost:8080/hook")
    assert url_problem("https://erp.example.test/hook") is None  # does not resolve (yet): checked on connect


class TestSubscriptionApi:
    @pytest.mark.parametrize("url", [
        "http://127.0.0.1:9000/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook", "http://10.0.0.8/hook", "http://[::ffff:192.168.1.1]/hook",
    ])
    def test_refused_on_create_and_update(self, bare_client, make_key, url):
        admin = make_key("admin")
        r = bare_client.post("/v1/webhooks", json={"url": url, "event_types": ["*"]}, headers=admin)
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["type"] == "/problems/webhook-target-not-allowed"
        assert body["errors"][0]["loc"] == ["body", "url"]
        wid = bare_client.post("/v1/webhooks", json={"url": "https://erp.example.test/h", "event_types": ["*"]},
                               headers=admin).json()["id"]
        r = bare_client.patch(f"/v1/webhooks/{wid}", json={"url": url}, headers=admin)
        assert r.status_code == 422 and r.json()["type"] == "/problems/webhook-target-not-allowed"
        assert bare_client.get(f"/v1/webhooks/{wid}", headers=admin).json()["url"] == "https://erp.example.test/h"

    def test_an_explicitly_allowed_network_is_accepted(self, settings, engine, make_key):
        from fastapi.testclient import TestClient

        from service.main import create_app

        allowed = settings.model_copy(update={"webhook_allowed_networks": ["10.20.0.0/16"]})
        with TestClient(create_app(allowed, engine=engine)) as c:
            r = c.post("/v1/webhooks", json={"url": "http://10.20.0.5/hook", "event_types": ["*"]},
                       headers=make_key("admin"))
            assert r.status_code == 201, r.text
            r = c.post("/v1/webhooks", json={"url": "http://10.21.0.5/hook", "event_types": ["*"]},
                       headers=make_key("admin"))
            assert r.status_code == 422


class TestDelivery:
    """A subscription whose name now resolves to loopback (saved before, or DNS rebinding)."""

    @pytest.fixture
    def local_endpoint(self):
        received = []

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield server.server_port, received
        server.shutdown()

    def _subscribe(self, engine, url):
        with unit_of_work(engine) as s:  # the service layer, as a row saved before the check existed
            create_subscription(s, url=url, event_types=["invoice.approved"], secret="whsec_" + "x" * 20, description="",
                                active=True, actor="test")

    def _settings(self, settings, **kw):
        return settings.model_copy(update={"webhook_max_attempts": 1, "webhook_backoff_base_seconds": 0.0,
                                           "webhook_dispatcher_in_serve": False, **kw})

    def test_the_dispatcher_does_not_connect_to_loopback(self, engine, settings, local_endpoint):
        port, received = local_endpoint
        self._subscribe(engine, f"http://localhost:{port}/hook")
        committed_invoice(engine)
        d = Dispatcher(engine, self._settings(settings))
        d.run_once()
        d.close()
        assert received == []
        with Session(engine) as s:
            row = s.exec(select(WebhookDelivery)).one()
        assert row.status is DeliveryStatus.dead and row.last_status_code is None
        assert "loopback" in row.last_error and "not connected" in row.last_error

    def test_the_dispatcher_connects_when_the_network_is_allowed(self, engine, settings, local_endpoint):
        port, received = local_endpoint
        self._subscribe(engine, f"http://localhost:{port}/hook")
        committed_invoice(engine)
        d = Dispatcher(engine, self._settings(settings, webhook_allowed_networks=["127.0.0.0/8", "::1"]))
        d.run_once()
        d.close()
        assert len(received) == 1
        with Session(engine) as s:
            assert s.exec(select(WebhookDelivery)).one().status is DeliveryStatus.delivered
