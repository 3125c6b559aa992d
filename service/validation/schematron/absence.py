r"""Many "must not be present" asserts on one context, answered by one walk of the document.

The EN 16931 syntax binding checks the invoice root with about 650 asserts of the form
``not(cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID/@schemeName)`` or
``not((cac:InvoiceLine|cac:CreditNoteLine)/cac:Item/cbc:Description)`` (UBL-CR-xxx: elements
UBL allows and EN 16931 does not use). Evaluated one by one they walk the same children again
and again; on the base example that is most of the rule set's time, and on a 5,000-line
invoice each line-level path visits every line.

Here every such path of a rule goes into one trie (nested maps keyed by expanded names), and
``loc:present(., $trie)`` walks the context's subtree once, following only trie branches, and
returns the numbers of the paths that exist. Each assert's test becomes
``not($hits = <its number>)``, which is true exactly when its path selects nothing: the value of
every test is unchanged, so are the findings (the message, location and flags are emitted as
before, in the same place).

Only plain child paths qualify: steps that are element names, or a parenthesised union of names,
optionally ending in an attribute name. Anything else (predicates, functions, ``//``, ``*``) is
left to Saxon as written.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

# Fewer asserts than this on one rule: the walk's fixed cost is not worth it.
MIN_GROUP = 8

_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_NOT = re.compile(r"^\s*not\s*\((.*)\)\s*$", re.S)
_ELEMENT_STEP = re.compile(rf"^\s*(?:({_NAME})|\(\s*({_NAME}(?:\s*\|\s*{_NAME})*)\s*\))\s*$")
_ATTRIBUTE_STEP = re.compile(rf"^\s*@({_NAME})\s*$")

WALK_FUNCTION = """
<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:loc="{loc}" xmlns:map="{map}">
  <!-- The numbers of the trie's paths that select something below $n (see absence.py). A trie
       node is map{{'k': numbers ending here, 'c': element children by '{{ns}}local',
       'a': attribute numbers by '@{{ns}}local'}}. Only branches of the trie are followed. -->
  <xsl:function name="loc:present" as="xs:integer*">
    <xsl:param name="n" as="node()"/>
    <xsl:param name="t" as="map(*)"/>
    <xsl:variable name="attributes" select="map:get($t, 'a')"/>
    <xsl:variable name="children" select="map:get($t, 'c')"/>
    <xsl:sequence select="
      (if (map:size($attributes) = 0) then ()
       else for $x in $n/@* return map:get($attributes, node-name($x))),
      (if (map:size($children) = 0) then ()
       else for $x in $n/* return
         let $e := map:get($children, node-name($x))
         return if (exists($e)) then (map:get($e, 'k'), loc:present($x, $e)) else ())"/>
  </xsl:function>
</xsl:stylesheet>
"""


def _expand(name: str, nsmap: dict[str, str], *, attribute: bool) -> str | None:
    prefix, _, local = name.rpartition(":")
    if prefix and prefix not in nsmap:
        return None
    uri = nsmap[prefix] if prefix else ""  # an unprefixed name in XPath is in no namespace here
    return f"{'@' if attribute else ''}{{{uri}}}{local}"


def absence_paths(test: str, nsmap: dict[str, str]) -> list[tuple[str, ...]] | None:
    """The expanded-name paths of a ``not(PATH)`` test (one per union alternative), else None."""
    m = _NOT.match(test)
    if not m or "'" in test or '"' in test or "[" in test or "//" in test:
        return None
    steps = m.group(1).split("/")
    alternatives: list[list[str]] = []
    for i, step in enumerate(steps):
        attr = _ATTRIBUTE_STEP.match(step)
        if attr:
            if i != len(steps) - 1:
                return None
            names, attribute = [attr.group(1)], True
        else:
            element = _ELEMENT_STEP.match(step)
            if not element:
                return None
            names = [element.group(1)] if element.group(1) else re.split(r"\s*\|\s*", element.group(2))
            attribute = False
        expanded = [_expand(n, nsmap, attribute=attribute) for n in names]
        if any(e is None for e in expanded):
            return None
        alternatives.append(expanded)  # type: ignore[arg-type]
    return [tuple(p) for p in itertools.product(*alternatives)]


def _qname(key: str) -> str:
    uri, local = key.lstrip("@")[1:].split("}", 1)
    return f"QName('{uri}', '{local}')"


@dataclass
class _Node:
    ends: list[int] = field(default_factory=list)
    children: dict[str, _Node] = field(default_factory=dict)
    attributes: dict[str, list[int]] = field(default_factory=dict)

    def literal(self) -> str:
        children = ", ".join(f"{_qname(k)}: {v.literal()}" for k, v in self.children.items())
        attributes = ", ".join(f"{_qname(k)}: ({', '.join(map(str, v))})" for k, v in self.attributes.items())
        return f"map{{'k': ({', '.join(map(str, self.ends))}), 'c': map{{{children}}}, 'a': map{{{attributes}}}}}"


class Trie:
    """The paths of one rule's absence asserts; ``add`` numbers them 1, 2, ..."""

    def __init__(self) -> None:
        self.root = _Node()
        self.count = 0
        self.paths: list[tuple[tuple[str, ...], int]] = []  # (expanded-name path, number)

    def add(self, paths: list[tuple[str, ...]]) -> int:
        self.count += 1
        for path in paths:
            self.paths.append((path, self.count))
            node = self.root
            for key in path[:-1]:
                node = node.children.setdefault(key, _Node())
            last = path[-1]
            if last.startswith("@"):
                node.attributes.setdefault(last, []).append(self.count)
            else:
                node.children.setdefault(last, _Node()).ends.append(self.count)
        return self.count

    def literal(self) -> str:
        return self.root.literal()


# --- the same walk over an lxml tree -----------------------------------------------------------
# For a rule on the document element the runner may hand the stylesheet the walk's answer,
# computed here from the lxml tree the XSD layer parsed (a third of the cost of the walk in
# Saxon). The stylesheet declares a parameter for it; without one, it walks itself.

PyTrie = tuple[list[int], dict[str, "PyTrie"], dict[str, list[int]]]  # (ends, children, attributes)


def python_trie(paths: list[tuple[list[str], int]]) -> PyTrie:
    """The trie of ``Trie.paths`` keyed by lxml's names (``{uri}local``, or ``local``)."""
    root: PyTrie = ([], {}, {})
    for path, number in paths:
        node = root
        for key in path[:-1]:
            node = node[1].setdefault(_lxml_name(key), ([], {}, {}))
        last = path[-1]
        if last.startswith("@"):
            node[2].setdefault(_lxml_name(last[1:]), []).append(number)
        else:
            node[1].setdefault(_lxml_name(last), ([], {}, {}))[0].append(number)
    return root


def _lxml_name(key: str) -> str:
    return key[2:] if key.startswith("{}") else key


def present(element: etree._Element, trie: PyTrie) -> list[int]:
    """The numbers of the paths that select something below ``element`` (an lxml element)."""
    hits: list[int] = []
    _walk(element, trie, hits)
    return hits


def _walk(element: etree._Element, node: PyTrie, hits: list[int]) -> None:
    _, children, attributes = node
    if attributes:
        for name in element.attrib:
            found = attributes.get(name)
            if found:
                hits.extend(found)
    if children:
        for child in element:  # comments and processing instructions have no name to find
            sub = children.get(child.tag)
            if sub is not None:
                hits.extend(sub[0])
                _walk(child, sub, hits)
