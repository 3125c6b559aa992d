r"""Rewrites of rule tests that keep their value and remove per-node costs that grow with size.

* Code lists: ``contains(' A B C ', X)`` with a long literal scans the literal for every
  context node. It becomes ``loc:in-list($loc:listN, ' A B C ', X)``: when ``X`` is
  ``' token '`` (one space-free token between single spaces) the answer is a lookup in a map
  of exactly the ``' token '`` substrings of the literal; any other ``X`` falls back to
  ``contains`` itself. Both give the same boolean for every input.
* Code sets: ``some $c in $LIST satisfies EXPR = $c``, where ``$LIST`` is a global let
  ``tokenize('A B C', '\s')`` and ``EXPR`` an attribute, text, ``.``, child element or
  ``normalize-space()`` of one (all atomise to strings or untyped values), compares EXPR with
  every code for every context node. It becomes ``loc:any-in($loc:setN, EXPR)``, a map lookup
  of the same strings.
* ``ends-with(name(), 'Suffix')`` with a colon-free literal equals
  ``ends-with(local-name(), 'Suffix')`` (a suffix without ":" can only lie in the local part)
  and avoids building a prefixed name for every element a context like ``//*[...]`` visits.
* Attribute scans: ``//@name`` at the start of a path visits every node of the document each
  time (~7 us on the base example, and the EN 16931 root rule has twenty of them). It becomes
  ``key('loc:attributes', 'name')``, an ``xsl:key`` of the no-namespace attributes by local name
  (document order: the same node sequence), built once per document on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.validation.schematron.xpath_scan import closing, group_end, inside_string, split_top

# A literal shorter than this is cheap to scan; leave it alone.
MIN_LIST_LENGTH = 200

_CONTAINS = re.compile(r"(?<![\w.\-:])contains\(\s*'( [^']* )'\s*,", re.S)
_ATTR_SCAN = re.compile(r"//@([A-Za-z_][\w.\-]*)(?![\w.\-:(\[])")
# A "//" that starts a path follows one of these (or the start of the expression); after a
# name, ")", "]", ".", "*" or "$x" it continues a path and means something else.
_PATH_START_BEFORE = set("(,[=<>!+|-") | {""}


_ENDS_WITH_NAME = re.compile(r"(?<![\w.\-:$])ends-with\(\s*name\(\s*\)\s*,\s*('[^':]*'|\"[^\":]*\")\s*\)")


def local_name_suffixes(expr: str) -> str:
    return _ENDS_WITH_NAME.sub(lambda m: f"ends-with(local-name(), {m.group(1)})", expr)


def list_tokens(literal: str) -> list[str]:
    """The ``' token '`` substrings of ``literal`` (token non-empty and free of spaces)."""
    parts = literal.split(" ")
    return sorted({f" {p} " for p in parts[1:-1] if p})


_SOME = re.compile(r"(?<![\w.\-:$])some\s+\$([A-Za-z_][\w.\-]*)\s+in\s+\$([A-Za-z_][\w.\-]*)\s+satisfies\s", re.S)
_SIMPLE = r"(?:@[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?|text\(\)|\.|[A-Za-z_][\w.\-]*:[A-Za-z_][\w.\-]*)"
_OPERAND = rf"(?:{_SIMPLE}|normalize-space\(\s*{_SIMPLE}\s*\))"
_TOKENIZE = re.compile(r"^\s*tokenize\(\s*'([^']*)'\s*,\s*'\\s'\s*\)\s*$", re.S)


def tokenize_literal(value: str) -> list[str] | None:
    """Tokens of a let value ``tokenize('...', '\\s')`` (as XPath would split it), else None."""
    m = _TOKENIZE.match(value)
    return re.split(r"[ \t\n\r]", m.group(1)) if m else None


@dataclass
class Rewriter:
    lists: dict[str, str] = field(default_factory=dict)  # literal -> variable name
    uses_attribute_index: bool = False
    nsmap: dict[str, str] = field(default_factory=dict)
    code_set_lets: dict[str, list[str]] = field(default_factory=dict)  # global let name -> tokens
    sets: dict[tuple[str, ...], str] = field(default_factory=dict)  # tokens -> variable name

    def code_sets(self, expr: str, local_names: frozenset[str] = frozenset()) -> str:
        out, pos = [], 0
        for m in _SOME.finditer(expr):
            var, listname = m.group(1), m.group(2)
            if m.start() < pos or listname not in self.code_set_lets or listname in local_names:
                continue
            if inside_string(expr, m.start()):
                continue
            end = group_end(expr, m.end())
            body = expr[m.end():end].strip()
            v = re.escape(var)
            hit = (re.fullmatch(rf"({_OPERAND})\s*=\s*\${v}", body, re.S)
                   or re.fullmatch(rf"\${v}\s*=\s*({_OPERAND})", body, re.S))
            if not hit:
                continue
            tokens = tuple(self.code_set_lets[listname])
            name = self.sets.setdefault(tokens, f"loc:set{len(self.sets) + 1}")
            out.append(expr[pos:m.start()])
            out.append(f"loc:any-in(${name}, {hit.group(1)})")
            pos = end
        out.append(expr[pos:])
        return "".join(out)

    def _list_var(self, literal: str) -> str:
        if literal not in self.lists:
            self.lists[literal] = f"loc:list{len(self.lists) + 1}"
        return self.lists[literal]

    def code_lists(self, expr: str) -> str:
        out, pos = [], 0
        for m in _CONTAINS.finditer(expr):
            literal = m.group(1)
            if m.start() < pos or len(literal) < MIN_LIST_LENGTH:
                continue
            end = closing(expr, m.end(), inside=True)
            if end is None:
                return expr
            arg = self.code_lists(expr[m.end():end])
            if "," in arg and len(split_top(arg, ",", strict=False) or ()) != 1:
                continue  # contains() with a collation argument: leave it
            out.append(expr[pos:m.start()])
            out.append(f"loc:in-list(${self._list_var(literal)}, '{literal}', {arg})")
            pos = end + 1
        out.append(expr[pos:])
        return "".join(out)

    def attribute_scans(self, expr: str) -> str:
        def repl(m: re.Match[str]) -> str:
            before = expr[: m.start()].rstrip()
            if (before[-1:] if before else "") not in _PATH_START_BEFORE or inside_string(expr, m.start()):
                return m.group(0)
            self.uses_attribute_index = True
            return f"key('loc:attributes', '{m.group(1)}')"

        return _ATTR_SCAN.sub(repl, expr)

    def rewrite(self, expr: str, local_names: frozenset[str] = frozenset()) -> str:
        expr = self.attribute_scans(self.code_sets(self.code_lists(expr), local_names))
        return local_name_suffixes(expr)
