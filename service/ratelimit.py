"""Per-API-key rate limit, shared by every server process: the count lives in the database.

A fixed window of ``window_seconds``: each authenticated request adds one to its key's row with
a single upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), which PostgreSQL applies
under the row lock and SQLite under its write lock, so parallel requests and several workers never
lose a count. A request over the limit is refused with 429 and ``Retry-After`` (seconds until the
window ends). One row per key, overwritten when a new window starts: nothing to clean up.
"""

from __future__ import annotations

import math
import time
import uuid

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from service.errors import ServiceError
from service.models.keys import ApiKeyRateWindow


class RateLimited(ServiceError):
    status, slug, title = 429, "rate-limited", "Too many requests for this API key"


_TABLE = ApiKeyRateWindow.__table__


def count_request(engine: Engine, key_id: uuid.UUID, *, window_seconds: int, now: float | None = None) -> tuple[int, float]:
    """Add this request to ``key_id``'s window; (requests in the window so far, when it ends)."""
    now = time.time() if now is None else now
    start = int(now // window_seconds) * window_seconds
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(_TABLE).values(key_id=key_id, window_start=start, count=1)
    same_window = _TABLE.c.window_start == stmt.excluded.window_start
    upsert = stmt.on_conflict_do_update(
        index_elements=[_TABLE.c.key_id],
        set_={"count": case((same_window, _TABLE.c.count + 1), else_=1),
              "window_start": stmt.excluded.window_start},
    ).returning(_TABLE.c.count)
    with engine.begin() as conn:  # its own short transaction: the request's may run for seconds
        count = conn.execute(upsert).scalar_one()
    return count, start + window_seconds


def enforce(engine: Engine, key_id: uuid.UUID, *, limit: int, window_seconds: int = 60) -> None:
    """Raise ``RateLimited`` when ``key_id`` has made more than ``limit`` requests this window."""
    count, ends = count_request(engine, key_id, window_seconds=window_seconds)
    if count > limit:
        wait = max(1, math.ceil(ends - time.time()))
        raise RateLimited(
            f"this API key made more than {limit} requests in {window_seconds} s; try again in {wait} s",
            headers={"Retry-After": str(wait)}, limit=limit, window_seconds=window_seconds,
        )
