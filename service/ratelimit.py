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

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from service.errors import ServiceError
from service.models.keys import ApiKeyRateWindow


class RateLimited(ServiceError):
    status, slug, title = 429, "rate-limited", "Too many requests for this API key"


_TABLE = ApiKeyRateWindow.__table__


# INSERT ... ON CONFLICT DO UPDATE ... RETURNING: the SQL both dialects' on_conflict_do_update
# compiles to (SET expressions read the row as it was), as text with the columns' types. The
# dialects' constructs have no cache key, so SQLAlchemy built and compiled the upsert anew for
# every request of every key while a limit was set; a text statement is compiled once per process.
_UPSERT = text(
    f"INSERT INTO {_TABLE.name} (key_id, window_start, count) VALUES (:key_id, :window_start, 1) "
    f"ON CONFLICT (key_id) DO UPDATE SET window_start = excluded.window_start, "
    f"count = CASE WHEN ({_TABLE.name}.window_start = excluded.window_start) THEN {_TABLE.name}.count + 1 ELSE 1 END "
    f"RETURNING {_TABLE.name}.count"
).bindparams(bindparam("key_id", type_=_TABLE.c.key_id.type),
             bindparam("window_start", type_=_TABLE.c.window_start.type)).columns(_TABLE.c.count)


def count_request(engine: Engine, key_id: uuid.UUID, *, window_seconds: int, now: float | None = None) -> tuple[int, float]:
    """Add this request to ``key_id``'s window; (requests in the window so far, when it ends)."""
    now = time.time() if now is None else now
    start = int(now // window_seconds) * window_seconds
    with engine.begin() as conn:  # its own short transaction: the request's may run for seconds
        count = conn.execute(_UPSERT, {"key_id": key_id, "window_start": start}).scalar_one()
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
