"""Repeated ``//`` paths of a rule's tests read from one variable (shared_paths.py)."""

from __future__ import annotations

from tests.validation.schematron.test_schematron_compiler import NS, schema

from service.validation.schematron.shared_paths import document_paths, share


def test_repeated_paths_become_variables_and_the_rest_of_a_path_stays() -> None:
    tests = [
        "exists(//cac:A/cbc:B[@x = 'y']) and //cac:A/cbc:B[@x = 'y']/xs:decimal(.) > 0",
        "count(//cac:A/cbc:B[@x = 'y']/@id) = 1 or not(//cbc:C)",
        "not(//cbc:C) and //cbc:D",
    ]
    out, variables = share(tests, "loc:s1_")
    assert variables == [("loc:s1_1", "//cac:A/cbc:B[@x = 'y']"), ("loc:s1_2", "//cbc:C")]
    assert out == [
        "exists($loc:s1_1) and $loc:s1_1/xs:decimal(.) > 0",
        "count($loc:s1_1/@id) = 1 or not($loc:s1_2)",
        "not($loc:s1_2) and //cbc:D",  # once only: left as it was
    ]


def test_paths_that_depend_on_a_variable_or_continue_another_path_are_not_shared() -> None:
    test = ("every $r in cbc:P satisfies exists(//cac:L[cbc:P = $r]) and $v//cbc:C and a//cbc:C "
            "and '//cbc:C' = x and (//cbc:C)")
    assert [test[s:e] for s, e in document_paths(test)] == ["//cbc:C"]


DOC = f"""<d:doc xmlns:d="{NS}">
  <d:item code="A"><d:qty>5</d:qty></d:item><d:item code="B"><d:qty>x</d:qty></d:item>
</d:doc>"""


def test_a_shared_path_a_test_never_reaches_is_not_evaluated(run) -> None:
    # the path raises (xs:integer('x')) whenever it is evaluated; "exists(d:none) and" and
    # "exists(d:item) or" never reach it, so the tests' values do not need it and the fast path
    # must not raise (non-constant conditions: Saxon cannot drop the path when compiling)
    sch = schema("""
      <pattern>
        <rule context="d:doc">
          <assert id="A1" test="exists(d:none) and exists(//d:item[xs:integer(d:qty) gt 0])">a1</assert>
          <assert id="A2" test="exists(d:item) or exists(//d:item[xs:integer(d:qty) gt 0])">a2</assert>
          <assert id="A3" test="count(//d:item[@code]) = 3">a3</assert>
          <report id="R1" test="exists(//d:item[@code])">r1</report>
        </rule>
      </pattern>""", head='<ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>')
    fast, walk = run(sch, doc=DOC), run(sch, doc=DOC, strategy="templates")
    assert not fast.used_fallback and fast.error is None
    assert sorted(f.rule_id for f in fast.failed) == sorted(f.rule_id for f in walk.failed) == ["A1", "A3", "R1"]
