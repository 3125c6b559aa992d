"""Database trouble answered as a client can act on it, never as a 500.

- PostgreSQL aborts a transaction with a serialisation failure (40001) or a deadlock (40P01)
  when it asks the client to try again: the request is run again here, from the start, with
  its body as received (a request is one unit of work: nothing of the failed attempt is kept).
- The database cannot be reached (connection refused or lost, server shutting down, too many
  connections, pool exhausted, SQLite busy): a 503 problem with ``Retry-After``. Nothing needs a
  restart when it is back: a disconnect invalidates every pooled connection, and a connection
  that lay idle is checked before use (``service.db.PING_AFTER_IDLE_SECONDS``).

An ASGI middleware inside the request-context one, so one request id and one access-log line
cover all attempts; a response that has started is never retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from enum import Enum
from typing import Any

from sqlalchemy import exc as sa_exc

from service.errors import PROBLEM_MEDIA_TYPE, NotReady

__all__ = ["DatabaseTroubleMiddleware", "DatabaseUnavailable", "Trouble", "classify"]

log = logging.getLogger("einvoice.db")

RETRY_SQLSTATES = {"40001": "serialisation failure", "40P01": "deadlock"}
# 08: connection exception; 57: operator intervention (admin shutdown, cannot connect now);
# 53: insufficient resources (too many connections)
UNAVAILABLE_CLASSES = ("08", "57", "53")
ATTEMPTS = 5
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(NotReady):
    slug, title = "database-unavailable", "The database is unavailable; try again later"


class Trouble(Enum):
    retry = "retry"
    unavailable = "unavailable"


def classify(exc: BaseException) -> Trouble | None:
    """What a database error means to the client; None for anything else (a bug: 500)."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection became free in time
        return Trouble.unavailable
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    state = getattr(exc.orig, "sqlstate", None)
    if state in RETRY_SQLSTATES:
        return Trouble.retry
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
        return Trouble.unavailable
    if not isinstance(exc, sa_exc.OperationalError):
        return None
    if type(exc.orig).__module__.startswith("sqlite3"):
        text = str(exc.orig).lower()
        return Trouble.unavailable if "locked" in text or "unable to open" in text else None
    # psycopg raises OperationalError without a SQLSTATE when it has no connection at all
    return Trouble.unavailable if state is None or state[:2] in UNAVAILABLE_CLASSES else None


class DatabaseTroubleMiddleware:
    def __init__(self, app: Any, *, attempts: int = ATTEMPTS, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        self.app = app
        self.attempts = attempts
        self.retry_after = retry_after

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received: list[dict[str, Any]] = []  # the body as read, for the next attempt
        started = False

        def receiver(replay: list[dict[str, Any]]):
            async def next_message():
                if replay:
                    return replay.pop(0)
                message = await receive()
                received.append(message)
                return message
            return next_message

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        for attempt in range(1, self.attempts + 1):
            try:
                await self.app(scope, receiver(list(received)), tracking_send)
                return
            except Exception as exc:
                trouble = classify(exc)
                if trouble is None or started:
                    raise
                if trouble is Trouble.retry and attempt < self.attempts:
                    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
                    log.warning("%s on %s %s, attempt %d of %d: running the request again",
                                RETRY_SQLSTATES.get(state, state), scope["method"], scope["path"], attempt,
                                self.attempts)
                    # jittered back-off, so that the transactions that collided do not collide again
                    await asyncio.sleep(random.uniform(0, 0.02 * 2**attempt))
                    continue
                log.error("database unavailable on %s %s: %s", scope["method"], scope["path"],
                          " ".join(str(getattr(exc, "orig", exc)).split())[:300])
                await self._unavailable(scope, send)
                return

    async def _unavailable(self, scope, send) -> None:
        problem = DatabaseUnavailable(
            f"the database cannot be reached or is busy; send the request again in {self.retry_after} seconds",
            retry_after=self.retry_after,
        ).to_problem(scope["path"])
        body = json.dumps(problem).encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self.retry_after).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
