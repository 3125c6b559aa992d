"""Every status change has the same consequences, in the same order, whoever makes it.

``service.lifecycle.transition`` calls them by name: the quantity ledger, the change feed, the
webhook outbox. Each channel runs in a fresh process that imports modules in a different order
(as an API server, a CLI command and a background job would); a profiler records which consequence
functions ran, and the database shows what they wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from decimal import Decimal

import pytest
from sqlmodel import select

from service.models.erp import FeedEntry, WebhookDelivery
from service.models.invoices import AuditEvent, InvoiceStatus
from service.models.matching import LedgerEntry, LedgerState
from tests.matching.test_api import PoLine, World

CONSEQUENCES = ["ledger", "feed", "webhooks"]

# Records the consequence functions as they are called (without importing anything itself).
PROFILE = textwrap.dedent("""
    import json, sys, threading
    WATCH = {("service.ledger", "follow_transition"): "ledger", ("service.erp.feed", "record"): "feed",
             ("service.erp.webhooks", "enqueue"): "webhooks"}
    calls = []
    def _profile(frame, event, arg):
        if event == "call":
            hit = WATCH.get((frame.f_globals.get("__name__"), frame.f_code.co_name))
            if hit:
                calls.append(hit)
    def watch():
        sys.setprofile(_profile)
        threading.setprofile(_profile)
    """)

WORKER = PROFILE + textwrap.dedent("""
    import importlib, uuid
    for name in IMPORTS:
        importlib.import_module(name)
    from service.db import make_engine, unit_of_work
    review = importlib.import_module("service.review")
    watch()
    with unit_of_work(make_engine(URL)) as session:
        review.approve(session, uuid.UUID(INVOICE), actor="worker:nightly")
    print(json.dumps(calls))
    """)

API = PROFILE + textwrap.dedent("""
    import importlib
    for name in IMPORTS:
        importlib.import_module(name)
    from pathlib import Path
    from fastapi.testclient import TestClient
    from service.config import Settings
    from service.main import create_app
    app = create_app(Settings(database_url=URL, environment="test", artifacts_dir=Path(TMP) / "none",
                              validation_cache_dir=Path(TMP) / "cache", webhook_dispatcher_in_serve=False))
    with TestClient(app) as client:
        watch()
        r = client.post(f"/v1/invoices/{INVOICE}/approve", json={"comment": "ok"}, headers=KEY)
        assert r.status_code == 200, r.text
    print(json.dumps(calls))
    """)

CLI = PROFILE + textwrap.dedent("""
    from service.cli import app
    watch()
    app(["import", "goods-receipts", RECEIPTS], standalone_mode=False)
    print(json.dumps(calls))
    """)


def _run(code: str, db_url: str, **values: object) -> list[str]:
    header = "".join(f"{k} = {v!r}\n" for k, v in values.items())
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=db_url, EINVOICE_ENVIRONMENT="test", EINVOICE_LOG_LEVEL="WARNING",
               EINVOICE_ARTIFACTS_MIRROR=os.environ.get("EINVOICE_ARTIFACTS_MIRROR", ""))
    r = subprocess.run([sys.executable, "-c", header + code], capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture
def world(client, make_key, artifacts_mirror) -> World:
    w = World(client, make_key)
    r = client.post("/v1/webhooks", json={"url": "https://erp.example.nl/einvoice/hook", "event_types": ["*"]},
                    headers=w.admin)
    assert r.status_code == 201, r.text
    return w


def _flagged(world: World, count: int) -> list[str]:
    """``count`` invoices under review (NOT_RECEIVED) on one 3-way order line, each with 1 unit pending."""
    line = PoLine("1", "Beamer", Decimal(100), price=Decimal("800.00"), receipt_required=True)
    world.order("PO-CONSEQ", line)
    ids = []
    for i in range(count):
        inv = world.post(world.doc(f"F-CONSEQ-{i}", "PO-CONSEQ", line.invoice_line("1", Decimal(1))))
        assert inv["status"] == "needs_review" and [r["code"] for r in inv["reasons"]] == ["NOT_RECEIVED"]
        ids.append(inv["id"])
    return ids


def _written(session, invoice_id: str) -> tuple[list[str], int, list[LedgerState]]:
    """(feed entries' target statuses, webhook deliveries of the approval, ledger entry states)."""
    key = uuid.UUID(invoice_id)
    feed = [e.to_status.value for e in session.exec(
        select(FeedEntry).where(FeedEntry.invoice_id == key).order_by(FeedEntry.seq)).all()]
    approval = session.exec(select(AuditEvent).where(AuditEvent.invoice_id == key,
                                                     AuditEvent.to_status == InvoiceStatus.approved)).one()
    deliveries = len(session.exec(select(WebhookDelivery).where(WebhookDelivery.event_id == approval.id)).all())
    ledger = [e.state for e in session.exec(select(LedgerEntry).where(LedgerEntry.invoice_id == key)).all()]
    return feed, deliveries, ledger


WORKER_IMPORTS = [
    ("service.review",),
    ("service.erp.webhooks", "service.erp.feed", "service.review"),
    ("service.ledger", "service.ui.queue", "service.review"),
]
API_IMPORTS = [("service.main",), ("service.erp", "service.api.review", "service.main")]


def test_consequences_run_in_order_for_api_cli_and_workers_whatever_was_imported(world, db_url, session, tmp_path):
    ids = _flagged(world, len(WORKER_IMPORTS) + len(API_IMPORTS) + 1)
    approved_by_people = ids[:-1]
    for invoice_id, imports in zip(ids, WORKER_IMPORTS, strict=False):
        calls = _run(WORKER, db_url, IMPORTS=imports, URL=db_url, INVOICE=invoice_id)
        assert calls == CONSEQUENCES, imports
    for invoice_id, imports in zip(ids[len(WORKER_IMPORTS):], API_IMPORTS, strict=False):
        calls = _run(API, db_url, IMPORTS=imports, URL=db_url, INVOICE=invoice_id, KEY=world.reviewer,
                     TMP=str(tmp_path))
        assert calls == CONSEQUENCES, imports

    # the CLI: a goods receipt lets the last invoice pass; the re-match approves it
    receipts = tmp_path / "receipts.jsonl"
    receipts.write_text(json.dumps({"receipt_id": "GR-CONSEQ", "po_number": "PO-CONSEQ", "date": "2026-03-01",
                                    "lines": [{"po_line_id": "1", "quantity": "10"}]}) + "\n")
    assert _run(CLI, db_url, RECEIPTS=str(receipts)) == CONSEQUENCES

    for invoice_id in ids:
        feed, deliveries, ledger = _written(session, invoice_id)
        assert feed == ["received", "needs_review", "approved"]
        assert deliveries == 1
        assert ledger == [LedgerState.approved], invoice_id  # people's approvals turned pending into approved
    assert len(approved_by_people) == len(WORKER_IMPORTS) + len(API_IMPORTS)


def test_the_consequences_are_called_by_name_in_the_documented_order(engine, monkeypatch):
    """In process: transition() calls ledger, feed, webhooks in this order and nothing else hooks in."""
    import service.lifecycle as lifecycle
    from service.models.invoices import Invoice

    calls: list[str] = []
    for module, name, label in ((lifecycle.ledger, "follow_transition", "ledger"), (lifecycle.feed, "record", "feed"),
                                (lifecycle.webhooks, "enqueue", "webhooks")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _o=original, _l=label, **k: calls.append(_l) or _o(*a, **k))
    from sqlmodel import Session

    with Session(engine) as s:
        invoice = Invoice(sha256=uuid.uuid4().hex * 2, document=b"<x/>")
        lifecycle.transition(s, invoice, InvoiceStatus.received, actor="test")
        lifecycle.transition(s, invoice, InvoiceStatus.needs_review, actor="test")
        s.commit()
    assert calls == CONSEQUENCES * 2
    assert not hasattr(lifecycle, "on_transition") and not hasattr(lifecycle, "_after_transition_hooks")


def test_status_caches_see_a_change_only_after_it_commits(engine):
    """The count the review queue's cache keys on moves after COMMIT, never before, never on ROLLBACK."""
    from sqlmodel import Session

    from service.lifecycle import committed_status_changes, transition
    from service.models.invoices import Invoice

    before = committed_status_changes()
    with Session(engine) as s:
        invoice = Invoice(sha256=uuid.uuid4().hex * 2, document=b"<x/>")
        transition(s, invoice, InvoiceStatus.received, actor="test")
        transition(s, invoice, InvoiceStatus.needs_review, actor="test")
        assert committed_status_changes() == before  # inside the transaction: nothing yet
        s.rollback()
    assert committed_status_changes() == before
    with Session(engine) as s:
        invoice = Invoice(sha256=uuid.uuid4().hex * 2, document=b"<x/>")
        transition(s, invoice, InvoiceStatus.received, actor="test")
        s.commit()
        assert committed_status_changes() == before + 1
        s.commit()  # an empty commit changes nothing
        assert committed_status_changes() == before + 1
