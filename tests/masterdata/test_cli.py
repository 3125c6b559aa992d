"""`einvoice import suppliers|purchase-orders FILE.jsonl`: bad lines by number, a summary, the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from service.db import make_engine
from service.models.masterdata import PurchaseOrder, PurchaseOrderVersion, Supplier
from tests.masterdata.conftest import order_body, supplier_body

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = [sys.executable, "-m", "service.cli"]


def run(args, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update(env_extra)
    return subprocess.run(EINVOICE + args, capture_output=True, text=True, env=env, timeout=180)


@pytest.fixture
def cli_env(tmp_path, artifacts_dir) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "EINVOICE_ARTIFACTS_DIR": str(artifacts_dir)}
    assert run(["migrate"], env).returncode == 0
    return env


def _write(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_import_suppliers_then_orders(cli_env, tmp_path):
    suppliers = _write(tmp_path / "suppliers.jsonl", [
        supplier_body(),
        {"name": "Second BV", "identifiers": [{"scheme": "0106", "value": "87654321"}]},
        {"name": "Broken", "identifiers": [{"scheme": "0106", "value": "123"}]},
        "{not json",
    ])
    ids_file = tmp_path / "ids.csv"
    r = run(["import", "suppliers", str(suppliers), "--ids-out", str(ids_file)], cli_env)
    assert r.returncode == 1, r.stderr
    assert "suppliers: 4 records" in r.stdout and "2 created" in r.stdout and "2 invalid" in r.stdout
    problems = r.stderr.strip().splitlines()
    assert problems[0].startswith("line 3: identifiers.0: 0106: a KvK number has exactly 8 digits")
    assert problems[1].startswith("line 4: not valid JSON")
    rows = ids_file.read_text().splitlines()
    assert rows[0] == "line,supplier_id" and [row.split(",")[0] for row in rows[1:]] == ["1", "2"]
    first_id = rows[1].split(",")[1]

    # the same file again: found by electronic address / identifier, unchanged
    again = run(["import", "suppliers", str(suppliers)], cli_env)
    assert "2 unchanged" in again.stdout

    changed = order_body(first_id, number="PO-2")
    changed["lines"][0]["quantity"] = "7"
    orders = _write(tmp_path / "orders.jsonl", [
        order_body(first_id, number="PO-1"),
        order_body(first_id, number="PO-2"),
        order_body(first_id, number="PO-3", currency="XXXX"),
        "",
        changed,
        "[",
    ])
    r = run(["import", "purchase-orders", str(orders)], cli_env)
    assert r.returncode == 1
    assert "purchase orders: 5 records" in r.stdout
    assert "2 created, 1 updated, 0 unchanged, 2 invalid" in r.stdout
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("line 3: PO-3: currency: String should have at most 3 characters")
    assert lines[1].startswith("line 6: not valid JSON")

    receipts = _write(tmp_path / "receipts.jsonl", [
        {"receipt_id": "GR-1", "po_number": "PO-1", "date": "2026-11-20", "lines": [{"po_line_id": "1", "quantity": "10"}]},
        {"receipt_id": "GR-2", "po_number": "PO-9", "date": "2026-11-20", "lines": [{"po_line_id": "1", "quantity": "1"}]},
        {"receipt_id": "GR-1", "po_number": "PO-1", "date": "2026-11-20", "lines": [{"po_line_id": "1", "quantity": "10"}]},
    ])
    r = run(["import", "goods-receipts", str(receipts)], cli_env)
    assert r.returncode == 1
    assert "goods receipts: 3 records" in r.stdout and "1 created, 0 updated, 1 unchanged, 1 invalid" in r.stdout
    assert r.stderr.strip().splitlines() == ["line 2: po_number: no purchase order PO-9"]

    engine = make_engine(cli_env["DATABASE_URL"])
    with Session(engine) as s:
        assert sorted(o.number for o in s.exec(select(PurchaseOrder)).all()) == ["PO-1", "PO-2"]
        assert len(s.exec(select(PurchaseOrderVersion)).all()) == 3
        assert len(s.exec(select(Supplier)).all()) == 2
    engine.dispose()


def test_import_of_a_clean_file_exits_0(cli_env, tmp_path):
    r = run(["import", "suppliers", str(_write(tmp_path / "s.jsonl", [supplier_body()]))], cli_env)
    assert r.returncode == 0, r.stderr
    assert "1 created" in r.stdout


def test_imported_bank_accounts_are_proposals_unless_the_initial_migration_says_verified(cli_env, tmp_path):
    from service.models.approvals import BankAccountChange
    from service.models.masterdata import SupplierBankAccount
    from tests.masterdata.conftest import IBAN

    file = _write(tmp_path / "s.jsonl", [supplier_body()])
    assert run(["import", "suppliers", str(file)], cli_env).returncode == 0
    engine = make_engine(cli_env["DATABASE_URL"])
    with Session(engine) as s:
        assert s.exec(select(SupplierBankAccount)).all() == []
        assert [(c.iban, c.action.value, c.status.value, c.proposed_by) for c in s.exec(select(BankAccountChange))] \
            == [(IBAN, "add", "proposed", "cli:import")]
    migrated = _write(tmp_path / "m.jsonl", [supplier_body(name="Tweede BV", identifiers=[],
                                                           electronic_address={"scheme": "0106", "value": "87654321"},
                                                           bank_accounts=[{"iban": "DE89370400440532013000"}])])
    assert run(["import", "suppliers", str(migrated), "--bank-accounts-verified"], cli_env).returncode == 0
    with Session(engine) as s:
        assert [a.iban for a in s.exec(select(SupplierBankAccount))] == ["DE89370400440532013000"]
        assert len(s.exec(select(BankAccountChange)).all()) == 1  # no proposal for the migrated account
    engine.dispose()


def test_missing_file_is_one_line_and_exit_2(cli_env, tmp_path):
    r = run(["import", "purchase-orders", str(tmp_path / "nope.jsonl")], cli_env)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"einvoice: error: {tmp_path / 'nope.jsonl'}: no such file"]


def test_missing_code_lists_is_one_line_and_exit_2(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "EINVOICE_ARTIFACTS_DIR": str(tmp_path / "none")}
    # a migrated database: the import then gets as far as the code lists it needs
    assert run(["migrate"], env).returncode == 0
    r = run(["import", "purchase-orders", str(_write(tmp_path / "o.jsonl", [{}]))], env)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "einvoice artifacts install" in r.stderr
