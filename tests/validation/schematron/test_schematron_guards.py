"""Rule-context predicates on global variables, tested once per document (guards.py)."""

from __future__ import annotations

import pytest
from tests.validation.schematron.test_schematron_compiler import NS, schema

from service.validation.schematron.guards import guarded, is_boolean, split_guards

BOOLEAN_VARS = frozenset({"isGreek"})


@pytest.mark.parametrize(("select", "guards", "rest"), [
    ("//cac:X[$c = 'DK' and $d = 'DK']/cac:Y", ["$c = 'DK' and $d = 'DK'"], "//cac:X/cac:Y"),
    ("(/a:I | /a:C)[$isGreek]", ["$isGreek"], "(/a:I | /a:C)"),
    ("//cac:X[not($isGreek) or $n != 2][cbc:ID = 'A']", ["not($isGreek) or $n != 2"], "//cac:X[cbc:ID = 'A']"),
    ("//cac:X[$n]", [], "//cac:X[$n]"),  # $n may be a number: positional
    ("//cac:X[$c = cbc:ID]", [], "//cac:X[$c = cbc:ID]"),  # depends on the node
    ("//cac:X[cbc:Y[$isGreek]]", [], "//cac:X[cbc:Y[$isGreek]]"),  # nested: left alone
    ("//cac:X[position() = $c]", [], "//cac:X[position() = $c]"),
])
def test_only_node_independent_boolean_predicates_are_guards(select, guards, rest) -> None:
    assert split_guards(select, BOOLEAN_VARS) == (guards, rest)


def test_boolean_values() -> None:
    assert is_boolean("($a = 'GR') or ($a = 'EL')")
    assert is_boolean("(upper-case(normalize-space(/*/cbc:X)) = 'DE')")
    assert is_boolean("not(cbc:X)")
    assert not is_boolean("count(cbc:X)")
    assert not is_boolean("(1)")
    assert guarded(["$g"], "//x") == "(if (($g)) then (//x) else ())"


DOC = f"""<d:doc xmlns:d="{NS}" country="DK">
  <d:item code="A"><d:qty>5</d:qty></d:item><d:item code="B"><d:qty>0</d:qty></d:item>
</d:doc>"""


@pytest.mark.parametrize("country", ["DK", "SE"])
def test_guarded_contexts_find_what_the_walk_finds(run, country) -> None:
    sch = schema(f"""
      <let name="country" value="/d:doc/@country"/>
      <let name="isDK" value="$country = 'DK'"/>
      <let name="second" value="2"/>
      <pattern>
        <rule context="d:item[$isDK]/d:qty"><assert id="DK" test="false()">dk</assert></rule>
        <rule context="d:item[$second]"><assert id="SECOND" test="false()">the second item</assert></rule>
        <rule context="(d:item | d:doc)[$country = '{country}' and $isDK]"><assert id="BOTH" test="false()">b</assert></rule>
      </pattern>""")
    fast, walk = run(sch, doc=DOC), run(sch, doc=DOC, strategy="templates")
    assert fast.error is None and not fast.used_fallback
    assert sorted(map(repr, fast.failed)) == sorted(map(repr, walk.failed))
    # the second item is taken by SECOND (first matching rule), so BOTH gets the first item and the doc
    expected = ["BOTH", "BOTH", "DK", "DK", "SECOND"] if country == "DK" else ["DK", "DK", "SECOND"]
    assert sorted(f.rule_id for f in fast.failed) == expected
