"""The buyer look-up (pure): BT-49, else BT-47; the default organisation while none has identifiers."""

from __future__ import annotations

import uuid

import pytest

from service.organisations.directory import Directory, buyer_organisation, identifier_key, split_participant

A, B, DEFAULT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
OIN_A, KVK_B = "00000001001234560000", "12345678"


def _directory() -> Directory:
    return Directory(
        by_key={identifier_key("0190", OIN_A): A, identifier_key("0106", KVK_B): B,
                identifier_key("0088", "8712345678906"): A},
        by_value={OIN_A: frozenset({A}), KVK_B: frozenset({B}), "8712345678906": frozenset({A})},
    )


def test_no_identifiers_anywhere_means_the_default_takes_every_buyer() -> None:
    match = buyer_organisation(Directory(default_id=DEFAULT), ("0190", OIN_A), None)
    assert (match.organisation_id, match.matched_on) == (DEFAULT, "default")
    assert buyer_organisation(Directory(default_id=DEFAULT), None, None).organisation_id == DEFAULT


def test_electronic_address_bt49_decides_first() -> None:
    # BT-49 names A, BT-47 names B: the electronic address wins
    match = buyer_organisation(_directory(), ("0190", OIN_A), ("0106", KVK_B))
    assert (match.organisation_id, match.matched_on) == (A, "BT-49")


def test_legal_registration_bt47_when_bt49_is_none_of_ours() -> None:
    match = buyer_organisation(_directory(), ("0002", "FR23342"), ("0106", "1234 5678"))
    assert (match.organisation_id, match.matched_on) == (B, "BT-47")


def test_bt47_without_a_scheme_matches_a_value_only_one_organisation_has() -> None:
    assert buyer_organisation(_directory(), None, (None, KVK_B)).organisation_id == B
    shared = Directory(by_key={identifier_key("0106", KVK_B): A, identifier_key("0183", KVK_B): B},
                       by_value={KVK_B: frozenset({A, B})})
    assert buyer_organisation(shared, None, (None, KVK_B)).organisation_id is None


def test_identifiers_compare_in_normal_form() -> None:
    assert buyer_organisation(_directory(), ("0190", " 0000 0001 0012 3456 0000 "), None).organisation_id == A
    assert buyer_organisation(_directory(), ("0088", "8712345678906"), None).organisation_id == A


def test_unknown_buyer_says_what_the_document_named() -> None:
    match = buyer_organisation(_directory(), ("0190", "00000001009999999000"), ("0106", "87654321"))
    assert match.organisation_id is None
    assert match.buyer == "BT-49 0190:00000001009999999000, BT-47 0106:87654321"
    assert buyer_organisation(_directory(), None, None).buyer == "no BT-49 / BT-47"


@pytest.mark.parametrize("text, parts", [
    ("iso6523-actorid-upis::0190:00000001001234560000", ("0190", "00000001001234560000")),
    ("0106:12345678", ("0106", "12345678")),
    ("VAT:NL123", None), ("0190:", None), ("12345678", None),
])
def test_participant_ids(text, parts) -> None:
    assert split_participant(text) == parts


def test_participants_are_none_until_organisations_have_identifiers() -> None:
    assert Directory(default_id=DEFAULT).participants() is None
    assert _directory().participants() == {"0190:" + OIN_A, "0106:" + KVK_B, "0088:8712345678906"}
