"""Every bad setting or state is one readable line on stderr and a non-zero exit, never a traceback.

Each case runs the real console script in a subprocess, as an operator would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from sqlalchemy import text

from service.cli import app
from service.db import make_engine
from service.migrations import upgrade

pytestmark = pytest.mark.process  # runs the command line or tools as processes (tests/lanes.py)

EINVOICE = str(Path(sys.executable).with_name("einvoice"))
MIRROR = Path(__file__).resolve().parents[1].parent.parent / "shared" / "artifacts"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'einvoice.db'}",
                "EINVOICE_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
                "EINVOICE_ARTIFACTS_MIRROR": os.environ.get("EINVOICE_ARTIFACTS_MIRROR", str(MIRROR)),
                "EINVOICE_VALIDATION_CACHE_DIR": str(tmp_path / "cache")})
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([EINVOICE, *args], env=env, cwd=env.get("_CWD"), capture_output=True,
                          text=True, input=stdin, timeout=120)


def assert_one_line(result: subprocess.CompletedProcess, *, code: int, starts: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(starts), lines[0]
    return lines[0]


# --- bad settings ------------------------------------------------------------------------------

BAD_SETTINGS = [
    # (environment, the line starts with, it must mention)
    ({"EINVOICE_ACCEPTED_SCENARIOS": "peppol-bis-billing-3,nlcius"},
     "einvoice: error: bad configuration: EINVOICE_ACCEPTED_SCENARIOS: must be a JSON list", '["'),
    ({"EINVOICE_ACCEPTED_SCENARIOS": '{"a": 1}'},
     "einvoice: error: bad configuration: EINVOICE_ACCEPTED_SCENARIOS: must be a JSON list", "such as"),
    ({"EINVOICE_OIDC_GROUP_ROLES": "fin-admins=admin"},
     "einvoice: error: bad configuration: EINVOICE_OIDC_GROUP_ROLES: must be a JSON object", "reviewer"),
    ({"EINVOICE_LOG_LEVEL": "LOUD"},
     "einvoice: error: bad configuration: EINVOICE_LOG_LEVEL: unknown log level 'LOUD'", "DEBUG, INFO"),
    ({"DATABASE_URL": "data/einvoice.db"},
     "einvoice: error: bad configuration: DATABASE_URL: not a database URL", "sqlite:///PATH"),
    ({"DATABASE_URL": "postgresql://einvoice:s3cret@db:port/einvoice"},
     "einvoice: error: bad configuration: DATABASE_URL: malformed PostgreSQL URL", "postgresql://USER"),
    ({"DATABASE_URL": "mysql://einvoice:s3cret@db/einvoice"},
     "einvoice: error: bad configuration: DATABASE_URL: unsupported database 'mysql'", "SQLite or PostgreSQL"),
    ({"DATABASE_URL": "postgresql+asyncpg://einvoice:s3cret@db/einvoice"},
     "einvoice: error: bad configuration: DATABASE_URL: database driver 'asyncpg' is not installed", "psycopg"),
    ({"EINVOICE_PORT": "70000"},
     "einvoice: error: bad configuration: EINVOICE_PORT: Input should be less than or equal to 65535", "70000"),
    ({"EINVOICE_PORT": "0"},
     "einvoice: error: bad configuration: EINVOICE_PORT: Input should be greater than or equal to 1", "'0'"),
    ({"EINVOICE_PORT": "http"},
     "einvoice: error: bad configuration: EINVOICE_PORT: Input should be a valid integer", "'http'"),
    ({"EINVOICE_WORKERS": "0"},
     "einvoice: error: bad configuration: EINVOICE_WORKERS: Input should be greater than or equal to 1", "'0'"),
    ({"EINVOICE_PUBLIC_BASE_URL": "einvoice.example.nl"},
     "einvoice: error: bad configuration: EINVOICE_PUBLIC_BASE_URL: must be an absolute http", "https://"),
]


@pytest.mark.parametrize(("settings", "starts", "mentions"), BAD_SETTINGS,
                         ids=[next(iter(case[0].items()))[0] + "=" + next(iter(case[0].items()))[1]
                              for case in BAD_SETTINGS])
def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path, settings, starts, mentions):
    line = assert_one_line(run(["serve"], _env(tmp_path, **settings)), code=2, starts=starts)
    assert mentions in line
    assert "s3cret" not in line  # a database URL's password is never repeated


def test_every_bad_setting_is_named_in_the_one_line_of_any_command(tmp_path):
    # Every command reads the settings through the same function; one other command proves it.
    result = run(["keys", "list"], _env(tmp_path, EINVOICE_LOG_LEVEL="loud", EINVOICE_PORT="-1"))
    line = assert_one_line(result, code=2, starts="einvoice: error: bad configuration: ")
    assert "EINVOICE_LOG_LEVEL" in line and "EINVOICE_PORT" in line


def test_the_log_level_is_case_insensitive(tmp_path):
    env = _env(tmp_path, EINVOICE_LOG_LEVEL="warning")
    assert run(["migrate"], env).returncode == 0


@pytest.mark.parametrize(("option", "value"), [("--port", "70000"), ("--port", "0"), ("--workers", "0")])
def test_serve_refuses_an_out_of_range_option(tmp_path, option, value):
    result = run(["serve", option, value], _env(tmp_path))
    assert_one_line(result, code=2, starts=f"einvoice: error: {option} must be")


def test_a_database_folder_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    env = _env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'a-file' / 'data' / 'einvoice.db'}")
    assert_one_line(run(["migrate"], env), code=2, starts="einvoice: error: cannot use the database folder")


# --- the database's schema ---------------------------------------------------------------------

NO_DATABASE = {("migrate",), ("validate",), ("artifacts", "install"), ("artifacts", "status"),
               ("matching", "corpus")}


def _database_commands(tmp_path: Path) -> dict[tuple[str, ...], list[str]]:
    """One invocation of every command that uses the database (arguments it needs, nothing more)."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    invoice = "00000000-0000-0000-0000-000000000001"
    return {
        ("serve",): [], ("worker",): ["--once"], ("demo",): [],
        ("keys", "create"): ["--role", "admin"], ("keys", "list"): [], ("keys", "revoke"): ["ei_x"],
        ("import", "suppliers"): [str(empty)], ("import", "purchase-orders"): [str(empty)],
        ("import", "goods-receipts"): [str(empty)],
        ("matching", "policy", "show"): [], ("matching", "policy", "set"): ["--price-over-pct", "3"],
        ("matching", "replay"): [invoice], ("matching", "rematch"): ["2026/INK/0001"],
        ("webhooks", "list"): [], ("webhooks", "add"): ["https://erp.example.nl/hook"],
        ("webhooks", "replay"): [invoice],
        ("users", "create"): ["anna", "--password-stdin"], ("users", "list"): [], ("users", "unlock"): ["anna"],
        ("organisations", "create"): ["Gemeente Noord"], ("organisations", "list"): [],
        ("organisations", "set"): [invoice],
        ("rights", "set"): ["--user", "anna", "--right", "review"],
        ("reminders", "send"): [],
    }


