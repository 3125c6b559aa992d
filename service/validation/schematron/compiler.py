"""ISO Schematron (queryBinding xslt2/xslt3) -> XSLT 3.0 emitting SVRL.

The emitted stylesheet reports what the ISO skeleton (``iso_schematron_skeleton_for_saxon.xsl``,
which produced the official EN 16931 and SI-UBL stylesheets) reports, so both give identical
``(id, flag, location)`` findings:

* in each pattern the first rule (in document order) whose context matches a node wins;
  every element and attribute of the document (and the document node) is a candidate;
* global lets and pattern lets are global variables (context: the document node),
  rule lets are local variables evaluated per context node;
* locations are the skeleton's ``schematron-select-full-path`` strings
  (``/*:Invoice[namespace-uri()='...'][1]/*:ID[namespace-uri()='...'][1]``).

Evaluation ("select" strategy, the default): instead of walking every node through every
pattern's template rules (the skeleton; cost = nodes x patterns x rules, and the reason the
official stylesheets are slow on big invoices), each rule *selects* its context nodes
(``//`` + context, see ``patterns.py``) minus the nodes an earlier rule of the same pattern
took. Long code-list literals and code-set quantifiers become map lookups, ``//@attr`` scans
an ``xsl:key`` lookup on big documents (``optimize.py``; each rewrite keeps the value), a rule's
many ``not(child/path)`` asserts are answered by one walk of its context (``absence.py``), and
``//*[ends-with(local-name(), ...)]`` contexts look at attributes first on documents the UBL XSD
accepted (``closed_world.py``). The skeleton-style template walk (``strategy="templates"``) is
the fallback: the runner re-runs a document through it when the fast path raises anything
(an error in a match pattern is a non-match for template rules, not for select expressions),
so dynamic-error behaviour stays the skeleton's.
``svrl:fired-rule`` and ``svrl:active-pattern`` are not emitted; findings come per pattern,
rule by rule (document order within a rule) rather than interleaved in document order.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urljoin

from lxml import etree

from .absence import MIN_GROUP as ABSENCE_MIN_GROUP
from .absence import WALK_FUNCTION, Trie, absence_paths
from .closed_world import PARAM as SCHEMA_VALID_PARAM
from .closed_world import schema_valid_name_scan, schema_valid_select
from .guards import guarded, split_guards
from .index import INDEX_FROM_ELEMENTS, ElementIndex, one_pass
from .loader import SCH, LoadedSchema, SchematronCompileError, collect_sources, load_schema
from .optimize import Rewriter, list_tokens, local_name_suffixes, tokenize_literal
from .patterns import Context, analyse
from .shared_paths import share
from .xpath_scan import is_boolean

__all__ = [
    "COMPILER_VERSION",
    "SchematronCompileError",
    "compile_schematron",
    "compile_schematron_cached",
    "load_schema",
]

# Bump whenever the emitted XSLT changes: it is part of the cache key.
COMPILER_VERSION = "24"

XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
XS = "http://www.w3.org/2001/XMLSchema"
# Namespace of the helper functions we emit ourselves.
LOC = "urn:einvoice:schematron:internal"
# The comment that opens a stylesheet whose absence walks the runner may answer (absence.py).
GIVEN_TRIES_MARK = "loc:given-tries "
# The parameter a stylesheet declares when some context is selected faster on documents the UBL
# 2.1 XSD accepted (closed_world.py); the runner sets it for every document.
SCHEMA_VALID_PARAM_NAME = f"{{{LOC}}}{SCHEMA_VALID_PARAM.partition(':')[2]}"
MAP = "http://www.w3.org/2005/xpath-functions/map"

_S = f"{{{SCH}}}"
_X = f"{{{XSL}}}"
_V = f"{{{SVRL}}}"


def _as_uri(base: str | None) -> str:
    if not base:
        return Path.cwd().as_uri() + "/"
    return base if "://" in base or base.startswith("file:") else Path(base).resolve().as_uri()


def _avt_escape(s: str) -> str:
    return s.replace("{", "{{").replace("}", "}}")


_LOCATION_FUNCTIONS = f"""
<xsl:stylesheet version="3.0" xmlns:xsl="{XSL}" xmlns:xs="{XS}" xmlns:loc="{LOC}" xmlns:map="{MAP}">
  <!-- The ISO skeleton's schematron-select-full-path, as functions. Elements: the full path;
       the document node: the paths of its element children (built-in template); other nodes
       (attributes, text): their string value (built-in template). -->
  <xsl:function name="loc:path" as="xs:string">
    <xsl:param name="n" as="node()"/>
    <xsl:sequence select="
      if ($n instance of element()) then loc:element-path($n)
      else if ($n instance of document-node()) then string-join($n/node()!(if (. instance of element()) then loc:element-path(.) else if (. instance of text()) then string(.) else ''), '')
      else if ($n instance of comment() or $n instance of processing-instruction()) then ''
      else string($n)"/>
  </xsl:function>
  <xsl:function name="loc:in-list" as="xs:boolean">
    <xsl:param name="tokens" as="map(xs:string, xs:boolean)"/>
    <xsl:param name="list" as="xs:string"/>
    <xsl:param name="probe" as="xs:string?"/>
    <!-- = contains($list, $probe): a map hit for ' token ', the real thing otherwise -->
    <xsl:sequence select="
      if (starts-with($probe, ' ') and ends-with($probe, ' ') and string-length($probe) gt 2
          and not(contains(substring($probe, 2, string-length($probe) - 2), ' ')))
      then map:contains($tokens, $probe) else contains($list, $probe)"/>
  </xsl:function>
  <xsl:function name="loc:any-in" as="xs:boolean">
    <xsl:param name="codes" as="map(xs:string, xs:boolean)"/>
    <xsl:param name="items" as="xs:anyAtomicType*"/>
    <!-- = some $c in (the codes) satisfies $items = $c, for string/untyped items -->
    <xsl:sequence select="some $i in $items satisfies map:contains($codes, string($i))"/>
  </xsl:function>
  <xsl:function name="loc:element-path" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="string-join($e/ancestor-or-self::*!loc:step(.), '')"/>
  </xsl:function>
  <xsl:function name="loc:step" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="ln" select="local-name($e)"/>
    <xsl:variable name="ns" select="namespace-uri($e)"/>
    <xsl:sequence select="concat('/',
      if ($ns = '') then name($e) else concat('*:', $ln, '[namespace-uri()=''', $ns, ''']'),
      '[', loc:position($e), ']')"/>
  </xsl:function>
  <!-- The element's position among its same-named siblings: counted when few siblings come
       before it, else looked up in the positions of the children of crowded parents, built once
       per document. Counting for each of n findings among n siblings costs n*n steps: 4,000
       empty elements took seconds, 50,000 minutes. -->
  <xsl:function name="loc:position" as="xs:integer">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="
      if (empty($e/preceding-sibling::*[64]))
      then 1 + count($e/preceding-sibling::*[local-name() = local-name($e) and namespace-uri() = namespace-uri($e)])
      else $loc:positions(generate-id($e))"/>
  </xsl:function>
  <xsl:variable name="loc:positions" as="map(xs:string, xs:integer)">
    <xsl:map>
      <xsl:for-each select="//*[*[65]]">
        <xsl:for-each-group select="*" group-by="node-name()">
          <xsl:for-each select="current-group()">
            <xsl:map-entry key="generate-id()" select="position()"/>
          </xsl:for-each>
        </xsl:for-each-group>
      </xsl:for-each>
    </xsl:map>
  </xsl:variable>
</xsl:stylesheet>
"""


class _Emitter:
    def __init__(self, schema: LoadedSchema, phase: str | None, strategy: str = "select"):
        self.root = schema.root
        self.phase = phase
        self.strategy = strategy
        nsmap: dict[str, str] = {"xsl": XSL, "xs": XS, "svrl": SVRL, "loc": LOC, "map": MAP}
        for ns in self.root.iter(f"{_S}ns"):
            prefix, uri = ns.get("prefix"), ns.get("uri")
            if prefix and uri is not None and prefix not in ("xsl", "svrl", "loc", "map"):
                nsmap[prefix] = uri
        self.nsmap = nsmap
        self.rewriter = Rewriter(nsmap=dict(nsmap))
        self.index = ElementIndex(nsmap=dict(nsmap))  # index.py: contexts selected by element name
        self.optimising = False  # rewrites (optimize.py) only on the select path
        self.tries: list[Trie] = []  # absence.py: one per rule with many not(child/path) asserts
        self.given_tries: dict[str, Trie] = {}  # parameter (Clark name) -> trie, for the runner
        self.shared_count = 0  # shared_paths.py: numbers the rules' variable sets
        self.select_templates: list[etree._Element] = []
        self.schema_valid_used = False  # closed_world.py: some context reads $loc:schema-valid
        # global lets (schema, pattern, phase) whose value is a boolean (guards.py)
        self.boolean_vars = frozenset(
            let.get("name", "") for let in self.root.iter(f"{_S}let")
            if let.getparent().tag != f"{_S}rule" and let.get("value") and is_boolean(let.get("value"))
        )
        self.out = etree.Element(f"{_X}stylesheet", nsmap=nsmap)
        self.out.set("version", "3.0")
        self.out.set("exclude-result-prefixes", " ".join(p for p in nsmap if p not in ("svrl",)))

    def _x(self, parent: etree._Element, xsl_name: str, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{_X}{xsl_name}")
        for k, v in attrs.items():
            el.set(k.rstrip("_").replace("_", "-"), v)
        return el

    def active_patterns(self) -> tuple[list[etree._Element], list[etree._Element]]:
        patterns = list(self.root.iter(f"{_S}pattern"))
        phase = self.phase
        if not phase or phase == "#DEFAULT":
            phase = self.root.get("defaultPhase")
        if not phase or phase == "#ALL":
            return patterns, []
        phases = {ph.get("id"): ph for ph in self.root.iter(f"{_S}phase")}
        if phase not in phases:
            raise SchematronCompileError(f"unknown phase {phase!r}; known: {sorted(phases)}")
        ph = phases[phase]
        active = {a.get("pattern") for a in ph.iter(f"{_S}active")}
        return [p for p in patterns if p.get("id") in active], ph.findall(f"{_S}let")

    def optimised(self, expr: str, local_names: frozenset[str] = frozenset()) -> str:
        return self.rewriter.rewrite(expr, local_names) if self.optimising else expr

    def collect_code_set_lets(self) -> None:
        """Global and pattern lets whose value is a constant ``tokenize('...', '\\s')``."""
        seen: dict[str, int] = {}
        candidates: dict[str, list[str]] = {}
        lets = [*self.root.findall(f"{_S}let"), *self.root.findall(f"{_S}pattern/{_S}let"),
                *self.root.findall(f"{_S}phase/{_S}let")]
        for let in lets:
            name = let.get("name", "")
            seen[name] = seen.get(name, 0) + 1
            tokens = tokenize_literal(let.get("value") or "")
            if tokens is not None:
                candidates[name] = tokens
        self.rewriter.code_set_lets = {n: t for n, t in candidates.items() if seen[n] == 1}

    def emit_let(self, parent: etree._Element, let: etree._Element, *, optimise: bool = False,
                 local_names: frozenset[str] = frozenset()) -> None:
        var = self._x(parent, "variable", name=let.get("name", ""))
        if let.get("value") is not None:
            value = let.get("value")
            var.set("select", self.optimised(value, local_names) if optimise else value)
        else:
            for child in let:
                var.append(copy.deepcopy(child))
            if let.text and let.text.strip():
                var.text = let.text

    def emit_message(self, target: etree._Element, node: etree._Element) -> None:
        """Copy assert/report content into svrl:text: text, value-of, name, emph/dir/span."""
        if node.text:
            t = self._x(target, "text")
            t.text = node.text
        for child in node:
            if child.tag == f"{_S}value-of":
                self._x(target, "value-of", select=child.get("select", "."))
            elif child.tag == f"{_S}name":
                self._x(target, "value-of", select=f"name({child.get('path', '.')})")
            elif isinstance(child.tag, str):
                self.emit_message(target, child)
            if child.tail:
                t = self._x(target, "text")
                t.text = child.tail

    def emit_check(self, parent: etree._Element, check: etree._Element, diagnostics: dict[str, etree._Element],
                   local_names: frozenset[str] = frozenset(), *, fast_test: str | None = None,
                   shared_test: str | None = None) -> None:
        """``fast_test`` replaces the test as it is; ``shared_test`` is the test reading the
        rule's shared paths (shared_paths.py), optimised like the test itself."""
        is_assert = check.tag == f"{_S}assert"
        test = check.get("test", "true()")
        if is_assert:
            choose = self._x(parent, "choose")
            self._x(choose, "when", test=fast_test or self.optimised(shared_test or test, local_names))
            body = self._x(choose, "otherwise")
            el = etree.SubElement(body, f"{_V}failed-assert")
        else:
            body = self._x(parent, "if", test=self.optimised(shared_test or test, local_names))
            el = etree.SubElement(body, f"{_V}successful-report")
        el.set("test", _avt_escape(test))
        for attr in ("id", "flag", "role"):
            if check.get(attr) is not None:
                el.set(attr, _avt_escape(check.get(attr)))
        self._x(el, "attribute", name="location", select="loc:path(.)")
        for ref in (check.get("diagnostics") or "").split():
            if ref in diagnostics:
                d = etree.SubElement(el, f"{_V}diagnostic-reference")
                d.set("diagnostic", ref)
                self.emit_message(etree.SubElement(d, f"{_V}text"), diagnostics[ref])
        self.emit_message(etree.SubElement(el, f"{_V}text"), check)

    def emit_rule_body(self, parent: etree._Element, rule: etree._Element, diagnostics: dict[str, etree._Element],
                       *, optimise: bool) -> None:
        saved, self.optimising = self.optimising, optimise
        try:
            self._emit_rule_body(parent, rule, diagnostics)
        finally:
            self.optimising = saved

    def _emit_rule_body(self, parent: etree._Element, rule: etree._Element, diagnostics: dict[str, etree._Element]) -> None:
        shared = self.shared_paths(parent, rule) if self.optimising else {}
        fast_tests, hits = self.absence_tests(parent, rule) if self.optimising else ({}, "")
        if not fast_tests:
            self._emit_checks(parent, rule, diagnostics, shared=shared)
            return
        # Usually none of the paths exists: then only the other checks run (each instruction costs
        # Saxon about a microsecond, and the absence asserts are hundreds). Otherwise all of them,
        # in their order, with the walk's answers as tests.
        choose = self._x(parent, "choose")
        self._emit_checks(self._x(choose, "when", test=f"empty({hits})"), rule, diagnostics, skip=fast_tests,
                          shared=shared)
        self._emit_checks(self._x(choose, "otherwise"), rule, diagnostics, fast_tests=fast_tests, shared=shared)

    def _emit_checks(self, parent: etree._Element, rule: etree._Element, diagnostics: dict[str, etree._Element], *,
                     skip: Mapping[etree._Element, str] = MappingProxyType({}),
                     fast_tests: Mapping[etree._Element, str] = MappingProxyType({}),
                     shared: Mapping[etree._Element, str] = MappingProxyType({})) -> None:
        local_names = frozenset(let.get("name", "") for let in rule.findall(f"{_S}let"))
        for child in rule:
            if child.tag == f"{_S}let":
                self.emit_let(parent, child, optimise=True, local_names=local_names)
            elif child.tag in (f"{_S}assert", f"{_S}report") and child not in skip:
                self.emit_check(parent, child, diagnostics, local_names, fast_test=fast_tests.get(child),
                                shared_test=shared.get(child))

    def shared_paths(self, parent: etree._Element, rule: etree._Element) -> dict[etree._Element, str]:
        """Declare the rule's repeated ``//`` paths as variables (shared_paths.py); return the
        tests that read them, by check."""
        checks = [c for c in rule if c.tag in (f"{_S}assert", f"{_S}report")]
        self.shared_count += 1
        tests, variables = share([c.get("test", "true()") for c in checks], f"loc:s{self.shared_count}_")
        for var, path in variables:
            self._x(parent, "variable", name=var, select=self.optimised(path))
        return {c: t for c, t in zip(checks, tests) if t != c.get("test", "true()")}

    def absence_tests(self, parent: etree._Element, rule: etree._Element) -> tuple[dict[etree._Element, str], str]:
        """Replacement tests for the rule's ``not(child/path)`` asserts, answered by one walk of
        the context's subtree (absence.py), and the variable holding the walk's answer; empty
        when the rule has too few of them."""
        candidates = []
        for check in rule.findall(f"{_S}assert"):
            paths = absence_paths(check.get("test", ""), self.nsmap)
            if paths is not None:
                candidates.append((check, paths))
        if len(candidates) < ABSENCE_MIN_GROUP:
            return {}, ""
        trie = Trie()
        self.tries.append(trie)
        n = len(self.tries)
        walk = f"loc:present(., $loc:trie{n})"
        if _on_document_element(rule.get("context", ""), self.nsmap):
            # the runner may give the answer, computed from the lxml tree (absence.present)
            self.given_tries[f"{{{LOC}}}given{n}"] = trie
            walk = (f"if ($loc:given{n} = 'walk') then {walk} "
                    f"else (for $n in tokenize($loc:given{n}) return xs:integer($n))")
        self._x(parent, "variable", name=f"loc:hits{n}", select=walk, as_="xs:integer*")
        return {check: f"not($loc:hits{n} = {trie.add(paths)})" for check, paths in candidates}, f"$loc:hits{n}"

    def emit_template_mode(self, mode: str, rules: list[etree._Element], diagnostics: dict[str, etree._Element]) -> None:
        """The skeleton's evaluation: one mode, rules as templates by descending priority,
        walking ``@*|*`` from the document node."""
        out = self.out
        for j, rule in enumerate(rules):
            tpl = self._x(out, "template", match=rule.get("context", ""), mode=mode,
                          priority=str(1000 + len(rules) - 1 - j))
            self.emit_rule_body(tpl, rule, diagnostics, optimise=False)
            self._x(tpl, "apply-templates", select="@*|*", mode=mode)
        self._x(out, "template", match="text()", mode=mode, priority="-1")
        dflt = self._x(out, "template", match="@*|node()", mode=mode, priority="-2")
        self._x(dflt, "apply-templates", select="@*|*", mode=mode)

    def emit_select_template(self, name: str, rules: list[etree._Element], diagnostics: dict[str, etree._Element]) -> bool:
        """Same findings as the template mode, by selecting each rule's context nodes minus
        those an earlier rule of the pattern already took (first matching rule wins)."""
        analysed = [analyse(rule.get("context", ""), self.nsmap) for rule in rules]
        contexts = [c for c in analysed if c is not None]
        if len(contexts) < len(analysed):
            return False
        tpl = self._x(self.out, "template", name=name)
        self.select_templates.append(tpl)
        for j, (rule, ctx) in enumerate(zip(rules, contexts)):
            earlier = [f"$loc:r{k}" for k in range(j) if contexts[k].may_overlap(ctx)]
            select = schema_valid_select(local_name_suffixes(ctx.select_of(self.branch_selects(ctx))))
            self.schema_valid_used |= f"${SCHEMA_VALID_PARAM}" in select
            if earlier:
                select = f"({select}) except ({' | '.join(earlier)})"
            self._x(tpl, "variable", name=f"loc:r{j}", select=select)
            loop = self._x(tpl, "for-each", select=f"$loc:r{j}")
            self.emit_rule_body(loop, rule, diagnostics, optimise=True)
        return True

    def branch_selects(self, ctx: Context) -> list[str]:
        """Each branch of a rule context as selected: node-independent predicates tested once in
        front (guards.py), the rest through the element index where it qualifies (index.py)."""
        plain, out = [], []
        for branch in ctx.branches:
            guards, rest = split_guards(branch.select, self.boolean_vars)
            if guards:
                out.append(guarded(guards, self.sized([rest])))
            else:
                plain.append(rest)
        return ([self.sized(plain)] if plain else []) + out

    def sized(self, branches: list[str]) -> str:
        """The union of the branches, selected through the element index on documents of
        INDEX_FROM_ELEMENTS elements or more (building the index costs about a microsecond an
        element, more than the scans it saves on a small invoice; on a 5,000-line one it saves
        most of the selection time), as written on smaller ones."""
        indexed = self.index.rewrite(branches)
        scanned = " | ".join(one_pass(branches, self.nsmap, partial(schema_valid_name_scan, nsmap=self.nsmap)))
        if indexed == branches:
            return scanned
        return f"(if ($loc:b) then ({' | '.join(indexed)}) else ({scanned}))"

    def emit(self) -> str:
        out = self.out
        self.collect_code_set_lets()
        self._x(out, "output", method="xml", indent="no")
        for fn in etree.fromstring(_LOCATION_FUNCTIONS):
            if isinstance(fn.tag, str):
                out.append(fn)
        # Foreign XSLT (functions, keys, ...) anywhere at schema or pattern level is copied through.
        for el in self.root.iter(f"{_X}*"):
            parent = el.getparent()
            if parent is not None and parent.tag in (f"{_S}schema", f"{_S}pattern"):
                foreign = copy.deepcopy(el)
                if foreign.tag in (f"{_X}import", f"{_X}include") and foreign.get("href"):
                    # the compiled stylesheet lives elsewhere (cache): make the reference absolute
                    foreign.set("href", urljoin(_as_uri(el.base), foreign.get("href")))
                if foreign.tag == f"{_X}import":
                    out.insert(0, foreign)  # xsl:import must come first
                else:
                    out.append(foreign)
        diagnostics = {d.get("id"): d for d in self.root.iter(f"{_S}diagnostic")}
        for let in self.root.findall(f"{_S}let"):
            self.emit_let(out, let)
        patterns, phase_lets = self.active_patterns()
        for let in phase_lets:
            self.emit_let(out, let)
        main = self._x(out, "template", match="/")
        report = etree.SubElement(main, f"{_V}schematron-output")
        title = self.root.find(f"{_S}title")
        report.set("title", _avt_escape("".join(title.itertext()).strip()) if title is not None else "")
        report.set("schemaVersion", _avt_escape(self.root.get("schemaVersion", "")))
        for i, pattern in enumerate(patterns, start=1):
            for let in pattern.findall(f"{_S}let"):
                self.emit_let(out, let)
            rules = pattern.findall(f"{_S}rule")
            mode = f"M{i}"
            if self.strategy == "select" and self.emit_select_template(f"loc:P{i}", rules, diagnostics):
                self._x(report, "call-template", name=f"loc:P{i}")
            else:
                self.emit_template_mode(mode, rules, diagnostics)
                self._x(report, "apply-templates", select="/", mode=mode)
        self.emit_rewrite_support()
        return etree.tostring(out, encoding="unicode", pretty_print=True)

    def emit_rewrite_support(self) -> None:
        """Globals used by the rewritten tests (see optimize.py), placed after xsl:output."""
        at = 1
        for literal, var in self.rewriter.lists.items():
            entries = ", ".join(f"'{t}': true()" for t in list_tokens(literal))
            el = etree.Element(f"{_X}variable", name=var, select=f"map{{{entries}}}")
            el.set("as", "map(xs:string, xs:boolean)")
            self.out.insert(at, el)
            at += 1
        for tokens, var in self.rewriter.sets.items():
            entries = ", ".join("'" + t.replace("'", "''") + "': true()" for t in tokens)
            el = etree.Element(f"{_X}variable", name=var, select=f"map{{{entries}}}")
            el.set("as", "map(xs:string, xs:boolean)")
            self.out.insert(at, el)
            at += 1
        for n, trie in enumerate(self.tries, start=1):
            # static: built once when the stylesheet is compiled (as a plain global, Saxon would
            # build the map of QName keys again in every transformation)
            el = etree.Element(f"{_X}variable", name=f"loc:trie{n}", select=trie.literal(), static="yes")
            el.set("as", "map(*)")
            self.out.insert(at, el)
            at += 1
        for name in self.given_tries:
            param = etree.Element(f"{_X}param", name=f"loc:{name.rpartition('}')[2]}", select="'walk'")
            param.set("as", "xs:string")
            self.out.insert(at, param)
            at += 1
        if self.schema_valid_used:
            param = etree.Element(f"{_X}param", name=SCHEMA_VALID_PARAM, select="false()")
            param.set("as", "xs:boolean")
            self.out.insert(at, param)
            at += 1
        if self.given_tries:
            # read back by the runner (runner.given_tries): which parameter answers which paths
            table = {name: [[list(path), number] for path, number in trie.paths]
                     for name, trie in self.given_tries.items()}
            self.out.insert(0, etree.Comment(f"{GIVEN_TRIES_MARK}{json.dumps(table, separators=(',', ':'))}"))
        if self.tries:
            for fn in etree.fromstring(WALK_FUNCTION.format(loc=LOC, map=MAP)):
                if isinstance(fn.tag, str):
                    self.out.append(fn)
        if self.rewriter.uses_attribute_index:
            key = etree.Element(f"{_X}key", name="loc:attributes", match="@*[namespace-uri() = '']",
                                use="local-name()")
            self.out.insert(at, key)
            at += 1
        if self.index.used:
            self.out.insert(at, etree.Element(f"{_X}key", name="loc:elements", match="*", use="node-name()"))
            at += 1
            big = etree.Element(f"{_X}variable", name="loc:big", select=f"exists((//*)[{INDEX_FROM_ELEMENTS}])")
            big.set("as", "xs:boolean")
            self.out.insert(at, big)
            at += 1
            for tpl in self.select_templates:  # a local copy: much cheaper to read than a global
                local = etree.Element(f"{_X}variable", name="loc:b", select="$loc:big")
                local.set("as", "xs:boolean")
                tpl.insert(0, local)
            for var, select in self.index.declarations():
                el = etree.Element(f"{_X}variable", name=var, select=select, static="yes")
                el.set("as", "xs:QName+")
                self.out.insert(at, el)
                at += 1


def _on_document_element(context: str, nsmap: dict[str, str]) -> bool:
    """True when a rule context matches nothing but the document element (``/ubl:Invoice | ...``)."""
    ctx = analyse(context, nsmap)
    return ctx is not None and not ctx.needs_kind_filter and all(
        re.fullmatch(r"/[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?", b.select) for b in ctx.branches)


def compile_schematron(sch_path: Path, *, phase: str | None = None, strategy: str = "select") -> str:
    """Compile an ISO Schematron file (xslt2 binding) to the text of an XSLT 3.0 stylesheet.

    The stylesheet, applied to a document (with the document also set as global context
    item), returns an ``svrl:schematron-output`` holding ``svrl:failed-assert`` and
    ``svrl:successful-report`` elements with ``@id``, ``@flag``, ``@location``, ``@test``
    and ``svrl:text``. ``phase`` selects a ``sch:phase`` (default: ``@defaultPhase``, else all).
    ``strategy="templates"`` emits the skeleton-style template walk (the fallback, and the
    reference the fast "select" strategy is tested against).
    """
    if strategy not in ("select", "templates"):
        raise ValueError(f"unknown strategy {strategy!r}")
    return _Emitter(load_schema(sch_path), phase, strategy).emit()


def _source_digest(sch_path: Path, phase: str | None, strategy: str) -> tuple[str, list[Path]]:
    sources: list[Path] = []
    collect_sources(Path(sch_path).resolve(), sources)
    h = hashlib.sha256()
    h.update(f"compiler={COMPILER_VERSION}\nphase={phase or ''}\nstrategy={strategy}\n".encode())
    for src in sources:
        h.update(src.name.encode() + b"\0")
        h.update(hashlib.sha256(src.read_bytes()).digest())
    return h.hexdigest(), sources


def compile_schematron_cached(
    sch_path: Path, cache_dir: Path, *, phase: str | None = None, strategy: str = "select"
) -> Path:
    """Compile ``sch_path`` unless a stylesheet for the same sources is already cached.

    The file is named by the SHA-256 of all source files (entry + includes), the phase and
    the compiler version, so a changed include or compiler invalidates it.
    """
    sch_path = Path(sch_path)
    digest, _ = _source_digest(sch_path, phase, strategy)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", sch_path.stem)
    suffix = "" if strategy == "select" else f"-{strategy}"
    target = Path(cache_dir) / f"{stem}-{digest[:20]}{suffix}.xsl"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    text = compile_schematron(sch_path, phase=phase, strategy=strategy)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".xsl")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
