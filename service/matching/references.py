"""Normal forms of what people type: order references, invoice numbers, IBANs (pure).

Each normal form is an *equality* key: two values are the same when their keys are equal, and
nothing beyond that is ever guessed (no prefix, no edit distance). The functions also say which
normalisation was needed, so that a decision can show it ("order found through BT-10, letter case
ignored").
"""

from __future__ import annotations

import re

# The names a decision records (stable strings; the texts are in messages.NORMALISATION_TEXTS).
CASE, SPACES, PUNCTUATION, LEADING_ZEROS = "case", "spaces", "punctuation", "leading_zeros"

_DIGITS = re.compile(r"\d+")


def order_key(text: str | None) -> str:
    """An order number as compared: upper case, without any white space (leading, trailing, inner).

    Punctuation stays: "PO-2026-1" and "PO20261" are different orders to an ERP.
    """
    return "".join((text or "").split()).upper()


def order_key_changes(raw: str | None, stored: str) -> tuple[str, ...]:
    """Which normalisations made ``raw`` equal to the stored order number ``stored`` (both needed when
    neither alone is enough)."""
    raw = raw or ""
    if raw == stored:
        return ()
    changes = []
    if raw.upper() != stored.upper():  # letter case alone does not explain it
        changes.append(SPACES)
    if "".join(raw.split()) != "".join(stored.split()):  # white space alone does not explain it
        changes.append(CASE)
    return tuple(changes)


def invoice_number_key(text: str | None) -> str:
    """An invoice number (BT-1) as compared for look-alikes: letters and digits only, upper case,
    leading zeros of each run of digits dropped ("F-2026-001", "f2026001" and "F2026001" are one key;
    "INV-00042" and "inv 42" are another)."""
    return _zeros(_alnum((text or "").upper()))


def _zeros(text: str) -> str:
    return _DIGITS.sub(lambda m: m.group().lstrip("0") or "0", text)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def invoice_number_changes(a: str, b: str) -> tuple[str, ...]:
    """What differs between two invoice numbers with the same key: each normalisation without which
    the two would still differ."""
    changes = []
    if _zeros(a.upper()) != _zeros(b.upper()):
        changes.append(PUNCTUATION)
    if _zeros(_alnum(a)) != _zeros(_alnum(b)):
        changes.append(CASE)
    if _alnum(a.upper()) != _alnum(b.upper()):
        changes.append(LEADING_ZEROS)
    return tuple(changes)


def iban_key(text: str | None) -> str:
    """An IBAN as compared: upper case, letters and digits only (groups of four, spaces, dots and
    dashes are how people write it, not part of it)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())
