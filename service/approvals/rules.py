"""Four-eyes rules: when does a manual approval need a second, different person? Pure (no session).

The rules are data (``FourEyesRules``), stored as versions (``service.approvals.rule_versions``), so
an auditor can see which rule was in force for every approval. ``second_person_needed`` answers
with the *triggers* that applied, in a fixed order, so the audit trail says why.

DESIGN.md's defaults: the invoice was flagged ``BANK_ACCOUNT_UNVERIFIED``, ``SUPPLIER_UNKNOWN`` or
``CURRENCY_MISMATCH``, or its payable amount (BT-115) is at least EUR 25,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Trigger names besides the reason codes themselves.
AMOUNT_AT_LEAST = "AMOUNT_AT_LEAST"  # BT-115 at or above the rule's threshold
AMOUNT_IN_OTHER_CURRENCY = "AMOUNT_IN_OTHER_CURRENCY"  # cannot be compared with the threshold
ABOVE_APPROVER_LIMIT = "ABOVE_APPROVER_LIMIT"  # above what this person may approve alone

DEFAULT_REASON_CODES = ("BANK_ACCOUNT_UNVERIFIED", "SUPPLIER_UNKNOWN", "CURRENCY_MISMATCH")
DEFAULT_AMOUNT_AT_LEAST = Decimal(25000)
DEFAULT_CURRENCY = "EUR"


@dataclass(frozen=True)
class FourEyesRules:
    """One version of the rules. ``version`` is its label (``global:<n>``; ``global:0`` = defaults)."""

    version: str = "global:0"
    reason_codes: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_REASON_CODES))
    amount_at_least: Decimal | None = DEFAULT_AMOUNT_AT_LEAST  # None: no amount threshold
    currency: str = DEFAULT_CURRENCY  # the threshold's currency

    def settings(self) -> dict[str, Any]:
        """The stored (JSON) form: sorted codes, amounts as strings."""
        return {"reason_codes": sorted(self.reason_codes),
                "amount_at_least": None if self.amount_at_least is None else str(self.amount_at_least),
                "currency": self.currency}

    @classmethod
    def from_settings(cls, settings: dict[str, Any], version: str) -> FourEyesRules:
        amount = settings.get("amount_at_least", str(DEFAULT_AMOUNT_AT_LEAST))
        return cls(version=version,
                   reason_codes=frozenset(settings.get("reason_codes", DEFAULT_REASON_CODES)),
                   amount_at_least=None if amount is None else Decimal(str(amount)),
                   currency=settings.get("currency") or DEFAULT_CURRENCY)


def second_person_needed(rules: FourEyesRules, *, reason_codes: Iterable[str], payable_amount: Decimal | None,
                         currency: str | None, approver_limit: Decimal | None = None) -> list[str]:
    """The triggers that make an approval need a second person (empty: one person may approve).

    An amount in another currency than the threshold's counts as covered: the service has no
    exchange rates, and an auditor would rather see a second approval too many than one missing.
    ``approver_limit`` is the most this person may approve alone (None: no personal limit).
    """
    codes = list(dict.fromkeys(reason_codes))
    triggers = [c for c in codes if c in rules.reason_codes]
    amount = payable_amount if payable_amount is not None else Decimal(0)
    same_currency = (currency or rules.currency) == rules.currency
    if rules.amount_at_least is not None:
        if not same_currency:
            triggers.append(AMOUNT_IN_OTHER_CURRENCY)
        elif amount >= rules.amount_at_least:
            triggers.append(AMOUNT_AT_LEAST)
    if (approver_limit is not None and (amount > approver_limit or not same_currency)
            and AMOUNT_IN_OTHER_CURRENCY not in triggers):
        triggers.append(ABOVE_APPROVER_LIMIT)
    return triggers
