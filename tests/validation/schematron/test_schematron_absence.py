"""Which asserts the compiler answers with one walk (absence.py), and what the walk's trie holds."""

from __future__ import annotations

import pytest

from service.validation.schematron.absence import Trie, absence_paths

NS = {"cac": "urn:cac", "cbc": "urn:cbc"}


def test_a_child_path_with_a_union_step_and_an_attribute_expands_to_every_alternative() -> None:
    assert absence_paths("not((cac:InvoiceLine|cac:CreditNoteLine)/cbc:ID/@schemeID)", NS) == [
        ("{urn:cac}InvoiceLine", "{urn:cbc}ID", "@{}schemeID"),
        ("{urn:cac}CreditNoteLine", "{urn:cbc}ID", "@{}schemeID"),
    ]
    assert absence_paths(" not( @currencyID ) ", NS) == [("@{}currencyID",)]


@pytest.mark.parametrize("test", [
    "not(cbc:ID) or cbc:ID = '1'",  # more than the path
    "not(//cbc:ID)",  # descendant axis
    "not(cbc:ID[1])",  # predicate
    "not(cac:*/cbc:ID)",  # wildcard
    "not(cbc:ID/@schemeID/cbc:X)",  # attribute not last
    "not(foo:ID)",  # unknown prefix
    "exists(cbc:ID)",
    "not(normalize-space(cbc:ID))",
])
def test_anything_but_a_plain_child_path_is_left_to_saxon(test: str) -> None:
    assert absence_paths(test, NS) is None


def test_the_trie_numbers_each_assert_once_and_shares_prefixes() -> None:
    trie = Trie()
    first = trie.add([("{urn:cac}A", "{urn:cbc}B")])
    second = trie.add([("{urn:cac}A", "@{}x"), ("{urn:cac}C", "@{}x")])
    assert (first, second) == (1, 2)
    assert list(trie.root.children) == ["{urn:cac}A", "{urn:cac}C"]
    assert trie.root.children["{urn:cac}A"].children["{urn:cbc}B"].ends == [1]
    assert trie.root.children["{urn:cac}A"].attributes == {"@{}x": [2]}
    assert "QName('urn:cac', 'A')" in trie.literal()
