"""Database engine and the per-request unit of work.

One session per request, committed once by ``get_session`` after the handler returns and rolled
back if it raises: services ``flush()``, they never ``commit()``. That keeps an invoice's status,
its audit event, its ledger update and its outbox entry in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import CursorResult, Dialect, Engine, make_url
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.base import Executable
from sqlmodel import Session, create_engine

from service import jsontext


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # JSON columns in orjson's text (service/jsontext.py); read back by the standard library
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=jsontext.dumps)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Every process of the service connects under one application_name (the operator's, when the
    # URL sets one): commit_horizon() looks at the transactions of this application only.
    connect_args = {} if "application_name" in parsed.query else {"application_name": APPLICATION_NAME}
    # JSON columns in orjson's text, as on SQLite; psycopg takes the encoder's bytes as they are
    engine = create_engine(url, pool_size=10, max_overflow=10, connect_args=connect_args,
                           json_serializer=jsontext.dumps_bytes)
    event.listen(engine.pool, "connect", _fresh)
    event.listen(engine.pool, "checkin", _idle_from_now)
    event.listen(engine.pool, "checkout", _ping_after_idle)
    return engine


APPLICATION_NAME = "einvoice"

# Pooled PostgreSQL connections are checked (SELECT 1) before use only when they lay idle this long.
# pool_pre_ping checked every one, a round trip of each request (~0.1 ms of the worker's CPU and
# some of the database's); under load a connection comes back within milliseconds. A connection
# that died within the last second passes unchecked: its request fails with a disconnect, which
# invalidates every pooled connection (SQLAlchemy), and is a 503 with Retry-After (resilience.py),
# as the requests running when the database went away are; the next request connects afresh.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "einvoice.idle_since"


def _fresh(_dbapi_connection, record) -> None:
    record.info[_IDLE_SINCE] = None  # just connected: nothing to check


def _idle_from_now(_dbapi_connection, record) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _ping_after_idle(dbapi_connection, record, _proxy) -> None:
    since = record.info.get(_IDLE_SINCE)
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as exc:  # the pool invalidates every connection as old as this one and reconnects
        raise sa_exc.InvalidatePoolError(f"pooled connection failed its check: {exc}") from exc

# The start of the oldest transaction of this application still running in this database (other
# than ours), or the current time when there is none.
_HORIZON = text(
    """
    SELECT least(statement_timestamp(), min(xact_start)) FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = current_setting('application_name')
      AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
    """
)


def commit_horizon(session: Session) -> datetime | None:
    """A time before which every row this application wrote is committed; None when there is no limit.

    A list ordered by ``created_at``/``updated_at`` must not show a row while a transaction that will
    commit a row with an earlier time is still running, or a poller's cursor passes that row before
    it becomes visible (a gap). Rows take their times inside their transaction, after it started,
    so hiding rows from the oldest running transaction's start onwards closes the gap. PostgreSQL
    only: SQLite runs one writer at a time and the writer takes its times inside the write lock.
    The row times come from the service's clock and the horizon from the database's, so the two
    must agree (NTP), as they do when both run on one host.
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.execute(_HORIZON).scalar()


def _sqlite_begin(conn) -> None:
    # pysqlite's own transaction handling is switched off (see _sqlite_pragmas); we emit BEGIN.
    # Writing transactions use BEGIN IMMEDIATE: they take the write lock before their first read,
    # so two invoices can never read the same ledger state and both consume it, and a transaction
    # never fails half-way on a read-to-write lock upgrade. Read-only requests begin DEFERRED and,
    # under WAL, never block writers.
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def reading(engine: Engine) -> Engine:
    """The same engine for read-only work (no write lock taken on SQLite)."""
    return engine.execution_options(sqlite_begin="DEFERRED")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # isolation_level=None hands transaction control to SQLAlchemy's "begin" event above.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: commit once on success, roll back on any error."""
    engine = request.app.state.engine
    if request.method in ("GET", "HEAD", "OPTIONS"):
        engine = reading(engine)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": commit BEFORE the response is sent, so a failed commit is an error response,
# never a 201 for data that was rolled back.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """The same unit of work outside a request (CLI, workers, background jobs)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


