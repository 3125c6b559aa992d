"""Compiler features on small synthetic schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.validation.schematron import (
    SchematronCompileError,
    SchematronRuleSet,
    compile_schematron,
    compile_schematron_cached,
)

NS = "urn:test:doc"
DOC = f"""<d:doc xmlns:d="{NS}" kind="k1">
  <d:item code="A"><d:qty>5</d:qty></d:item>
  <d:item code="B"><d:qty>0</d:qty></d:item>
  <d:item code="C"><d:qty>7</d:qty></d:item>
  <plain>x</plain>
</d:doc>"""
ROOT = f"/*:doc[namespace-uri()='{NS}'][1]"


def item(n: int) -> str:
    return f"{ROOT}/*:item[namespace-uri()='{NS}'][{n}]"


def schema(body: str, *, head: str = "", attrs: str = "") -> str:
    return f"""<?xml version="1.0"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2" {attrs}>
  <ns prefix="d" uri="{NS}"/>
  {head}
  {body}
</schema>"""


@pytest.fixture
def run(saxon, tmp_path: Path):
    """Write a schema (and extra files), compile it, run it on DOC (or ``doc``)."""

    def _run(sch: str, *, doc: str = DOC, files: dict[str, str] | None = None, phase: str | None = None,
             strategy: str = "select"):
        for name, text in (files or {}).items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text)
        path = tmp_path / "s.sch"
        path.write_text(sch)
        xsl = tmp_path / f"s-{phase}-{strategy}.xsl"
        xsl.write_text(compile_schematron(path, phase=phase, strategy=strategy))
        walk = tmp_path / f"s-{phase}-walk.xsl"

        def fallback() -> Path:
            walk.write_text(compile_schematron(path, phase=phase, strategy="templates"))
            return walk

        rs = SchematronRuleSet.from_xslt(xsl, name="synthetic", processor=saxon,
                                         fallback_xsl=fallback if strategy == "select" else None)
        return rs.run(saxon.parse_xml(xml_text=doc))

    return _run


def ids(result) -> list[str]:
    return sorted(f.rule_id for f in result.failed)


def test_first_matching_rule_per_pattern_wins(run) -> None:
    result = run(schema("""
      <pattern id="p1">
        <rule context="d:item[@code='A']"><assert id="first" test="false()" flag="fatal">first</assert></rule>
        <rule context="d:item"><assert id="second" test="false()" flag="fatal">second</assert></rule>
      </pattern>
      <pattern id="p2">
        <rule context="d:item"><assert id="other-pattern" test="false()" flag="warning">p2</assert></rule>
      </pattern>"""))
    assert result.error is None
    assert ids(result) == ["first", "other-pattern", "other-pattern", "other-pattern", "second", "second"]
    by_loc = {(f.rule_id, f.location) for f in result.failed}
    assert ("first", item(1)) in by_loc and ("second", item(2)) in by_loc and ("second", item(3)) in by_loc
    assert {f.flag for f in result.failed if f.rule_id == "other-pattern"} == {"warning"}


def test_report_and_messages_with_value_of_and_name(run) -> None:
    result = run(schema("""
      <pattern>
        <rule context="d:item">
          <report id="R1" test="number(d:qty) = 0" flag="information">Item <value-of select="@code"/> in <name/> has <name path="d:qty"/> <value-of select="d:qty"/></report>
        </rule>
      </pattern>"""))
    (f,) = result.failed
    assert f.kind == "report" and f.rule_id == "R1" and f.flag == "information"
    assert f.text == "Item B in d:item has d:qty 0"
    assert f.test == "number(d:qty) = 0"
    assert f.location == item(2)


def test_let_scopes_global_pattern_rule(run) -> None:
    result = run(schema("""
      <pattern>
        <let name="limit" value="$base + 3"/>
        <rule context="d:item">
          <let name="q" value="number(d:qty)"/>
          <assert id="over" test="$q &lt; $limit" flag="fatal">qty <value-of select="$q"/> over <value-of select="$limit"/></assert>
        </rule>
      </pattern>""", head='<let name="base" value="count(/d:doc/d:item)"/>'))
    assert result.error is None
    assert [(f.rule_id, f.location, f.text) for f in result.failed] == [("over", item(3), "qty 7 over 6")]


def test_abstract_pattern_instantiated_with_params_longest_name_first(run) -> None:
    result = run(schema("""
      <pattern abstract="true" id="abs">
        <rule context="$ctx">
          <assert id="A-1" test="$qty-1" flag="fatal">one</assert>
          <assert id="A-10" test="$qty-10" flag="fatal">ten</assert>
        </rule>
      </pattern>
      <pattern is-a="abs" id="inst">
        <param name="ctx" value="d:item"/>
        <param name="qty-1" value="number(d:qty) != 0"/>
        <param name="qty-10" value="number(d:qty) &lt; 6"/>
      </pattern>"""))
    assert [(f.rule_id, f.location) for f in result.failed] == [("A-1", item(2)), ("A-10", item(3))]


def test_include_relative_to_including_file(run) -> None:
    files = {
        "parts/p.sch": """<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="inc">
            <rule context="d:item"><assert id="INC" test="@code != 'C'" flag="fatal">c</assert></rule></pattern>""",
        "parts/abstract/a.sch": """<pattern xmlns="http://purl.oclc.org/dsdl/schematron" abstract="true" id="a">
            <rule context="$c"><assert id="NESTED" test="false()" flag="fatal">n</assert></rule></pattern>""",
        "parts/top.sch": """<pattern xmlns="http://purl.oclc.org/dsdl/schematron" is-a="a" id="ia">
            <param name="c" value="plain"/></pattern>""",
    }
    sch = schema('<include href="parts/p.sch"/><include href="parts/abstract/a.sch"/><include href="parts/top.sch"/>')
    result = run(sch, files=files)
    assert sorted((f.rule_id, f.location) for f in result.failed) == [("INC", item(3)), ("NESTED", f"{ROOT}/plain[1]")]


def test_missing_include_is_a_compile_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sch"
    path.write_text(schema('<include href="nope.sch"/>'))
    with pytest.raises(SchematronCompileError, match=r"nope\.sch"):
        compile_schematron(path)


def test_phases_select_patterns(run, tmp_path: Path) -> None:
    body = """
      <phase id="only-b"><active pattern="pb"/></phase>
      <pattern id="pa"><rule context="d:doc"><assert id="A" test="false()" flag="fatal">a</assert></rule></pattern>
      <pattern id="pb"><rule context="d:doc"><assert id="B" test="false()" flag="fatal">b</assert></rule></pattern>"""
    assert ids(run(schema(body))) == ["A", "B"]
    assert ids(run(schema(body), phase="only-b")) == ["B"]
    assert ids(run(schema(body), phase="#ALL")) == ["A", "B"]
    assert ids(run(schema(body, attrs='defaultPhase="only-b"'))) == ["B"]
    path = tmp_path / "p.sch"
    path.write_text(schema(body))
    with pytest.raises(SchematronCompileError, match="unknown phase"):
        compile_schematron(path, phase="nope")


def test_foreign_xsl_function_and_key(run) -> None:
    head = """
      <ns prefix="u" uri="urn:utils"/>
      <xsl:key xmlns:xsl="http://www.w3.org/1999/XSL/Transform" name="by-code" match="d:item" use="@code"/>
      <function xmlns="http://www.w3.org/1999/XSL/Transform" name="u:double" as="xs:integer">
        <param name="v"/>
        <value-of select="2 * number($v)"/>
      </function>"""
    result = run(schema("""
      <pattern>
        <rule context="d:item">
          <assert id="F" test="u:double(d:qty) &lt; 12" flag="fatal">f</assert>
          <assert id="K" test="count(key('by-code', @code)) = 1 and @code != 'A'" flag="fatal">k</assert>
        </rule>
      </pattern>""", head=head + '<ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>'))
    assert result.error is None
    assert [(f.rule_id, f.location) for f in result.failed] == [("K", item(1)), ("F", item(3))]


def test_locations_follow_the_iso_skeleton(run) -> None:
    result = run(schema("""
      <pattern>
        <rule context="/"><assert id="ROOT" test="false()" flag="fatal">r</assert></rule>
        <rule context="plain"><assert id="PLAIN" test="false()" flag="fatal">p</assert></rule>
        <rule context="d:qty"><assert id="QTY" test="number(.) != 7" flag="fatal">q</assert></rule>
      </pattern>"""))
    got = {f.rule_id: f.location for f in result.failed}
    assert got == {
        "ROOT": ROOT,  # the skeleton's path of "/" is that of its root element
        "PLAIN": f"{ROOT}/plain[1]",
        "QTY": f"{item(3)}/*:qty[namespace-uri()='{NS}'][1]",
    }


def test_attributes_are_visited(run) -> None:
    result = run(schema("""
      <pattern><rule context="@code"><assert id="AT" test=". != 'B'" flag="fatal">a</assert></rule></pattern>"""))
    # The skeleton's location of an attribute context is the attribute's value (built-in template).
    assert [(f.rule_id, f.location) for f in result.failed] == [("AT", "B")]


def test_curly_braces_in_tests_are_not_avts(run) -> None:
    result = run(schema("""
      <pattern><rule context="d:doc">
        <assert id="RX" test="not(matches(@kind, '^k[0-9]{1}$'))" flag="fatal">rx</assert>
      </rule></pattern>"""))
    (f,) = result.failed
    assert f.test == "not(matches(@kind, '^k[0-9]{1}$'))"


def test_diagnostics_are_emitted(run) -> None:
    result = run(schema("""
      <pattern><rule context="d:doc">
        <assert id="D" test="false()" flag="fatal" diagnostics="why">main</assert>
      </rule></pattern>
      <diagnostics><diagnostic id="why">kind is <value-of select="@kind"/></diagnostic></diagnostics>"""))
    (f,) = result.failed
    assert f.rule_id == "D" and "main" in f.text


def test_dynamic_error_becomes_result_error(run) -> None:
    result = run(schema("""
      <pattern><rule context="d:doc">
        <assert id="E" test="normalize-space(d:item/d:qty) != ''" flag="fatal">e</assert>
      </rule></pattern>"""))
    assert result.failed == []
    assert result.error is not None
    assert "XPTY0004" in result.error and "'synthetic'" in result.error


def test_emitted_stylesheet_has_no_fired_rules(tmp_path: Path) -> None:
    path = tmp_path / "s.sch"
    path.write_text(schema('<pattern><rule context="d:doc"><assert id="X" test="true()">x</assert></rule></pattern>'))
    text = compile_schematron(path)
    assert "fired-rule" not in text and "active-pattern" not in text


def test_cache_is_keyed_by_all_sources(tmp_path: Path) -> None:
    (tmp_path / "inc.sch").write_text("""<pattern xmlns="http://purl.oclc.org/dsdl/schematron">
        <rule context="d:doc"><assert id="X" test="true()">x</assert></rule></pattern>""")
    path = tmp_path / "s.sch"
    path.write_text(schema('<include href="inc.sch"/>'))
    cache = tmp_path / "cache"
    first = compile_schematron_cached(path, cache)
    mtime = first.stat().st_mtime_ns
    assert compile_schematron_cached(path, cache) == first
    assert first.stat().st_mtime_ns == mtime  # not rewritten
    (tmp_path / "inc.sch").write_text((tmp_path / "inc.sch").read_text().replace('id="X"', 'id="Y"'))
    second = compile_schematron_cached(path, cache)
    assert second != first and 'id="Y"' in second.read_text()
    assert compile_schematron_cached(path, cache, phase="#ALL") not in (first, second)


def _same_both_strategies(run, sch: str):
    walk = run(sch, strategy="templates")
    fast = run(sch)
    assert (fast.error is None) == (walk.error is None), (fast.error, walk.error)
    assert sorted(map(repr, fast.failed)) == sorted(map(repr, walk.failed))
    return fast


def test_error_in_a_context_pattern_behaves_like_the_template_walk(run) -> None:
    # xs:integer('A') fails while matching; template rules treat that as a non-match (XSLT 3.0),
    # so the later rule takes the node. The fast path must give the same answer.
    result = _same_both_strategies(run, schema("""
      <pattern>
        <rule context="d:item[xs:integer(d:qty) = 0 or xs:integer(@code) gt 0]">
          <assert id="R1" test="false()" flag="fatal">r1</assert></rule>
        <rule context="d:item"><assert id="R2" test="false()" flag="fatal">r2</assert></rule>
      </pattern>""", head='<ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>'))
    assert result.error is None


def test_first_match_with_overlapping_wildcards_same_as_template_walk(run) -> None:
    result = _same_both_strategies(run, schema("""
      <pattern>
        <rule context="d:item[@code='B']/d:qty"><assert id="Q" test="false()" flag="fatal">q</assert></rule>
        <rule context="*[ends-with(local-name(), 'ty')]"><assert id="W" test="false()" flag="fatal">w</assert></rule>
        <rule context="d:*"><assert id="D" test="false()" flag="fatal">d</assert></rule>
        <rule context="@*"><assert id="A" test="false()" flag="fatal">a</assert></rule>
        <rule context="node()"><assert id="N" test="false()" flag="fatal">n</assert></rule>
      </pattern>"""))
    assert not result.used_fallback
    assert ids(result) == sorted(["Q", "W", "W", "D", "D", "D", "D", "A", "A", "A", "A", "N"])


def test_code_list_and_attribute_scan_rewrites_keep_results(run) -> None:
    codes = " ".join(f"C{i:03d}" for i in range(300))
    result = _same_both_strategies(run, schema(f"""
      <pattern>
        <rule context="d:item">
          <assert id="LIST" test="contains(' {codes} ', concat(' ', @code, ' '))" flag="fatal">l</assert>
          <assert id="PAIR" test="not(contains(' {codes} ', ' C001 C002 '))" flag="fatal">p</assert>
          <assert id="EMPTY" test="not(contains(' {codes} ', ''))" flag="fatal">e</assert>
          <assert id="ATTR" test="count(//@code) = 2 and not(//@kind)" flag="fatal">a</assert>
        </rule>
      </pattern>"""))
    assert ids(result).count("LIST") == 3 and ids(result).count("PAIR") == 3 and ids(result).count("ATTR") == 3


def test_parenthesised_union_contexts(run) -> None:
    result = _same_both_strategies(run, schema("""
      <let name="on" value="true()"/>
      <pattern>
        <rule context="(/d:doc/d:item | /d:doc/plain)[$on]"><assert id="P" test="false()" flag="fatal">p</assert></rule>
        <rule context="(d:item | d:qty)[1]"><assert id="F" test="false()" flag="fatal">f</assert></rule>
        <rule context="d:*"><assert id="D" test="false()" flag="fatal">d</assert></rule>
      </pattern>"""))
    assert not result.used_fallback
    assert ids(result) == sorted(["P"] * 4 + ["F"] * 3 + ["D"])


def test_code_set_rewrite_keeps_results_and_respects_shadowing(run) -> None:
    sch = schema("""
      <pattern>
        <let name="codes" value="tokenize('A C X', '\\s')"/>
        <rule context="d:item">
          <assert id="SET" test="some $c in $codes satisfies @code = $c" flag="fatal">s</assert>
          <assert id="SET2" test="(some $c in $codes satisfies $c = normalize-space(d:qty)) or true()" flag="fatal">s2</assert>
        </rule>
        <rule context="plain">
          <let name="codes" value="('x')"/>
          <assert id="SHADOW" test="not(some $c in $codes satisfies . = $c)" flag="fatal">sh</assert>
        </rule>
      </pattern>""")
    result = _same_both_strategies(run, sch)
    assert ids(result) == ["SET", "SHADOW"]
    assert [f.location for f in result.failed if f.rule_id == "SET"] == [item(2)]


def test_foreign_xsl_import_in_included_file_resolves_relative_to_it(run) -> None:
    files = {
        "lib/funcs.xsl": """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
              xmlns:u="urn:utils"><xsl:function name="u:big"><xsl:param name="v"/>
              <xsl:sequence select="number($v) gt 6"/></xsl:function></xsl:stylesheet>""",
        "lib/p.sch": """<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="p">
            <xsl:import xmlns:xsl="http://www.w3.org/1999/XSL/Transform" href="funcs.xsl"/>
            <rule context="d:item"><assert id="BIG" test="not(u:big(d:qty))" flag="fatal">b</assert></rule>
            </pattern>""",
    }
    result = run(schema('<ns prefix="u" uri="urn:utils"/><include href="lib/p.sch"/>'), files=files)
    assert result.error is None
    assert [(f.rule_id, f.location) for f in result.failed] == [("BIG", item(3))]


def test_default_phase_keyword(run) -> None:
    body = """
      <phase id="only-a"><active pattern="pa"/></phase>
      <pattern id="pa"><rule context="d:doc"><assert id="A" test="false()" flag="fatal">a</assert></rule></pattern>
      <pattern id="pb"><rule context="d:doc"><assert id="B" test="false()" flag="fatal">b</assert></rule></pattern>"""
    assert ids(run(schema(body, attrs='defaultPhase="only-a"'), phase="#DEFAULT")) == ["A"]


def test_ends_with_name_rewrite_keeps_results(run) -> None:
    result = _same_both_strategies(run, schema("""
      <pattern>
        <rule context="//*[ends-with(name(), 'ty') or ends-with(name(), 'ain') or ends-with(name(), ':item')]">
          <assert id="E" test="not(ends-with(name(), 'd:qty')) and ends-with(name(), '')" flag="fatal">e</assert>
        </rule>
      </pattern>"""))
    # contexts: d:qty x3 ('ty'), plain ('ain'), d:item x3 (':item' has a colon: kept on name()); d:qty fail
    assert ids(result) == ["E", "E", "E"]


def test_context_string_literals_keep_their_whitespace(run) -> None:
    doc = f'<d:doc xmlns:d="{NS}"><d:v>a  b</d:v><d:v>a b</d:v></d:doc>'
    sch = schema("""
      <pattern>
        <rule context="d:v[. = 'a  b']"><assert id="TWO" test="false()" flag="fatal">two spaces</assert></rule>
        <rule context="document-node()"><assert id="DOC" test="false()" flag="fatal">doc</assert></rule>
      </pattern>""")
    result = run(sch, doc=doc)
    walk = run(sch, doc=doc, strategy="templates")
    assert sorted(map(repr, result.failed)) == sorted(map(repr, walk.failed))
    assert [(f.rule_id, f.location) for f in result.failed if f.rule_id == "TWO"] == [
        ("TWO", f"{ROOT}/*:v[namespace-uri()='{NS}'][1]")]
