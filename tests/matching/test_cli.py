"""`einvoice matching ...`: policy versions, replay, rematch, corpus export."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = [sys.executable, "-m", "service.cli"]


def run(args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update(env_extra or {})
    return subprocess.run(EINVOICE + args, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('matching-cli') / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0
    return env


def test_policy_set_creates_versions_and_show_prints_the_effective_policy(cli_db):
    before = json.loads(run(["matching", "policy", "show"], cli_db).stdout)["version"]
    r = run(["matching", "policy", "set", "--price-over-pct", "3"], cli_db)
    assert r.returncode == 0, r.stderr
    assert f"version {before + 1}" in r.stdout
    r = run(["matching", "policy", "set", "--total-abs", "0.50"], cli_db)
    assert f"version {before + 2}" in r.stdout
    shown = json.loads(run(["matching", "policy", "show"], cli_db).stdout)
    assert shown["version"] == before + 2
    assert shown["effective"]["price_over_pct"] == "3" and shown["effective"]["total_abs"] == "0.50"


def test_policy_set_refuses_bad_values_in_one_line(cli_db):
    r = run(["matching", "policy", "set", "--receipt-mode", "sometimes"], cli_db)
    assert r.returncode == 2 and r.stderr.startswith("einvoice: error: receipt_mode")
    assert run(["matching", "policy", "set"], cli_db).returncode == 2


def test_replay_of_an_unknown_invoice_fails_readably(cli_db):
    r = run(["matching", "replay", "00000000-0000-0000-0000-000000000000"], cli_db)
    assert r.returncode == 1 and "has no matching decision" in r.stderr


def test_rematch_of_an_order_without_invoices(cli_db):
    r = run(["matching", "rematch", "PO-NOTHING"], cli_db)
    assert r.returncode == 0 and r.stdout.startswith("0 invoice(s)")


def test_corpus_is_written_with_labels(tmp_path):
    r = subprocess.run([sys.executable, "-m", "bench.matching_corpus", str(tmp_path / "c"), "--documents", "40"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    steps = [json.loads(line) for line in (tmp_path / "c" / "steps.jsonl").read_text().splitlines()]
    docs = [s for s in steps if s["kind"] == "document"]
    assert len(docs) >= 40
    assert all((tmp_path / "c" / s["document"]).read_bytes().startswith(b"<?xml") for s in docs)
    assert {"approved", "needs_review", "rejected"} >= {s["expect_status"] for s in docs}
