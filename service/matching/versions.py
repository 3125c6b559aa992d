"""Every engine version that has made decisions, as the rules it applied (pure).

A stored decision names its ``engine_version``; replay recomputes it with that version's rules, so a
decision made before a change still replays to its own outcome. A version that is not listed here
cannot be replayed, and replay says so (``UnknownEngineVersion``) instead of comparing with another
engine. Add a version here whenever the engine's behaviour changes; never change an existing one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from service.matching import units
from service.normal_forms import iban_key
from service.matching.types import ENGINE_VERSION


class UnknownEngineVersion(ValueError):
    """A decision names an engine version this code does not have."""


def _iban_key_1(value: str) -> str:
    return "".join(value.split()).upper()


@dataclass(frozen=True, slots=True)
class Rules:
    version: str
    units: units.Table
    iban_key: Callable[[str], str]
    net_price_test: bool  # price test on BT-146 / BT-149 (1.x: line net amount / quantity)
    line_charges_checked: bool  # BG-28 line charges are charges that must be on the order
    several_order_lines_flagged: bool  # a BT-132 naming several order lines is LINE_AMBIGUOUS
    explain_normalisations: bool  # a passed check for each normalisation or conversion used
    duplicates_by_content: bool  # PriorInvoice candidates (1.x: same amount and date only)
    rounding_checked: bool  # BT-114 within the total tolerance, BT-115 = BT-112 - BT-113 + BT-114
    receipt_movements: bool  # receipts and returns netted in the engine
    order_by_other_reference: bool  # an order found through BT-10 / BT-25 is used without BT-13
    exact_conversion: bool  # multiply before dividing, 8 decimals, quantities compared to a millionth
    # suspected duplicates listed at most, the most alike first, then one check that counts the rest
    # (None: every one, in number order); an invoice's reasons stay bounded however many look alike
    duplicates_listed: int | None = None


_ONE = Rules(version="matching-1.1.0", units=units.LEGACY_1, iban_key=_iban_key_1, net_price_test=False,
             line_charges_checked=False, several_order_lines_flagged=False, explain_normalisations=False,
             duplicates_by_content=False, rounding_checked=False, receipt_movements=False,
             order_by_other_reference=False, exact_conversion=False)

_TWO = Rules(version="matching-2.0.0", units=units.CURRENT, iban_key=iban_key, net_price_test=True,
             line_charges_checked=True, several_order_lines_flagged=True, explain_normalisations=True,
             duplicates_by_content=True, rounding_checked=True, receipt_movements=True,
             order_by_other_reference=True, exact_conversion=True)

_TWO_ONE = replace(_TWO, version="matching-2.1.0", duplicates_listed=5)

# matching-1.0.0 had no BT-115 check; its stored inputs carry no BT-115 (payable None), for which
# 1.1.0 skips that check: the 1.1.0 rules give 1.0.0 decisions their own outcome.
RULES: dict[str, Rules] = {"matching-1.0.0": _ONE, "matching-1.1.0": _ONE, _TWO.version: _TWO,
                           _TWO_ONE.version: _TWO_ONE}
assert ENGINE_VERSION in RULES


def rules_for(version: str | None) -> Rules:
    if version is None:
        return RULES[ENGINE_VERSION]
    try:
        return RULES[version]
    except KeyError:
        raise UnknownEngineVersion(
            f"engine version {version!r} is not available (known: {', '.join(sorted(RULES))})") from None
