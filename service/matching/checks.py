"""The list of checks one decision builds, and the number formats its texts use (pure)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from service.matching.types import Check, CheckOutcome
from service.matching.versions import Rules
from service.reasons import ReasonCode

CENT = Decimal("0.01")

Note = tuple[str, str]  # an explanation in (Dutch, English)


def fmt(value: Decimal | None) -> str | None:
    """A Decimal as plain text without exponent or trailing zeros (``1.50`` -> ``1.5``)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return str(int(value))
    value = value.normalize()
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1))
    return format(value, "f")


def money(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Checks:
    """Collects the checks of one decision; ``rules`` are those of the engine version deciding."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.items: list[Check] = []

    def add(self, name: str, ok: bool | None, code: ReasonCode | None = None, *, line_id: str | None = None,
            order_line_id: str | None = None, expected: str | None = None, actual: str | None = None,
            tolerance: str | None = None, note: Note | None = None, related_invoice_id: str | None = None) -> bool:
        """Record a check; ``ok=None`` means skipped; ``note`` an extra explanation (Dutch, English).
        Returns ``ok`` (False for skipped)."""
        outcome = CheckOutcome.skipped if ok is None else CheckOutcome.passed if ok else CheckOutcome.failed
        failed_code = code.value if outcome is CheckOutcome.failed and code is not None else None
        self.items.append(Check(name=name, outcome=outcome, line_id=line_id, order_line_id=order_line_id,
                                expected=expected, actual=actual, tolerance=tolerance, code=failed_code,
                                note_nl=note[0] if note else "", note_en=note[1] if note else "",
                                related_invoice_id=related_invoice_id))
        return bool(ok)

    def explain(self, name: str, *, note: Note, line_id: str | None = None, order_line_id: str | None = None,
                expected: str | None = None, actual: str | None = None) -> None:
        """A normalisation or conversion that made a comparison pass (engine 2 and later)."""
        if self.rules.explain_normalisations:
            self.add(name, True, line_id=line_id, order_line_id=order_line_id, expected=expected, actual=actual,
                     note=note)
