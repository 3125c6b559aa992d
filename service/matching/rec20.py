"""Conversion factors of the UN/ECE Recommendation 20 unit codes that occur on invoices (data only).

Source: UN/ECE Recommendation No. 20, "Codes for Units of Measure Used in International Trade",
Revision 17 (2021), Annex II/III: the "conversion factor" column, which states each unit in its SI unit
(kilogram, metre, square metre, cubic metre, second, joule) or, for counts, in "one" (C62). The factors
below are those of the recommendation, written as exact decimals; the Peppol BIS Billing 3.0 code list
(Revision 11e, ``UNECERec20-11e.xml`` among the artefacts) decides which codes a valid invoice may
carry at all: every code below is in it (a test checks that). Where Rec 20 prints a rounded factor of
an exactly defined unit (the avoirdupois ounce), the exact definition is used.

Deliberate departures, each because a factor would make the engine guess:

- ``MON``/``QAN``/``ANN`` form their own family ("calendar"): Rec 20 states a month as 1/12 of a year
  of 365.25 days (2.6298 x 10^6 s), an average that no rental or subscription month equals. A month
  converts to quarters and years exactly, never to days or hours.
- Packaging codes (Rec 21, prefixed X: ``XBX`` box, ``XPK`` package, ``XCT`` carton; ``SET``...)
  have no factor: a box holds what the supplier puts in it. They are absent here, so they compare
  exactly (same code or ``UNIT_MISMATCH``).

Each entry: code -> (family, factor to the family's base unit, English name).
"""

from __future__ import annotations

from decimal import Decimal as D

SOURCE = "UN/ECE Recommendation 20, Revision 17 (2021), Annexes II and III, conversion factors"

FAMILY_BASE = {
    "count": "C62", "duration": "SEC", "calendar": "MON", "mass": "KGM", "length": "MTR", "area": "MTK",
    "volume": "MTQ", "energy": "JOU",
}

UNITS: dict[str, tuple[str, D, str]] = {
    # counts (base: C62 "one")
    "C62": ("count", D(1), "one"),
    "H87": ("count", D(1), "piece"),
    "EA": ("count", D(1), "each"),
    "NAR": ("count", D(1), "number of articles"),
    "PR": ("count", D(2), "pair"),
    "DPC": ("count", D(12), "dozen piece"),
    "DZN": ("count", D(12), "dozen"),
    "DPR": ("count", D(24), "dozen pair"),
    "TPR": ("count", D(20), "ten pair"),
    "CEN": ("count", D(100), "hundred"),
    "GRO": ("count", D(144), "gross"),
    "MIL": ("count", D(1000), "thousand"),
    "GGR": ("count", D(1728), "great gross"),
    # duration (base: SEC)
    "SEC": ("duration", D(1), "second"),
    "MIN": ("duration", D(60), "minute"),
    "HUR": ("duration", D(3600), "hour"),
    "DAY": ("duration", D(86400), "day"),
    "WEE": ("duration", D(604800), "week"),
    # calendar periods (base: MON; see the module docstring)
    "MON": ("calendar", D(1), "month"),
    "QAN": ("calendar", D(3), "quarter (of a year)"),
    "ANN": ("calendar", D(12), "year"),
    # mass (base: KGM)
    "MGM": ("mass", D("0.000001"), "milligram"),
    "GRM": ("mass", D("0.001"), "gram"),
    "HGM": ("mass", D("0.1"), "hectogram"),
    "KGM": ("mass", D(1), "kilogram"),
    "DTN": ("mass", D(100), "decitonne"),
    "TNE": ("mass", D(1000), "tonne (metric ton)"),
    "ONZ": ("mass", D("0.028349523125"), "ounce (avoirdupois)"),
    "LBR": ("mass", D("0.45359237"), "pound"),
    # length (base: MTR)
    "MMT": ("length", D("0.001"), "millimetre"),
    "CMT": ("length", D("0.01"), "centimetre"),
    "DMT": ("length", D("0.1"), "decimetre"),
    "MTR": ("length", D(1), "metre"),
    "KMT": ("length", D(1000), "kilometre"),
    "INH": ("length", D("0.0254"), "inch"),
    "FOT": ("length", D("0.3048"), "foot"),
    "YRD": ("length", D("0.9144"), "yard"),
    # area (base: MTK)
    "MMK": ("area", D("0.000001"), "square millimetre"),
    "CMK": ("area", D("0.0001"), "square centimetre"),
    "DMK": ("area", D("0.01"), "square decimetre"),
    "MTK": ("area", D(1), "square metre"),
    "H16": ("area", D(100), "square decametre (are)"),
    "DAA": ("area", D(1000), "decare"),
    "H18": ("area", D(10000), "square hectometre (hectare)"),
    "KMK": ("area", D(1000000), "square kilometre"),
    "INK": ("area", D("0.00064516"), "square inch"),
    "FTK": ("area", D("0.09290304"), "square foot"),
    # volume (base: MTQ)
    "MMQ": ("volume", D("0.000000001"), "cubic millimetre"),
    "CMQ": ("volume", D("0.000001"), "cubic centimetre"),
    "MLT": ("volume", D("0.000001"), "millilitre"),
    "CLT": ("volume", D("0.00001"), "centilitre"),
    "DLT": ("volume", D("0.0001"), "decilitre"),
    "LTR": ("volume", D("0.001"), "litre"),
    "DMQ": ("volume", D("0.001"), "cubic decimetre"),
    "HLT": ("volume", D("0.1"), "hectolitre"),
    "MTQ": ("volume", D(1), "cubic metre"),
    # energy (base: JOU)
    "JOU": ("energy", D(1), "joule"),
    "KJO": ("energy", D(1000), "kilojoule"),
    "WHR": ("energy", D(3600), "watt hour"),
    "KWH": ("energy", D(3600000), "kilowatt hour"),
    "MWH": ("energy", D(3600000000), "megawatt hour (1000 kW.h)"),
    "GWH": ("energy", D(3600000000000), "gigawatt hour"),
}

# The table of matching-1.x (kept so that decisions made with it replay unchanged).
UNITS_1: dict[str, tuple[str, D]] = {
    "KGM": ("mass", D(1)), "GRM": ("mass", D("0.001")), "TNE": ("mass", D(1000)),
    "MTR": ("length", D(1)), "CMT": ("length", D("0.01")), "MMT": ("length", D("0.001")),
    "KMT": ("length", D(1000)), "LTR": ("volume", D(1)), "MLT": ("volume", D("0.001")),
    "H87": ("piece", D(1)), "C62": ("piece", D(1)), "EA": ("piece", D(1)),
}
