"""Crash safety: `einvoice serve --workers 2` on PostgreSQL under load, every worker SIGKILLed
twice. Every invoice that got a 2xx is stored exactly once, decided, with its audit events and
change-feed entries; documents whose request got no answer are sent again and are safe replays
(201 the first time it is stored, 200 with the same invoice after that); nothing is left half-done."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session
from tests.security.documents import BASE, numbered

from service.db import make_engine
from service.keys import create_key
from service.models.keys import Role

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]

DOCUMENTS = 60
CLIENTS = 6
KILL_ROUNDS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _workers(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def _wait_ready(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("the service did not become ready")


@pytest.fixture
def database(_databases):
    from tests.conftest import _empty_all_tables

    eng = make_engine(_databases["postgresql"])
    yield _databases["postgresql"], eng
    _empty_all_tables(eng)
    eng.dispose()


def test_sigkill_of_every_worker_under_load_loses_and_duplicates_nothing(database, artifacts_dir, tmp_path):
    url, engine = database
    with Session(engine) as s:
        _, clear = create_key(s, role=Role.gateway, name="crash test")
        s.commit()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": url, "EINVOICE_ENVIRONMENT": "test", "EINVOICE_ARTIFACTS_DIR": str(artifacts_dir),
                "EINVOICE_VALIDATION_CACHE_DIR": str(tmp_path / "cache"), "EINVOICE_LOG_LEVEL": "ERROR",
                "EINVOICE_WEBHOOK_DISPATCHER_IN_SERVE": "false"})
    einvoice = Path(sys.executable).parent / "einvoice"
    server = subprocess.Popen([str(einvoice), "serve", "--workers", "2", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_ready(base, time.monotonic() + 600)
        answers, unanswered = _load_with_kills(base, clear, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    assert unanswered > 0, "no request was cut off by a kill: the test proved nothing"
    _check_store(engine, answers)


def _load_with_kills(base: str, key: str, master: int) -> tuple[dict[int, list[tuple[int, str]]], int]:
    """Post every document until it is answered with a 2xx, while the workers are killed."""
    todo: queue.Queue[int] = queue.Queue()
    for i in range(DOCUMENTS):
        todo.put(i)
    answers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    unanswered = 0
    lock = threading.Lock()
    answered = threading.Semaphore(0)
    deadline = time.monotonic() + 900

    def client() -> None:
        nonlocal unanswered
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/xml"}
        with httpx.Client(base_url=base, timeout=300) as http:
            while time.monotonic() < deadline:
                try:
                    i = todo.get(timeout=1)
                except queue.Empty:
                    if all(answers.get(j) for j in range(DOCUMENTS)):
                        return
                    continue
                try:
                    r = http.post("/v1/invoices", content=numbered(BASE, f"CRASH-{i:03d}"), headers=headers)
                except httpx.HTTPError:
                    r = None
                if r is not None and r.status_code in (200, 201):
                    with lock:
                        answers[i].append((r.status_code, r.json()["id"]))
                    answered.release()
                else:  # no answer (killed mid-request) or a 5xx: send the same bytes again
                    assert r is None or r.status_code >= 500, r.text
                    with lock:
                        unanswered += 1
                    todo.put(i)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for _ in range(KILL_ROUNDS):
        for _ in range(DOCUMENTS // (KILL_ROUNDS + 1) // 2):  # some answers first, then mid-load
            answered.acquire(timeout=600)
        for pid in _workers(master):
            os.kill(pid, signal.SIGKILL)
        _wait_ready(base, time.monotonic() + 600)
    for t in threads:
        t.join(timeout=max(deadline - time.monotonic(), 1))
    assert all(answers.get(i) for i in range(DOCUMENTS)), "some documents were never answered"
    return answers, unanswered


def _check_store(engine, answers: dict[int, list[tuple[int, str]]]) -> None:
    with engine.connect() as conn:
        invoices = conn.execute(text("SELECT id, invoice_number, status FROM invoices")).all()
        events = conn.execute(text("SELECT id, invoice_id, to_status FROM audit_events")).all()
        feed = conn.execute(text("SELECT event_id, invoice_id FROM change_feed")).all()
    by_number = defaultdict(list)
    for row in invoices:
        by_number[row.invoice_number].append(row)
    assert len(invoices) == DOCUMENTS and all(len(rows) == 1 for rows in by_number.values())
    for i, replies in answers.items():
        (stored,) = by_number[f"CRASH-{i:03d}"]
        assert {invoice_id for _, invoice_id in replies} == {str(stored.id)}  # every reply, the same invoice
        assert [status for status, _ in replies].count(201) <= 1  # created at most once
    statuses = {str(row.id): row.status for row in invoices}
    assert "received" not in statuses.values(), "an invoice was left half-decided"
    per_invoice = defaultdict(list)
    for event in events:
        per_invoice[str(event.invoice_id)].append(event.to_status)
    for invoice_id, status in statuses.items():
        assert sorted(per_invoice[invoice_id]) == sorted(["received", status]), per_invoice[invoice_id]
    assert {str(e.id) for e in events} == {str(f.event_id) for f in feed}  # one feed entry per event
