"""The pure four-eyes rules: which approvals need a second, different person, and why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.approvals.rules import (
    ABOVE_APPROVER_LIMIT,
    AMOUNT_AT_LEAST,
    AMOUNT_IN_OTHER_CURRENCY,
    FourEyesRules,
    second_person_needed,
)

DEFAULTS = FourEyesRules()


def needed(codes=(), amount="1000.00", currency="EUR", rules=DEFAULTS, limit=None):
    return second_person_needed(rules, reason_codes=codes, payable_amount=Decimal(amount), currency=currency,
                                approver_limit=None if limit is None else Decimal(limit))


@pytest.mark.parametrize("code", ["BANK_ACCOUNT_UNVERIFIED", "SUPPLIER_UNKNOWN", "CURRENCY_MISMATCH"])
def test_each_risky_reason_of_design_needs_a_second_person(code):
    assert needed([code, "PRICE_VARIANCE"]) == [code]


def test_ordinary_exceptions_below_the_threshold_need_one_person():
    assert needed(["PRICE_VARIANCE", "NOT_RECEIVED"], amount="24999.99") == []


def test_the_threshold_is_inclusive_at_eur_25000():
    assert needed(amount="25000.00") == [AMOUNT_AT_LEAST]
    assert needed(amount="24999.99") == []


def test_an_amount_in_another_currency_cannot_be_compared_so_it_needs_a_second_person():
    assert needed(amount="10.00", currency="USD") == [AMOUNT_IN_OTHER_CURRENCY]


def test_triggers_keep_the_invoice_order_and_name_every_reason():
    assert needed(["SUPPLIER_UNKNOWN", "BANK_ACCOUNT_UNVERIFIED", "SUPPLIER_UNKNOWN"], amount="30000") == [
        "SUPPLIER_UNKNOWN", "BANK_ACCOUNT_UNVERIFIED", AMOUNT_AT_LEAST]


def test_a_personal_limit_below_the_amount_needs_a_second_person():
    assert needed(amount="5000.01", limit="5000") == [ABOVE_APPROVER_LIMIT]
    assert needed(amount="5000.00", limit="5000") == []


def test_rules_are_data_with_a_version_label_and_a_stored_form():
    rules = FourEyesRules.from_settings({"reason_codes": ["PRICE_VARIANCE"], "amount_at_least": None}, "global:3")
    assert rules.version == "global:3" and rules.settings() == {
        "reason_codes": ["PRICE_VARIANCE"], "amount_at_least": None, "currency": "EUR"}
    assert needed(["PRICE_VARIANCE"], amount="999999", rules=rules) == ["PRICE_VARIANCE"]
    assert needed(["BANK_ACCOUNT_UNVERIFIED"], amount="999999", rules=rules) == []
    assert FourEyesRules.from_settings(DEFAULTS.settings(), "global:0") == DEFAULTS
