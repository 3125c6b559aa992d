"""UN/ECE Recommendation 20 unit conversion within a family (pure)."""

from __future__ import annotations

from decimal import Decimal

# unit code -> (family, factor to the family's base unit)
_UNITS: dict[str, tuple[str, Decimal]] = {
    "KGM": ("mass", Decimal(1)),
    "GRM": ("mass", Decimal("0.001")),
    "TNE": ("mass", Decimal(1000)),
    "MTR": ("length", Decimal(1)),
    "CMT": ("length", Decimal("0.01")),
    "MMT": ("length", Decimal("0.001")),
    "KMT": ("length", Decimal(1000)),
    "LTR": ("volume", Decimal(1)),
    "MLT": ("volume", Decimal("0.001")),
    # H87 "piece", C62 "one", EA "each": all counted as pieces
    "H87": ("piece", Decimal(1)),
    "C62": ("piece", Decimal(1)),
    "EA": ("piece", Decimal(1)),
}


def conversion_factor(from_unit: str, to_unit: str) -> Decimal | None:
    """Factor f with quantity_in_to = quantity_in_from * f, or None when not convertible.

    Identical codes always convert (factor 1), also codes outside the known families (DAY, HUR ...).
    """
    a, b = (from_unit or "").strip().upper(), (to_unit or "").strip().upper()
    if a == b:
        return Decimal(1)
    fa, fb = _UNITS.get(a), _UNITS.get(b)
    if fa is None or fb is None or fa[0] != fb[0]:
        return None
    return fa[1] / fb[1]
