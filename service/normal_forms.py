"""Normal forms of what people type: order references, invoice numbers, IBANs (pure, no imports of
the service: master data, intake and matching all use them).

Each normal form is an *equality* key: two values are the same when their keys are equal, and
nothing beyond that is ever guessed (no prefix, no edit distance). The functions also say which
normalisation was needed, so that a decision can show it ("order found through BT-10, letter case
ignored").
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The names a decision records (stable strings; matching's engine turns them into texts).
CASE, SPACES, PUNCTUATION, LEADING_ZEROS = "case", "spaces", "punctuation", "leading_zeros"

_RUNS = re.compile(r"[^\W\d_]+|\d+")


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


def invoice_number_keys(text: str | None) -> tuple[str, str]:
    """The two keys of an invoice number (BT-1) under which look-alikes are found; two numbers look
    alike when either key is equal (and the numbers are not):

    - letters and digits only, upper case: "F-2026-001", "f2026001" and "F 2026 001" share one;
    - the runs of letters and of digits, leading zeros dropped: "F-2026-001", "F/2026/1" and
      "f-2026-0001" share one; "F-2026-101" and "F-2026-11" do not.

    Two keys, because one key for both rules would, by transitivity, equate "F2026001" and "F-2026-1".
    """
    upper = (text or "").upper()
    runs = _RUNS.findall(upper)
    return _alnum(upper), ".".join(r.lstrip("0") or "0" if r[0].isdigit() else r for r in runs)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def invoice_number_changes(a: str, b: str) -> tuple[str, ...]:
    """How two look-alike invoice numbers differ: punctuation, letter case, leading zeros."""
    def only(text: str, keep: Callable[[str], bool]) -> str:
        return "".join(ch for ch in text if keep(ch))

    changes = []
    if only(a, lambda ch: not ch.isalnum()) != only(b, lambda ch: not ch.isalnum()):
        changes.append(PUNCTUATION)
    if only(a, str.isalpha) != only(b, str.isalpha):
        changes.append(CASE)
    if only(a, str.isdigit) != only(b, str.isdigit):
        changes.append(LEADING_ZEROS)
    return tuple(changes)


def iban_key(text: str | None) -> str:
    """An IBAN as compared: upper case, letters and digits only (groups of four, spaces, dots and
    dashes are how people write it, not part of it)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())
