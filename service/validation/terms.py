"""EN 16931 business terms (BT-n) and groups (BG-n) named in a rule message."""

from __future__ import annotations

import re

_TERM = re.compile(r"\b(B[TG])-(\d{1,3})\b")


def business_terms(message: str) -> tuple[str, ...]:
    """The distinct BT-/BG- identifiers a message names, in order of appearance.

    >>> business_terms("[BR-CO-10]-Sum of Invoice line net amount (BT-106) = Σ (BT-131).")
    ('BT-106', 'BT-131')
    """
    seen: dict[str, None] = {}
    for kind, number in _TERM.findall(message):
        seen.setdefault(f"{kind}-{int(number)}", None)
    return tuple(seen)
