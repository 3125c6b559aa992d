"""The background loops of `einvoice serve` (webhook dispatcher, hand-over reminders) on a database
that is not migrated or cannot be reached: one line saying what to do instead of a traceback every
round, said again at most once per interval while it lasts, and a line when the rounds work again.
Tracebacks only for unexpected errors."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event

from service.config import Settings
from service.db import make_engine
from service.erp.dispatcher import Dispatcher
from service.handovers.reminders import ReminderWorker
from service.migrations import upgrade
from service.round_trouble import RoundTrouble


def _settings(url: str, tmp_path: Path, **extra) -> Settings:
    return Settings(database_url=url, environment="test", artifacts_dir=tmp_path / "no-artifacts",
                    validation_cache_dir=tmp_path / "cache", webhook_dispatcher_in_serve=False,
                    reminders_in_serve=False, **extra)


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def _errors_counted(engine) -> list[int]:
    """How many statements failed on ``engine`` (a failed round is at least one)."""
    count = [0]

    @event.listens_for(engine, "handle_error")
    def _count(context) -> None:
        count[0] += 1

    return count


def _lines(caplog, logger: str, thread: threading.Thread) -> list[logging.LogRecord]:
    """The warnings ``thread`` logged: in a full run, background threads of earlier tests' servers
    may still be logging on the same logger."""
    return [r for r in caplog.records
            if r.name == logger and r.levelno >= logging.WARNING and r.thread == thread.ident]


@pytest.mark.parametrize("loop", ["dispatcher", "reminders"])
def test_an_unmigrated_database_is_one_line_then_a_line_when_migrated(loop, tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'einvoice.db'}"
    settings = _settings(url, tmp_path, webhook_poll_interval_seconds=0.01, reminders_interval_seconds=0.01)
    engine = make_engine(url)
    failures = _errors_counted(engine)
    if loop == "dispatcher":
        worker, logger, what = Dispatcher(engine, settings), "einvoice.webhooks", "webhook dispatcher"
    else:
        worker, logger, what = ReminderWorker(engine, settings), "einvoice.reminders", "hand-over reminders"
    stop = threading.Event()
    caplog.set_level(logging.INFO)
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait_for(lambda: failures[0] >= 30, "30 failed rounds")
        [line] = _lines(caplog, logger, thread)
        assert line.levelno == logging.WARNING and line.exc_info is None
        assert line.getMessage().startswith(
            f"{what} paused: the database has no schema yet: run `einvoice migrate` (trying again every 0.01 s")
        upgrade(url)
        _wait_for(lambda: len(_lines(caplog, logger, thread)) == 2, "the line of the recovery")
        resumed = _lines(caplog, logger, thread)[1].getMessage()
        assert resumed.startswith(f"{what} resumed after ") and "failed rounds" in resumed
    finally:
        stop.set()
        thread.join(timeout=10)
        if loop == "dispatcher":
            worker.close()
        engine.dispose()
    assert not thread.is_alive()
    assert not [r for r in caplog.records if r.exc_info and r.thread == thread.ident], \
        "no traceback for an operator's matter"


def test_an_unreachable_database_says_where_to_look(tmp_path, caplog):
    url = "postgresql://postgres@127.0.0.1:9/einvoice"  # the discard port: nothing listens
    settings = _settings(url, tmp_path, reminders_interval_seconds=0.01)
    engine = make_engine(url)
    worker, stop = ReminderWorker(engine, settings), threading.Event()
    caplog.set_level(logging.INFO)
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait_for(lambda: bool(_lines(caplog, "einvoice.reminders", thread)), "the line")
        time.sleep(0.5)  # many more failed rounds (every 0.01 s)
    finally:
        stop.set()
        thread.join(timeout=10)
        engine.dispose()
    [line] = _lines(caplog, "einvoice.reminders", thread)
    assert line.exc_info is None
    assert "hand-over reminders paused: the database cannot be reached (" in line.getMessage()
    assert "check DATABASE_URL and that the database server is up" in line.getMessage()


def _failure_reading(engine, table: str) -> Exception:
    """The error a round gets when it reads ``table`` and the table is missing."""
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            conn.execute(text(f"SELECT * FROM {table}"))
    except Exception as exc:  # noqa: BLE001 - the caller hands it to RoundTrouble
        return exc
    raise AssertionError(f"the table {table} exists")


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_lasting_trouble_is_said_again_once_per_interval_and_a_bug_with_its_traceback(tmp_path, caplog):

    url = f"sqlite:///{tmp_path / 'einvoice.db'}"
    engine = make_engine(url)
    clock, log = _Clock(), logging.getLogger("test.rounds")
    trouble = RoundTrouble("reminders", engine, log, interval_seconds=1, every_seconds=600, clock=clock)
    caplog.set_level(logging.INFO, logger="test.rounds")

    def no_table() -> Exception:
        return _failure_reading(engine, "handovers")

    for _ in range(5):  # five rounds in 5 s: said once
        trouble.failed(no_table())
        clock.now += 1
    assert len(caplog.records) == 1
    clock.now += 600  # ten minutes on: said again, with how long
    trouble.failed(no_table())
    assert len(caplog.records) == 2
    assert caplog.records[1].getMessage().endswith("still so after 6 failed rounds in 10 min)")
    # a bug: its traceback, once per interval too
    for _ in range(3):
        try:
            raise RuntimeError("a bug in the round")
        except RuntimeError as exc:
            trouble.failed(exc)
    bugs = caplog.records[2:]
    assert len(bugs) == 1 and bugs[0].levelno == logging.ERROR and bugs[0].exc_info is not None
    assert "reminders paused: a bug in the round" in bugs[0].getMessage()
    trouble.succeeded()
    trouble.succeeded()  # said once
    assert [r.getMessage() for r in caplog.records[3:]] == ["reminders resumed after 0 s (3 failed rounds)"]
    assert [r.exc_info is None for r in caplog.records[:2]] == [True, True]
    engine.dispose()


def test_a_round_that_read_a_schema_still_being_migrated_is_the_same_trouble_ending(tmp_path, caplog):
    """CI saw it: the dispatcher's round ran while `upgrade()` was half way, failed on a table not
    yet made, and by the time it asked, the schema was complete: that is no bug (no traceback, no
    second 'paused' line), the next round resumes."""

    url = f"sqlite:///{tmp_path / 'einvoice.db'}"
    engine = make_engine(url)
    clock, log = _Clock(), logging.getLogger("test.rounds")
    trouble = RoundTrouble("webhook dispatcher", engine, log, interval_seconds=1, clock=clock)
    caplog.set_level(logging.INFO, logger="test.rounds")

    def failing_round() -> Exception:
        return _failure_reading(engine, "a_table_no_migration_makes")

    trouble.failed(failing_round())  # no schema yet
    upgrade(url)  # the migration finishes between a round's failure and its diagnosis
    trouble.failed(failing_round())
    trouble.succeeded()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and lines[0].startswith("webhook dispatcher paused: the database has no schema yet")
    assert lines[1] == "webhook dispatcher resumed after 0 s (2 failed rounds)"
    assert not [r for r in caplog.records if r.exc_info]
    # without a schema trouble in force the same failure is a bug, with its traceback
    fresh = RoundTrouble("webhook dispatcher", engine, log, interval_seconds=1, clock=clock)
    fresh.failed(failing_round())
    assert caplog.records[-1].levelno == logging.ERROR and caplog.records[-1].exc_info is not None
    engine.dispose()
