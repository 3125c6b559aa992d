"""A real server (uvicorn) on a free port over a migrated temporary SQLite database, and Chromium.

Chromium is Debian's (`/usr/bin/chromium`, installed by .ci/run); Playwright never downloads a
browser. axe-core comes from the npm registry at install time (see AXE_JS below), never committed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = os.environ.get("EINVOICE_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(os.environ.get("EINVOICE_AXE_JS") or REPO / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
PASSWORD = "winter-tulip-ledger-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_db(tmp_path_factory) -> str:
    from service.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('ui-db') / 'ui.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def seeded(server_db):
    """Staff, a supplier with an order and a receipt, and invoices in every state the pages show."""
    from service.db import make_engine
    from service.keys import create_key
    from service.lifecycle import transition
    from service.models.invoices import InvoiceStatus
    from service.models.keys import Role
    from service.models.workspace import Language, StaffRole
    from service.ui.accounts import create_user
    from tests.workspace.factories import make_invoice, not_received, price_variance

    engine = make_engine(server_db)
    today = date.today()
    with Session(engine) as s:
        create_user(s, username="anna", password=PASSWORD, role=StaffRole.reviewer, display_name="Anna de Vries",
                    language=Language.nl)
        _, api_key = create_key(s, role=Role.reviewer, name="ui-test")
        _seed_order(s)
        ids = {}
        ids["late"] = make_invoice(s, number="F2026-0101", seller="Bouwbedrijf De Vries B.V.", due=today - timedelta(days=4),
                                   reasons=[price_variance("1"), not_received("2")], purchase_order="PO-4711", commit=False).id
        ids["second"] = make_invoice(s, number="F2026-0102", seller="Groenvoorziening Jansen", due=today + timedelta(days=3),
                                     reasons=[{"code": "BANK_ACCOUNT_UNVERIFIED", "line_id": None, "expected": "NL91ABNA0417164300",
                                               "actual": "NL20INGB0001234567", "message": "IBAN unknown"}],
                                     purchase_order="PO-4711", commit=False).id
        ids["third"] = make_invoice(s, number="F2026-0103", seller="Kantoorartikelen Noord", due=today + timedelta(days=9),
                                    reasons=[{"code": "QUANTITY_EXCEEDS_ORDERED", "line_id": "2", "expected": "2",
                                              "actual": "3", "tolerance": "0", "message": "3 invoiced, 2 ordered"}],
                                    purchase_order="PO-4711", commit=False).id
        ids["fourth"] = make_invoice(s, number="F2026-0104", seller="Schoonmaak Zuid", due=today + timedelta(days=20),
                                     commit=False).id
        for i in range(6):
            make_invoice(s, number=f"AUTO-{i}", seller="Drukkerij Oost", reasons=[], status=InvoiceStatus.approved,
                         amount=Decimal("120.00") + i, commit=False)
        make_invoice(s, number="BAD-1", seller="Kantoorartikelen Noord", status=InvoiceStatus.rejected,
                     reasons=[{"code": "RULE_VIOLATION", "rule_id": "BR-CO-15", "message": "totals"}], commit=False)
        make_invoice(s, number="BAD-2", seller="Kantoorartikelen Noord", status=InvoiceStatus.rejected,
                     reasons=[{"code": "RULE_VIOLATION", "rule_id": "PEPPOL-EN16931-R001", "message": "x"}], commit=False)
        _seed_history(s)
        done = make_invoice(s, number="DONE-1", seller="Drukkerij Oost", reasons=[], status=InvoiceStatus.approved, commit=False)
        transition(s, done, InvoiceStatus.booked, actor="key:erp")
        transition(s, done, InvoiceStatus.paid, actor="key:erp")
        s.commit()
    engine.dispose()
    return {"ids": ids, "api_key": api_key}


def _seed_history(s: Session) -> None:
    """Ten weeks of decided invoices (deterministic), so every dashboard chart has a shape."""
    import random

    from service.lifecycle import transition
    from service.models.invoices import InvoiceStatus as S
    from tests.workspace.factories import backdate, make_invoice

    rng = random.Random(42)
    codes = ["PRICE_VARIANCE", "NOT_RECEIVED", "QUANTITY_EXCEEDS_ORDERED", "BANK_ACCOUNT_UNVERIFIED", "PO_NOT_FOUND",
             "TOTAL_VARIANCE"]
    sellers = ["Bouwbedrijf De Vries B.V.", "Groenvoorziening Jansen", "Kantoorartikelen Noord", "Schoonmaak Zuid",
               "Drukkerij Oost", "ICT Diensten West"]
    for i in range(90):
        age = rng.uniform(1, 70)
        seller = rng.choice(sellers)
        if rng.random() < 0.25 + 0.05 * (70 - age) / 10:  # the automation gets better over the weeks
            inv = make_invoice(s, number=f"H-{i}", seller=seller, reasons=[], status=S.approved, commit=False)
            steps = [0]
        else:
            reasons = [{"code": c, "line_id": "1", "expected": "1", "actual": "2"}
                       for c in rng.sample(codes, rng.choice([1, 1, 2]))]
            inv = make_invoice(s, number=f"H-{i}", seller=seller, reasons=reasons, commit=False)
            decide_after = min(age - 0.5, rng.choice([1, 2, 3, 4, 6, 8, 12, 18, 25]))
            transition(s, inv, S.approved if rng.random() < 0.8 else S.rejected, actor="user:seed",
                       reason_codes=[], comment="seed")
            steps = [0, decide_after]
        if inv.status is S.approved and age > 20 and rng.random() < 0.8:
            transition(s, inv, S.booked, actor="key:erp")
            transition(s, inv, S.paid, actor="key:erp")
            steps += [steps[-1] + 1, steps[-1] + rng.choice([10, 15, 20, 28, 35])]
        backdate(s, inv, age, steps)
    for i, rule in enumerate(["BR-CO-15", "BR-CO-15", "BR-CO-15", "PEPPOL-EN16931-R001", "BR-NL-1", "BR-NL-1"]):
        bad = make_invoice(s, number=f"R-{i}", seller=rng.choice(sellers), status=S.rejected,
                           reasons=[{"code": "RULE_VIOLATION", "rule_id": rule}], commit=False)
        backdate(s, bad, rng.uniform(1, 60), [0])


def _seed_order(s: Session) -> None:
    import hashlib

    from service.models.masterdata import (
        GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine, PurchaseOrderVersion, Supplier,
    )

    sup = Supplier(name="Bouwbedrijf De Vries B.V.")
    s.add(sup)
    s.flush()
    po = PurchaseOrder(number="PO-4711", supplier_id=sup.id)
    s.add(po)
    s.flush()
    ver = PurchaseOrderVersion(purchase_order_id=po.id, version=1, supplier_id=sup.id, currency="EUR",
                               content_sha256=hashlib.sha256(b"po").hexdigest())
    s.add(ver)
    s.flush()
    s.add(PurchaseOrderLine(version_id=ver.id, line_id="1", item_name="Inhuur ontwerper", quantity=Decimal("10"),
                            unit_code="DAY", unit_price=Decimal("400"), vat_category="S", vat_rate=Decimal("21")))
    s.add(PurchaseOrderLine(version_id=ver.id, position=1, line_id="2", item_name="Projectleiding", quantity=Decimal("2"),
                            unit_code="DAY", unit_price=Decimal("500"), vat_category="S", vat_rate=Decimal("21"),
                            receipt_required=True))
    gr = GoodsReceipt(receipt_id="GR-1", purchase_order_id=po.id, po_number="PO-4711", receipt_date=date.today(),
                      content_sha256=hashlib.sha256(b"gr").hexdigest())
    s.add(gr)
    s.flush()
    s.add(GoodsReceiptLine(goods_receipt_id=gr.id, purchase_order_id=po.id, po_line_id="1", quantity=Decimal("7")))
    s.flush()


@pytest.fixture(scope="module")
def server(server_db, seeded, artifacts_dir, tmp_path_factory):
    """`uvicorn service.main:build_app` in its own process; yields the base URL."""
    with app_server(server_db, tmp_path_factory, {"EINVOICE_ARTIFACTS_DIR": str(artifacts_dir)}) as base:
        yield base


@contextmanager
def app_server(db_url: str, tmp_path_factory, extra_env: dict[str, str], port: int | None = None,
               start_timeout: float = 180) -> Iterator[str]:
    """The service in its own uvicorn process over ``db_url``; yields its base URL, stops it after."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update({
        "DATABASE_URL": db_url,
        "EINVOICE_ENVIRONMENT": "test",
        "EINVOICE_SECRET_KEY": "ui-test-secret-key-0123456789abcdef",
        "EINVOICE_ARTIFACTS_DIR": str(tmp_path_factory.mktemp("no-artifacts")),
        "EINVOICE_VALIDATION_CACHE_DIR": str(tmp_path_factory.mktemp("ui-cache")),
        "EINVOICE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "EINVOICE_LOG_LEVEL": "WARNING",
        **extra_env,
    })
    log = (tmp_path_factory.mktemp("ui-server") / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.main:build_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(proc, f"{base}/healthz", log.name, timeout=start_timeout)
        yield base
    finally:
        stop(proc)
        log.close()


def wait_until_answering(proc: subprocess.Popen, url: str, log_name: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{url}: the process exited with {proc.returncode}; see {log_name}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop(proc)
            pytest.fail(f"{url} did not answer within {timeout:.0f} s; see {log_name}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (CI's .ci/run does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core not found at {AXE_JS}: run "
                    "`npm install --no-save --no-audit --no-fund --prefix build/axe axe-core@4.14.1` "
                    "(or set EINVOICE_AXE_JS)")
    return AXE_JS.read_text(encoding="utf-8")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    # the first screen only: small enough for the README (docs/screenshots/ holds copies)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))
    return path
