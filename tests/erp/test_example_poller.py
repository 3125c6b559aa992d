"""examples/erp_poller.py against a real server process (uvicorn on a free port)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from service.db import unit_of_work
from service.lifecycle import transition
from service.models.erp import ErpInvoiceState
from service.models.invoices import Invoice
from tests.erp.helpers import S, committed_invoice

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(db_url, tmp_path):
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": db_url,
        "EINVOICE_ENVIRONMENT": "test",
        "EINVOICE_ARTIFACTS_DIR": str(tmp_path / "no-artifacts"),
        "EINVOICE_VALIDATION_CACHE_DIR": str(tmp_path / "cache"),
        "EINVOICE_WEBHOOK_DISPATCHER_IN_SERVE": "false",
        "EINVOICE_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.main:build_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"server did not start: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_poller(base, key, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "examples" / "erp_poller.py"), "--base-url", base, "--key", key,
         "--cursor-file", str(tmp_path / "cursor.txt"), "--out", str(tmp_path / "inbox"), "--once"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )


def test_example_poller_books_every_approved_invoice_once(server, engine, make_key, tmp_path):
    approved = [committed_invoice(engine) for _ in range(3)]
    waiting = committed_invoice(engine, path=(S.needs_review,))
    key = make_key("erp", name="erp poller")["Authorization"].removeprefix("Bearer ")

    first = run_poller(server, key, tmp_path)
    assert first.returncode == 0, first.stderr
    with Session(engine) as s:
        assert [s.get(Invoice, i).status for i in approved] == [S.booked] * 3
        assert s.get(Invoice, waiting).status is S.needs_review
        numbers = {s.get(ErpInvoiceState, i).erp_document_number for i in approved}
    assert numbers == {f"ERP-{str(i)[:8].upper()}" for i in approved}
    inbox = sorted(p.name for p in (tmp_path / "inbox").iterdir())
    assert len(inbox) == 6 and sum(n.endswith(".xml") for n in inbox) == 3  # resource + original UBL each
    import json
    record = json.loads(next((tmp_path / "inbox").glob("*.json")).read_text())
    assert record["invoice"]["status"] == "approved" and record["en16931"]["lines"][0]["net_amount"] == "121.00"
    cursor = (tmp_path / "cursor.txt").read_text()
    assert cursor.isdigit() and int(cursor) >= 7  # 3 x 2 + 1 transitions, plus the 3 bookings it caused

    # nothing new: the cursor stays and nothing is booked twice
    again = run_poller(server, key, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "booked invoice" not in again.stderr

    # a crash between booking and storing the cursor: the events come again, nothing is booked twice
    saved = (tmp_path / "cursor.txt").read_text()
    (tmp_path / "cursor.txt").unlink()
    rerun = run_poller(server, key, tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stderr.count("is booked by now; not booking it") == 3 and "booked invoice" not in rerun.stderr
    assert (tmp_path / "cursor.txt").read_text() == saved
    assert len(list((tmp_path / "inbox").iterdir())) == 6

    # the waiting invoice is approved by a person: the next run books it
    with unit_of_work(engine) as s:
        transition(s, s.get(Invoice, waiting), S.approved, actor="user:anna")
    third = run_poller(server, key, tmp_path)
    assert third.returncode == 0, third.stderr
    assert third.stderr.count("booked invoice") == 1
    with Session(engine) as s:
        assert s.get(Invoice, waiting).status is S.booked
    assert int((tmp_path / "cursor.txt").read_text()) > int(cursor)

