"""Identifier checks: IBAN, VAT (Dutch BTW-id old and new checksum), GLN via stdnum; KvK and OIN our own."""

import pytest

from service.masterdata import identifiers as ids


@pytest.mark.parametrize("value, normal", [
    ("NL91ABNA0417164300", "NL91ABNA0417164300"),
    ("nl91 abna 0417 1643 00", "NL91ABNA0417164300"),
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
])
def test_valid_ibans_are_normalised(value, normal):
    assert ids.check_iban(value) == normal


@pytest.mark.parametrize("value", ["NL91ABNA0417164301", "NL91ABNA041716430", "XX00", ""])
def test_invalid_ibans_are_refused(value):
    with pytest.raises(ids.IdentifierError):
        ids.check_iban(value)


@pytest.mark.parametrize("value", [
    "NL000099998B57",  # the mod 97-10 "btw-identificatienummer" (sole proprietors since 2020)
    "NL004495445B01",  # classic: 11-test on the RSIN / BSN part
    "nl 0000.99998.b57",
    "DE136695976",
    "BE0403019261",
])
def test_valid_vat_ids(value):
    assert ids.check_vat(value) == ids.normalise(value)


@pytest.mark.parametrize("value", ["NL123456789B01", "NL000099998B58", "123456789B01", "DE136695977", "NL"])
def test_invalid_vat_ids(value):
    with pytest.raises(ids.IdentifierError):
        ids.check_vat(value)


def test_gln_check_digit():
    assert ids.check_gln("7300010000001") == "7300010000001"
    with pytest.raises(ids.IdentifierError, match="check digit"):
        ids.check_gln("7300010000002")
    with pytest.raises(ids.IdentifierError, match="13 digits"):
        ids.check_gln("730001000000")


@pytest.mark.parametrize("value, ok", [
    ("12345678", True), ("1234 5678", True), ("1234567", False), ("123456789", False),
    ("1234567A", False), ("00000000", False),
])
def test_kvk_is_eight_digits(value, ok):
    if ok:
        assert ids.check_kvk(value) == ids.normalise(value)
    else:
        with pytest.raises(ids.IdentifierError):
            ids.check_kvk(value)


@pytest.mark.parametrize("value, ok", [
    ("00000001002564440000", True),   # prefix 1: RSIN 002564440 passes the 11-test
    ("00000003273371660000", True),   # prefix 3: KvK number 27337166
    ("00000004003214345000", True),   # prefix 4: other register, structure only
    ("00000001002564441000", False),  # RSIN fails the 11-test
    ("00000003000000000000", False),  # prefix 3 with a zero KvK number
    ("10000001002564440000", False),  # prefix not 0000000N
    ("00000000002564440000", False),  # N = 0
    ("0000000100256444000", False),   # 19 digits
])
def test_oin_structure(value, ok):
    if ok:
        assert ids.check_oin(value) == value
    else:
        with pytest.raises(ids.IdentifierError):
            ids.check_oin(value)


def test_check_dispatches_on_scheme_and_normalises_other_icd_schemes():
    assert ids.check("0106", "1234-5678") == "12345678"
    assert ids.check("vat", "nl000099998b57") == "NL000099998B57"
    assert ids.check("0192", " 987 654 325 ") == "987654325"
    with pytest.raises(ids.IdentifierError):
        ids.check("0088", "123")
    with pytest.raises(ids.IdentifierError):
        ids.check("0192", "  ")