def _leaf_commands(command, path=()):
    subs = getattr(command, "commands", None)
    if not subs:
        yield path
    for name, sub in (subs or {}).items():
        yield from _leaf_commands(sub, (*path, name))


def _run_all(commands: dict[tuple[str, ...], list[str]], env) -> dict[tuple[str, ...], subprocess.CompletedProcess]:
    # Started together: each is a fresh interpreter that spends about a second on imports.
    running = {path: subprocess.Popen([EINVOICE, *path, *args], env=env, text=True, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for path, args in commands.items()}
    results = {}
    for path, proc in running.items():
        out, err = proc.communicate("a-long-enough-password\n", timeout=180)
        results[path] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def test_the_table_below_covers_every_command_that_uses_the_database(tmp_path):
    leaves = set(_leaf_commands(typer.main.get_command(app)))
    assert leaves - NO_DATABASE == set(_database_commands(tmp_path)), (
        "a command was added or removed: list it in _database_commands or NO_DATABASE")


def test_every_database_command_refuses_an_unmigrated_database(tmp_path):
    results = _run_all(_database_commands(tmp_path), _env(tmp_path))
    wrong = {}
    for path, result in results.items():
        try:
            assert_one_line(result, code=2,
                            starts="einvoice: error: the database has no schema yet: run `einvoice migrate`")
            assert not result.stdout
        except AssertionError as exc:
            wrong[" ".join(path)] = str(exc)[:300]
    assert not wrong, wrong


def test_a_schema_behind_this_version_says_to_migrate(tmp_path):
    env = _env(tmp_path)
    upgrade(env["DATABASE_URL"], "0001_foundation")
    for command in (["keys", "list"], ["serve"]):
        line = assert_one_line(run(command, env), code=2, starts="einvoice: error: the database schema is at "
                               "0001_foundation, this version needs ")
        assert line.endswith("run `einvoice migrate`")
    assert run(["migrate"], env).returncode == 0
    assert run(["keys", "list"], env).returncode == 0


def test_a_schema_from_a_newer_version_is_refused(tmp_path):
    env = _env(tmp_path)
    assert run(["migrate"], env).returncode == 0
    engine = make_engine(env["DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    line = assert_one_line(run(["keys", "list"], env), code=2,
                           starts="einvoice: error: the database schema is at 0099_from_the_future, "
                           "which this version does not know")
    assert "restore a backup" in line
