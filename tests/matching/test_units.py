"""UN/ECE Rec 20 conversion, one test per family, and the table against the Peppol code list."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from service.matching import match
from service.matching.rec20 import FAMILY_BASE, UNITS
from service.matching.units import conversion_factor, convert, ratio
from service.reasons import ReasonCode as R
from tests.matching.builders import inputs, inv_line, invoice, order, order_line

CODELIST = Path(__file__).resolve().parents[3] / "shared" / "artifacts" / "peppol-bis-billing-3@3.0.21" / \
    "structure" / "codelist" / "UNECERec20-11e.xml"


@pytest.mark.parametrize("family,pairs", [
    ("count", [("DZN", "C62", 12), ("GRO", "C62", 144), ("PR", "H87", 2), ("GRO", "DZN", 12), ("EA", "C62", 1),
               ("MIL", "CEN", 10)]),
    ("duration", [("MIN", "SEC", 60), ("HUR", "MIN", 60), ("DAY", "HUR", 24), ("WEE", "DAY", 7)]),
    ("calendar", [("ANN", "MON", 12), ("QAN", "MON", 3)]),
    ("mass", [("KGM", "GRM", 1000), ("TNE", "KGM", 1000), ("GRM", "MGM", 1000), ("LBR", "KGM", D("0.45359237"))]),
    ("length", [("MTR", "CMT", 100), ("KMT", "MTR", 1000), ("INH", "MMT", D("25.4")), ("FOT", "INH", 12)]),
    ("area", [("MTK", "CMK", 10000), ("H18", "MTK", 10000), ("FTK", "INK", 144)]),
    ("volume", [("MTQ", "LTR", 1000), ("LTR", "MLT", 1000), ("LTR", "CLT", 100), ("HLT", "LTR", 100),
                ("DMQ", "LTR", 1)]),
    ("energy", [("MWH", "KWH", 1000), ("KWH", "WHR", 1000), ("KWH", "KJO", 3600)]),
])
def test_each_family_converts_within_itself(family, pairs):
    for a, b, factor in pairs:
        assert UNITS[a][0] == UNITS[b][0] == family
        assert conversion_factor(a, b) == D(factor), (a, b)
        num, den = ratio(b, a)
        assert convert(D(factor), num, den) == 1, (b, a)  # multiplied before divided: exact


@pytest.mark.parametrize("a,b", [("MTK", "MTR"), ("LTR", "KGM"), ("MON", "DAY"), ("KWH", "HUR"), ("DZN", "KGM"),
                                 ("XBX", "C62"), ("XPK", "C62")])
def test_across_families_and_without_a_factor_nothing_converts(a, b):
    assert conversion_factor(a, b) is None


def test_twenty_four_hours_invoiced_one_by_one_fill_a_day_exactly():
    po = order(order_line(qty="1", unit="DAY", price="240.00"))
    lines = [inv_line(str(i), qty="1", unit="HUR", price="10.00") for i in range(1, 25)]
    d = match(inputs(invoice(*lines), po))
    assert d.approved, d.failed()
    assert "HUR converted to DAY ÷ 24" in d.normalisations()[0].message_en
    too_many = [inv_line(str(i), qty="1", unit="HUR", price="10.00") for i in range(1, 26)]
    assert set(match(inputs(invoice(*too_many), po)).reason_codes) == {R.QUANTITY_EXCEEDS_ORDERED}


def test_units_without_a_factor_still_compare_exactly():
    assert conversion_factor("XBX", "XBX") == 1 and conversion_factor(" xbx", "XBX") == 1


def test_every_code_of_the_table_is_in_the_peppol_code_list_and_every_family_has_its_base():
    listed = set(re.findall(r"<Id>([^<]+)</Id>", CODELIST.read_text(encoding="utf-8")))
    assert set(UNITS) <= listed, sorted(set(UNITS) - listed)
    for family, base in FAMILY_BASE.items():
        assert UNITS[base][:2] == (family, D(1))


def test_a_dozen_invoiced_against_pieces_is_converted_with_price_and_explained():
    po = order(order_line(qty="120", unit="C62", price="1.00"))
    inv = invoice(inv_line(qty="10", unit="DZN", price="12.00"))
    d = match(inputs(inv, po))
    assert d.approved, d.failed()
    conv = {c.name: c for c in d.normalisations()}
    assert conv["unit_conversion"].message_en.count("DZN converted to C62 x 12") == 1
    assert "DZN omgerekend naar C62 × 12" in conv["unit_conversion"].message_nl
    assert [q.quantity for q in d.ledger_delta] == [D(120)]


def test_price_per_base_quantity_in_another_unit_is_converted():
    # order: 2.50 per 100 C62; invoice: 30.00 per 1 GRO... per 1,000 pieces? 0.025 each either way
    po = order(order_line(qty="5000", unit="C62", price="2.50", base="100"))
    inv = invoice(inv_line(qty="10", unit="GRO", price="3.60", base="1"))  # 3.60 per 144 = 0.025
    d = match(inputs(inv, po))
    assert d.approved, d.failed()
    assert {c.name for c in d.normalisations()} >= {"unit_conversion", "price_conversion"}
    dear = invoice(inv_line(qty="10", unit="GRO", price="3.80", base="1"))  # 0.0264: +5.6 %
    assert set(match(inputs(dear, po)).reason_codes) == {R.PRICE_VARIANCE}


def test_area_against_length_stays_unit_mismatch_with_the_families_named():
    po = order(order_line(unit="MTK"))
    d = match(inputs(invoice(inv_line(unit="MTR")), po))
    assert d.reason_codes == (R.UNIT_MISMATCH,)
    assert "MTR (length) does not convert to MTK (area)" in d.failed()[0].message_en
