"""UN/ECE Recommendation 20 unit conversion within a family (pure); the factors are in ``rec20``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from service.matching.rec20 import UNITS, UNITS_1

ONE = Decimal(1)

# code -> (family, factor to the family's base unit)
Table = Mapping[str, tuple[str, Decimal]]

CURRENT: Table = {code: (family, factor) for code, (family, factor, _name) in UNITS.items()}
LEGACY_1: Table = UNITS_1


def family(code: str, table: Table = CURRENT) -> str | None:
    found = table.get((code or "").strip().upper())
    return found[0] if found else None


QUANTUM = Decimal("0.00000001")  # 8 decimals: what the ledger stores on every database


def ratio(from_unit: str, to_unit: str, table: Table = CURRENT) -> tuple[Decimal, Decimal] | None:
    """(numerator, denominator) of the conversion factor, so that callers multiply before they divide
    (1 HUR is 1/24 DAY: no finite decimal), or None when not convertible."""
    a, b = (from_unit or "").strip().upper(), (to_unit or "").strip().upper()
    if a == b:
        return ONE, ONE
    fa, fb = table.get(a), table.get(b)
    if fa is None or fb is None or fa[0] != fb[0]:
        return None
    return fa[1], fb[1]


def convert(quantity: Decimal, num: Decimal, den: Decimal) -> Decimal:
    """``quantity`` x num / den, rounded to 8 decimals when it has no shorter form."""
    value = quantity * num / den
    exponent = value.as_tuple().exponent
    return value.quantize(QUANTUM) if isinstance(exponent, int) and exponent < -8 else value


def factor_text(num: Decimal, den: Decimal) -> str:
    """"x 12", "÷ 24" (a division when the factor has no short decimal form), or "x 0.001"."""
    factor = num / den
    if factor == factor.to_integral_value():
        return f"x {int(factor)}"
    inverse = den / num
    if inverse == inverse.to_integral_value():
        return f"÷ {int(inverse)}"
    text = format(factor.normalize(), "f")
    return f"x {text if len(text) <= 14 else format(round(factor, 10).normalize(), 'f')}"


def conversion_factor(from_unit: str, to_unit: str, table: Table = CURRENT) -> Decimal | None:
    """Factor f with quantity_in_to = quantity_in_from * f, or None when not convertible.

    Identical codes always convert (factor 1), also codes without a factor (packaging codes such as
    ``XBX``): those compare exactly. Codes of different families (area against length) never convert.
    """
    a, b = (from_unit or "").strip().upper(), (to_unit or "").strip().upper()
    if a == b:
        return ONE
    fa, fb = table.get(a), table.get(b)
    if fa is None or fb is None or fa[0] != fb[0]:
        return None
    return fa[1] / fb[1]
