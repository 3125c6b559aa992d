"""Process-wide copies of rarely changed configuration, kept while the database says they hold.

Intake reads the buyer directory (organisation identifiers), the matching policy and the webhook
subscriptions for every new invoice; they change a few times a year. Every write to their tables,
by any process or tool, gives the ``config`` row of ``cache_generations`` a new random token
(database triggers, migration 0035, in the writing transaction). A transaction reads that token
once (one statement instead of one per table) and uses a process's copy only when it was loaded
under the same token; otherwise it loads afresh and keeps the copy under the token it read first
(so a copy is never newer-labelled than its data: at worst it is loaded again). A change committed
by another worker is therefore seen by the next transaction that starts after it.

Code that writes those tables and then reads them in the same transaction calls ``forget`` after
the write (the transaction's token was read before it). Without the row (a database emptied by
hand), nothing is cached. Copies are shared: callers must not change them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session

from service.models.caches import CacheGeneration

CONFIG = "config"  # organisation_identifiers, webhook_subscriptions, match_policy_versions

_T = CacheGeneration.__table__
_READ = select(_T.c.token).where(_T.c.name == CONFIG)
_KEY = "einvoice.cache_generation"  # session.info: (transaction, token)
_copies: dict[tuple[str, str], tuple[int, Any]] = {}  # (database, what) -> (token, copy)

V = TypeVar("V")


# the token as a column of another SELECT (``read_with_token``)
TOKEN = _READ.scalar_subquery().label("token")
_RIDER = "einvoice.cache_generation_rider"  # session.info: (statement, parameters, deliver)


def token(session: Session) -> int | None:
    """The configuration's generation as this transaction sees it (read once per transaction)."""
    kept = session.info.get(_KEY)
    if kept is not None and kept[0] is not None and kept[0] is session.get_transaction():
        return kept[1]
    rider = session.info.pop(_RIDER, None)
    row = session.execute(rider[0], rider[1]).first() if rider is not None else None
    if rider is not None:
        rider[2](row)
    value = row.token if row is not None else session.execute(_READ).scalar()
    session.info[_KEY] = (session.get_transaction(), value)
    return value


def read_with_token(session: Session, statement: Any, parameters: dict[str, Any],
                    deliver: Callable[[Any], None]) -> None:
    """Have the session's next read of the token run ``statement`` instead, one round trip for both:
    a SELECT of ``TOKEN`` and what the caller needs from one row. ``deliver`` receives that row (None
    when there is none; the token is then read on its own). Until then the caller may take its
    request back with ``unread`` (no read of the token came) and read on its own."""
    session.info[_RIDER] = (statement, parameters, deliver)


def unread(session: Session) -> bool:
    """Withdraw the statement ``read_with_token`` left; False when it ran already."""
    return session.info.pop(_RIDER, None) is not None


def cached(session: Session, what: str, load: Callable[[Session], V]) -> V:
    """``load(session)``, or this process's copy of it when the configuration has not changed since."""
    current = token(session)
    if current is None:
        return load(session)
    key = (_database(session), what)
    kept = _copies.get(key)
    if kept is not None and kept[0] == current:
        return kept[1]
    value = load(session)
    _copies[key] = (current, value)
    return value


_NAMES: dict[int, tuple[Any, str]] = {}  # id(URL) -> (the URL, kept so the id stays its own; its text)


def _database(session: Session) -> str:
    """The session's database as text: rendered once per URL object (8 us a time, five times an invoice)."""
    url = session.get_bind().url
    kept = _NAMES.get(id(url))
    if kept is None or kept[0] is not url:
        kept = _NAMES[id(url)] = (url, url.render_as_string(hide_password=True))
    return kept[1]


def forget(session: Session) -> None:
    """This transaction wrote configuration: read the token again before using a copy."""
    session.info.pop(_KEY, None)
