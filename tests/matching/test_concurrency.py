"""Concurrent invoices on one order, through several real server processes.

20 invoices, each for 10 of the 100 ordered units, posted at once to three uvicorn processes that
share the test database: exactly 10 are approved and 10 flagged QUANTITY_EXCEEDS_ORDERED. On
PostgreSQL the order row is locked (SELECT ... FOR UPDATE) in the transaction that writes the
decision and the ledger; on SQLite writers are serialised (BEGIN IMMEDIATE). Runs on every
configured backend (PostgreSQL in CI), never skipped.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bench.matching_corpus.documents import Doc, SupplierSpec
from bench.matching_corpus.orders import PoLine
from service.models.matching import LedgerEntry, LedgerState

REPO = Path(__file__).resolve().parents[2]
SERVERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def servers(db_url, artifacts_dir, tmp_path_factory, engine):
    cache = tmp_path_factory.getbasetemp() / "h5-concurrency-cache"
    env = {**os.environ, "DATABASE_URL": db_url, "EINVOICE_ARTIFACTS_DIR": str(artifacts_dir),
           "EINVOICE_VALIDATION_CACHE_DIR": str(cache), "EINVOICE_ENVIRONMENT": "test",
           "EINVOICE_LOG_LEVEL": "WARNING"}
    env.pop("EINVOICE_DATABASE_URL", None)
    procs, urls = [], []
    for _ in range(SERVERS):
        port = _free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.main:build_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 240
        for proc, url in zip(procs, urls):
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited: {proc.stderr.read().decode()[-2000:]}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server at {url} did not become ready")
                time.sleep(0.3)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_twenty_concurrent_invoices_never_consume_more_than_ordered(servers, make_key, engine):
    erp, gateway = make_key("erp"), make_key("gateway")
    supplier = SupplierSpec("S", "Gelijktijdig B.V.", "87654321", "NL123456782B01", "NL91ABNA0417164300")
    r = httpx.post(f"{servers[0]}/v1/suppliers", json=supplier.payload(), headers=erp, timeout=30)
    assert r.status_code == 201, r.text
    admin = make_key("admin")  # a second person verifies the ERP's IBAN
    for pending in r.json()["pending_bank_accounts"]:
        v = httpx.post(f"{servers[0]}/v1/bank-account-changes/{pending['change_id']}/verify", headers=admin,
                       json={"method": "callback"}, timeout=30)
        assert v.status_code == 200, v.text
    line = PoLine("1", "Laptop", Decimal(100), "C62", Decimal("700.00"))
    order = {"number": "PO-RACE-1", "supplier_id": r.json()["id"], "currency": "EUR", "status": "open",
             "buyer_reference": "RACE", "lines": [line.payload()]}
    r = httpx.post(f"{servers[1]}/v1/purchase-orders", json=order, headers=erp, timeout=30)
    assert r.status_code == 201, r.text

    # different issue dates: same seller + amount + date would be a suspected duplicate
    docs = [Doc(f"RACE-{i:02d}", supplier, date(2026, 3, 1) + timedelta(days=i),
                [line.invoice_line("1", Decimal(10))], po="PO-RACE-1").to_xml() for i in range(20)]

    def post(i: int) -> httpx.Response:
        return httpx.post(f"{servers[i % len(servers)]}/v1/invoices", content=docs[i],
                          headers={**gateway, "Content-Type": "application/xml"}, timeout=120)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))

    assert [r.status_code for r in responses] == [201] * 20, [r.text[:300] for r in responses if r.status_code != 201]
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count("approved") == 10
    assert statuses.count("needs_review") == 10
    for r in responses:
        codes = [x["code"] for x in r.json()["reasons"]]
        assert codes == ([] if r.json()["status"] == "approved" else ["QUANTITY_EXCEEDS_ORDERED"])
    with engine.connect() as conn:
        approved = conn.execute(select(func.count()).select_from(LedgerEntry)
                                .where(LedgerEntry.state == LedgerState.approved)).scalar_one()
        total = conn.execute(select(LedgerEntry.quantity).where(LedgerEntry.state == LedgerState.approved)).scalars().all()
    assert approved == 10 and sum(Decimal(q) for q in total) == 100


def test_a_second_decision_on_the_same_order_waits_for_the_first(engine, session):
    """The lock itself: while one transaction holds the order, another cannot read its ledger."""
    import threading

    from sqlmodel import Session

    from service.masterdata import get_order
    from service.models.masterdata import PurchaseOrder, PurchaseOrderVersion, Supplier

    sup = Supplier(name="Slot B.V.")
    session.add(sup)
    session.flush()
    po = PurchaseOrder(number="PO-LOCK-1", supplier_id=sup.id)
    session.add(po)
    session.flush()
    session.add(PurchaseOrderVersion(purchase_order_id=po.id, version=1, supplier_id=sup.id, currency="EUR",
                                     content_sha256="0" * 64))
    session.commit()

    events: list[str] = []
    first = Session(engine)
    first.begin()
    get_order(first, "PO-LOCK-1", for_update=True)

    def second() -> None:
        with Session(engine) as s:
            s.begin()
            get_order(s, "PO-LOCK-1", for_update=True)
            events.append("second locked")
            s.rollback()

    t = threading.Thread(target=second)
    t.start()
    time.sleep(1.5)
    events.append("first commits")
    first.commit()
    first.close()
    t.join(timeout=30)
    assert events == ["first commits", "second locked"]
