"""JSON text of the database's JSON columns and of the busiest API answers, written by orjson.

The standard library's encoder cost a new invoice ~0.12 ms of worker CPU for its dozen JSON column
values (the EN 16931 model, the validation report, the decision and its inputs, reasons, feed and
audit entries) and the answer's body; orjson writes the same values in a sixth of that (measured:
bench figures in the commit). What stays the same: the values (key order too), and so everything
computed from them after they are read back (webhook bodies are encoded and signed from the stored
payload's value, service/erp/dispatcher.py). What changes is the text only: no spaces after ``,``
and ``:`` and non-ASCII characters as UTF-8 instead of ``\\uXXXX`` escapes, which SQLite's and
PostgreSQL's JSON functions read alike.

Whatever orjson refuses (an integer beyond 64 bits, a string with lone surrogates, a type neither
encoder knows) goes to the standard library as before: it is written as before, or refused with the
same ``TypeError``. Date-times and dataclasses are left to it too, so that a value the old encoder
refused is not silently stored now.

Reading stays with the standard library where the text could hold any integer (the database's JSON
columns): orjson reads an integer beyond 64 bits as a float, silently. ``loads`` is for text whose
numbers are known to be small (the validation child's report: lines, columns, counts, durations).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "dumps_bytes", "loads"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps_bytes(value: Any) -> bytes:
    """``value`` as UTF-8 JSON text (compact)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":")).encode()


def dumps(value: Any) -> str:
    """``value`` as JSON text (compact), for a database driver that binds text (SQLite)."""
    return dumps_bytes(value).decode()


def loads(text: str | bytes | bytearray | memoryview) -> Any:
    """JSON text whose integers fit in 64 bits (see above); what orjson refuses (``NaN``) is read by
    the standard library."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(bytes(text) if isinstance(text, memoryview) else text)
