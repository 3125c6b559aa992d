"""`einvoice webhooks add|list|replay` and `einvoice worker --once` against a real local endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service.erp import signing
from tests.erp.helpers import committed_invoice

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = [sys.executable, "-m", "service.cli"]


def run(args, db_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env |= {"DATABASE_URL": db_url, "EINVOICE_WEBHOOK_BACKOFF_BASE_SECONDS": "0",
            "EINVOICE_WEBHOOK_BACKOFF_MAX_SECONDS": "0", "EINVOICE_WEBHOOK_MAX_ATTEMPTS": "1",
            # the test endpoint listens on loopback, which webhooks may reach only when allowed
            "EINVOICE_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}
    return subprocess.run(EINVOICE + args, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def endpoint():
    received: list[tuple[dict, bytes]] = []
    answer = {"status": 200}

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(answer["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, answer
    server.shutdown()


def test_add_a_webhook_and_deliver_with_the_worker(db_url, engine, endpoint):
    url, received, answer = endpoint
    added = run(["webhooks", "add", url, "--event", "invoice.approved"], db_url)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip()
    assert secret.startswith("whsec_") and len(added.stdout.splitlines()) == 1

    committed_invoice(engine)
    worker = run(["worker", "--once"], db_url)
    assert worker.returncode == 0, worker.stderr
    assert "sent 1 deliveries" in worker.stderr
    [(headers, body)] = received
    assert signing.verify(secret, headers["Webhook-Timestamp"], body, headers["Webhook-Signature"])
    assert json.loads(body)["type"] == "invoice.approved"

    listed = json.loads(run(["webhooks", "list", "--json"], db_url).stdout)
    assert listed[0]["url"] == url and listed[0]["deliveries"] == {"delivered": 1}

    # a failing endpoint: parked dead after the (configured) single attempt, then replayed by the CLI
    answer["status"] = 500
    committed_invoice(engine)
    assert run(["worker", "--once"], db_url).returncode == 0
    assert json.loads(run(["webhooks", "list", "--json"], db_url).stdout)[0]["deliveries"] == {
        "delivered": 1, "dead": 1}
    answer["status"] = 200
    replay = run(["webhooks", "replay", listed[0]["id"]], db_url)
    assert replay.returncode == 0 and "queued 1" in replay.stderr
    assert run(["worker", "--once"], db_url).returncode == 0
    assert json.loads(run(["webhooks", "list", "--json"], db_url).stdout)[0]["deliveries"] == {"delivered": 2}
    assert len(received) == 3


@pytest.mark.parametrize("args", [
    ["webhooks", "add", "ftp://x.example/hook"],
    ["webhooks", "add", "https://x.example/hook", "--event", "invoice.exploded"],
    ["webhooks", "replay", "not-a-uuid"],
])
def test_bad_arguments_are_one_readable_line(tmp_path, args):
    r = run(args, f"sqlite:///{tmp_path / 'unused.db'}")  # refused before the database is opened
    assert r.returncode == 2
    assert r.stderr.strip().startswith("einvoice: error:") and len(r.stderr.strip().splitlines()) == 1
