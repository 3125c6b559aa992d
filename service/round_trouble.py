"""What a background loop (webhook dispatcher, hand-over reminders) says when its rounds fail.

A loop that runs every second must not write a traceback every second while the database is
unmigrated or away: the operator gets one line saying what is wrong and what to do, repeated at
most once per ``every_seconds`` while it lasts, and one line when the rounds work again. Only an
unexpected error (a bug) is logged with its traceback, once per kind and interval as well.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from service.resilience import Trouble, classify

REPEAT_SECONDS = 600.0  # a persisting trouble is said again every 10 minutes


@dataclass(frozen=True)
class Diagnosis:
    kind: str  # "unreachable", "schema", "retry", or "unexpected:<type>: <first line>"
    line: str  # what is wrong and what to do
    expected: bool  # an operator's matter (no traceback), not a bug


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return " ".join(text.splitlines()[0].split())[:300] if text else type(exc).__name__


def _unreachable(exc: BaseException) -> Diagnosis:
    return Diagnosis("unreachable", f"the database cannot be reached ({_first_line(exc)}): check DATABASE_URL "
                                    "and that the database server is up", True)


def diagnose(exc: BaseException, engine: Engine, *, in_force: str | None = None) -> Diagnosis:
    """Why a round failed: the database away, its schema not this version's (asked of the database
    once more), a transaction to try again, or something unexpected. ``in_force``: the trouble of
    the rounds before."""
    trouble = classify(exc)
    if trouble is Trouble.unavailable:
        return _unreachable(exc)
    if trouble is Trouble.retry:
        return Diagnosis("retry", f"the database asked to try again ({_first_line(exc)}): the next round does", True)
    if isinstance(exc, sa_exc.DBAPIError):  # e.g. "no such table": is the schema this version's?
        from service.migrations import schema_problem

        try:
            problem = schema_problem(engine)
        except Exception as second:  # noqa: BLE001 - the database went away meanwhile, or worse
            if classify(second) is Trouble.unavailable:
                return _unreachable(second)
            problem = None
        if problem:
            return Diagnosis("schema", problem, True)
        if in_force == "schema":
            # the round read a schema a migration was still building, which has finished since:
            # the same trouble ending, not a bug (the next round says "resumed")
            return Diagnosis("schema", "the database schema changed while the round ran (a migration): "
                                       "the next round tries again", True)
    return Diagnosis(f"unexpected:{type(exc).__name__}: {_first_line(exc)}", _first_line(exc), False)


class RoundTrouble:
    """Call ``failed(exc)`` when a round raised and ``succeeded()`` when one completed."""

    def __init__(self, what: str, engine: Engine, log: logging.Logger, *, interval_seconds: float,
                 every_seconds: float = REPEAT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what  # "webhook dispatcher"
        self.engine = engine
        self.log = log
        self.interval_seconds = interval_seconds  # how often the loop tries (said in the line)
        self.every_seconds = every_seconds
        self.clock = clock
        self.kind: str | None = None  # the trouble in force
        self.since = 0.0
        self.said_at = 0.0
        self.rounds = 0  # failed rounds since it began

    def failed(self, exc: BaseException) -> None:
        diagnosis = diagnose(exc, self.engine, in_force=self.kind)
        now = self.clock()
        if diagnosis.kind != self.kind:
            self.kind, self.since, self.rounds = diagnosis.kind, now, 0
        elif now - self.said_at < self.every_seconds:
            self.rounds += 1
            return
        self.rounds += 1
        self.said_at = now
        still = (f"; still so after {self.rounds} failed rounds in {_duration(now - self.since)}"
                 if self.rounds > 1 else "")
        line = (f"{self.what} paused: {diagnosis.line} (trying again every {self.interval_seconds:g} s; "
                f"said again every {_duration(self.every_seconds)} while it lasts{still})")
        if diagnosis.expected:
            self.log.warning("%s", line)
        else:
            self.log.error("%s", line, exc_info=exc)

    def succeeded(self) -> None:
        if self.kind is None:
            return
        self.log.warning("%s resumed after %s (%d failed rounds)", self.what, _duration(self.clock() - self.since),
                         self.rounds)
        self.kind = None


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
