"""The `einvoice` command line: keys, migrate, one readable error line on bad configuration."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = [sys.executable, "-m", "service.cli"]


def run(args, env_extra=None, cwd=None, input_text=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update(env_extra or {})
    return subprocess.run(EINVOICE + args, capture_output=True, text=True, env=env, cwd=cwd,
                          input=input_text, timeout=120)


@pytest.fixture
def cli_db(tmp_path) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    r = run(["migrate"], env)
    assert r.returncode == 0, r.stderr
    return env


def test_keys_create_prints_only_the_key_on_stdout(cli_db):
    r = run(["keys", "create", "--role", "erp", "--name", "SAP"], cli_db)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ei_")
    listed = run(["keys", "list", "--json"], cli_db)
    assert lines[0] not in listed.stdout
    assert '"role": "erp"' in listed.stdout


def test_keys_revoke_by_prefix(cli_db):
    key = run(["keys", "create", "--role", "admin"], cli_db).stdout.strip()
    prefix = key.split("_")[1]
    assert run(["keys", "revoke", prefix], cli_db).returncode == 0
    assert '"revoked_at": null' not in run(["keys", "list", "--json"], cli_db).stdout


def test_supplier_key_needs_a_supplier(cli_db):
    r = run(["keys", "create", "--role", "supplier"], cli_db)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == ["einvoice: error: a supplier key needs --supplier ID"]


def test_unreachable_database_is_one_clear_line(tmp_path):
    r = run(["migrate"], {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"})
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("einvoice: error: database unreachable (postgresql://nobody@127.0.0.1:1/nothing)")
    assert "Traceback" not in r.stderr


def test_unsafe_production_settings_are_refused(tmp_path):
    r = run(["keys", "list"], {"EINVOICE_ENVIRONMENT": "production",
                               "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    assert r.returncode == 2
    assert "EINVOICE_SECRET_KEY" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_serve_refuses_an_unmigrated_database(tmp_path):
    r = run(["serve", "--port", "1"], {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    assert r.returncode == 2
    assert "run `einvoice migrate`" in r.stderr and "Traceback" not in r.stderr


def test_help_lists_the_core_commands():
    r = run(["--help"])
    assert r.returncode == 0
    for cmd in ("serve", "migrate", "keys"):
        assert cmd in r.stdout
