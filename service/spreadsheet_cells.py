"""One value as the text of a spreadsheet cell (the API's CSV and the workspace's exports share it).

A text that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a
leading apostrophe, unless it is a number: a credit note's "-12.50" stays a number.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text  # never a formula in the clerk's spreadsheet
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
        return True
    except InvalidOperation:
        return False