_AFTER_COMMIT = "einvoice.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction has committed; never if it rolls back.

    For work that must not happen inside the transaction, such as forgetting a process-local cache
    (another request could fill it again from the old data before the commit). A callback given
    twice in one transaction runs once.
    """
    callbacks = session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


# Listened to on the Session class, once: listening on each session that asks (twice per request
# with a status change) cost ~30 us of CPU per session (SQLAlchemy copies the class's dispatch for
# the instance); the class's listener does nothing for a session without callbacks.
@event.listens_for(OrmSession, "after_commit")
def _run_after_commit(session: OrmSession) -> None:
    callbacks = session.info.get(_AFTER_COMMIT)
    if not callbacks:
        return
    due, callbacks[:] = list(callbacks), []
    for callback in due:
        callback()


@event.listens_for(OrmSession, "after_rollback")
def _drop_after_commit(session: OrmSession) -> None:
    callbacks = session.info.get(_AFTER_COMMIT)
    if callbacks:
        callbacks.clear()


class Prepared:
    """A statement whose SQL never changes (a new invoice's INSERTs), compiled once per dialect and
    sent with ``exec_driver_sql`` on the session's connection, in its transaction.

    ``session.execute`` spends ~30 us per statement on SQLAlchemy's machinery (ORM execute, the
    compiled cache's look-up, ``construct_params``, the execution context) before the driver sees
    it. Here the SQL text and each parameter's bind processor (the columns' types: UUIDs, UTC
    times, JSON text, enums, Decimals) come from SQLAlchemy's own compilation, once, so the driver
    receives the same values; the engine's events (statement counts) and error wrapping stay.

    The statement's columns are those of the first call's parameters (like ``insert(table)``
    compiled for its parameters); every later call gives the same keys. Statements that need
    SQLAlchemy at execution (Python-side defaults of columns not given, expanding ``IN``) are
    refused when compiled.
    """

    __slots__ = ("_forms", "_statement")

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        # per engine's dialect, as SQLAlchemy's compiled cache: the bind processors carry the
        # engine's own settings (its JSON serializer)
        self._forms: WeakKeyDictionary[Dialect, _DriverForm] = WeakKeyDictionary()

    def execute(self, session: Session, params: Mapping[str, Any]) -> CursorResult[Any]:
        connection = session.connection()
        form = self._forms.get(connection.dialect)
        if form is None:
            form = self._forms[connection.dialect] = _DriverForm.compile(self._statement, connection.dialect, params)
        return connection.exec_driver_sql(form.sql, form.parameters(params))


@dataclass(frozen=True, slots=True)
class _DriverForm:
    """A statement as one dialect's driver takes it: its SQL and how to turn parameters into the
    driver's (in order for a positional paramstyle, by name otherwise)."""

    sql: str
    # each bind: its name, its type's bind processor (None: the value as it is), and its value when
    # the statement holds it (a literal: ``coalesce(max(position), 0) + 1``) rather than the caller
    binds: tuple[tuple[str, Callable[[Any], Any] | None, bool, Any], ...]
    given: int  # how many names the caller gives
    positional: bool

    @classmethod
    def compile(cls, statement: Executable, dialect: Dialect, params: Mapping[str, Any]) -> _DriverForm:
        compiled = statement.compile(dialect=dialect, column_keys=list(params))
        if compiled.insert_prefetch or compiled.update_prefetch or compiled.post_compile_params \
                or compiled.literal_execute_params or compiled.escaped_bind_names:
            raise ValueError(f"not a constant statement for its driver: {compiled.string[:120]}")
        names = compiled.positiontup if compiled.positional else list(compiled.bind_names.values())
        if unknown := set(params) - set(names):
            raise ValueError(f"parameters the statement does not take: {sorted(unknown)}")
        processors = compiled._bind_processors
        binds = tuple((name, processors.get(name), name in params,
                       None if name in params else compiled.binds[name].effective_value) for name in names)
        return cls(compiled.string, binds, len(params), compiled.positional)

    def parameters(self, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters: each value through its processor, as SQLAlchemy's execution
        context does (None too: a JSON column's None is the text ``null``)."""
        if len(params) != self.given:
            raise ValueError(f"{sorted(params)}: not the parameters the statement was compiled for")
        values = []
        for name, process, taken, fixed in self.binds:
            value = params[name] if taken else fixed
            values.append(value if process is None else process(value))
        if self.positional:
            return tuple(values)
        return dict(zip([bind[0] for bind in self.binds], values, strict=True))
