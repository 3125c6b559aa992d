"""Opaque list cursors: keyset positions packed into a URL-safe token.

Every cursor-paginated list (invoices, suppliers, orders, webhook deliveries, the review queue)
hands out these tokens; clients pass ``next_cursor`` back unchanged. ``decode*`` raise ValueError
on anything this service did not issue; callers turn that into their 400/422 problem.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime


def encode(*parts: str) -> str:
    raw = "|".join(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, count: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("not a cursor") from exc
    parts = raw.split("|", count - 1)
    if len(parts) != count:
        raise ValueError("not a cursor")
    return parts


def encode_position(at: datetime, row_id: uuid.UUID | str, *scope: str) -> str:
    """A (time, id) keyset position; ``scope`` names the ordering/filter it belongs to."""
    return encode(*scope, at.isoformat(), str(row_id))


def decode_position(cursor: str, *scope: str) -> tuple[datetime, uuid.UUID]:
    parts = decode(cursor, len(scope) + 2)
    if tuple(parts[: len(scope)]) != scope:
        raise ValueError("cursor of another ordering")
    at = datetime.fromisoformat(parts[-2])
    if at.tzinfo is None:
        raise ValueError("naive time in cursor")
    return at, uuid.UUID(parts[-1])
