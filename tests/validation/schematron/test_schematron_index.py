"""Contexts selected through the element index (index.py): which ones, and the same findings as the
template walk where predicates could behave differently."""

from __future__ import annotations

import pytest
from tests.validation.schematron.test_schematron_compiler import NS, schema

from service.validation.schematron import compiler
from service.validation.schematron.index import ElementIndex, one_pass, position_free

NSMAP = {"cac": "urn:cac", "cbc": "urn:cbc", "d": NS}


@pytest.mark.parametrize("predicate", [
    "cbc:ChargeIndicator = false()",
    "normalize-space(cbc:ID) != ''",
    "@schemeID",
    "cac:TaxScheme/cbc:ID",
    "exists(cbc:Amount) and cbc:Amount > 0",
    "not(cbc:Note)",
    "cbc:PaymentMeansCode='30' or cbc:PaymentMeansCode='58'",
])
def test_predicates_whose_value_is_a_truth_value_or_nodes_qualify(predicate: str) -> None:
    assert position_free(predicate)


@pytest.mark.parametrize("predicate", [
    "1",  # a number: the first one
    "last()",
    "position() = 2",
    "cbc:ID = 'x' and position() = 1",  # positional, even inside a comparison
    "$n",  # may hold a number
    "count(cbc:ID)",  # a number
    "if (cbc:ID) then 1 else 2",
    "xs:integer(@n)",
    "",
])
def test_predicates_that_may_be_positional_do_not(predicate: str) -> None:
    assert not position_free(predicate)


def test_plain_names_share_one_look_up_and_paths_test_their_parents() -> None:
    index = ElementIndex(NSMAP)
    out = index.rewrite(["//cbc:Amount", "//cac:Line/cac:Item[cbc:Name]/cbc:ID[@schemeID]", "//cbc:Base",
                         "//cac:X[1]/cbc:ID", "/d:doc/d:item", "//cac:*", "//cbc:A//cbc:B"])
    assert out == [
        "key('loc:elements', $loc:names2)",
        "key('loc:elements', $loc:names1)[parent::cac:Item[cbc:Name][parent::cac:Line]][@schemeID]",
        "//cac:X[1]/cbc:ID", "/d:doc/d:item", "//cac:*", "//cbc:A//cbc:B",
    ]
    assert index.declarations() == [
        ("loc:names1", "(QName('urn:cbc', 'ID'))"),
        ("loc:names2", "(QName('urn:cbc', 'Amount'), QName('urn:cbc', 'Base'))"),
    ]


def _same_as_walk(run, sch: str, doc: str, *, indexed: bool):
    walk, fast = run(sch, doc=doc, strategy="templates"), run(sch, doc=doc)
    assert fast.error is None and walk.error is None, (fast.error, walk.error)
    # through the index, the cast below is only tried where the walk tries it; selecting as
    # written, //d:item[...] tries every item, raises, and the walk (fallback) answers
    assert fast.used_fallback is not indexed
    assert sorted(map(repr, fast.failed)) == sorted(map(repr, walk.failed))
    return fast


DOC = f"""<d:doc xmlns:d="{NS}">
  <d:list><d:item code="A"><d:qty>5</d:qty><d:name>a</d:name></d:item><d:item code="B"><d:qty>x</d:qty></d:item></d:list>
  <d:list><d:item code="B"><d:qty>0</d:qty><d:name>b</d:name></d:item><d:item code="C"><d:qty>7</d:qty></d:item></d:list>
  <d:item code="R"><d:qty>1</d:qty><d:name>r</d:name></d:item>
</d:doc>"""


@pytest.mark.parametrize("index_from", [1, compiler.INDEX_FROM_ELEMENTS])
def test_indexed_contexts_find_what_the_walk_finds(run, monkeypatch, index_from) -> None:
    monkeypatch.setattr(compiler, "INDEX_FROM_ELEMENTS", index_from)  # this document has 12 elements
    result = _same_as_walk(run, schema("""
      <pattern>
        <rule context="d:list/d:item[@code = 'B']/d:qty"><assert id="LB" test="false()">lb</assert></rule>
        <rule context="d:item[1]/d:qty"><assert id="FIRST" test="false()">first</assert></rule>
        <rule context="d:qty | d:name"><assert id="ANY" test="false()">any</assert></rule>
      </pattern>
      <pattern>
        <!-- the cast fails on the item whose qty is "x", which has no name: only items with a
             name are ever tested, by the walk and by the index alike -->
        <rule context="d:item[xs:integer(d:qty) ge 0]/d:name"><assert id="N" test="false()">n</assert></rule>
      </pattern>""", head='<ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>'), doc=DOC,
        indexed=index_from == 1)
    assert sorted(f.rule_id for f in result.failed) == ["ANY"] * 4 + ["FIRST"] * 2 + ["LB"] * 2 + ["N"] * 3


def test_a_union_of_many_plain_names_is_one_pass_over_the_elements() -> None:
    branches = ["//cbc:A", "//cbc:B", "//cac:X/cbc:C", "//cbc:D", "//cbc:E[@x]", "//cbc:F"]
    assert one_pass(branches, NSMAP) == [
        "/descendant::*/(self::cbc:A | self::cbc:B | self::cbc:D | self::cbc:F)", "//cac:X/cbc:C", "//cbc:E[@x]"]
    assert one_pass(branches[:3], NSMAP) == branches[:3]  # too few to be worth it


def test_one_pass_selects_what_the_union_selects(run) -> None:
    doc = f"""<d:a xmlns:d="{NS}"><d:b/><d:c><d:a/><d:d/></d:c><d:e/><d:b><d:e/></d:b></d:a>"""
    sch = schema("""<pattern><rule context="d:a | d:b | d:d | d:e"><report id="R" test="true()">r</report></rule></pattern>""")
    fast, walk = run(sch, doc=doc), run(sch, doc=doc, strategy="templates")
    assert [f.location for f in fast.failed] == [f.location for f in walk.failed]  # same nodes, same order
    assert len(fast.failed) == 7  # both a, both b, d, both e
