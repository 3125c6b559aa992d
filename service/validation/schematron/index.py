"""Rule contexts selected through an index of the document's elements by name.

A context like ``cbc:Amount`` is selected as ``//cbc:Amount``, which visits every node of the
document; a pattern of sixty rules does that sixty times. On a 5,000-line invoice the selections
took 40% of the EN 16931 rule set's time and 80% of Peppol's. Instead the compiled stylesheet
declares ``<xsl:key name="loc:elements" match="*" use="node-name()"/>`` (Saxon builds it once per
document, on first use) and, on documents of INDEX_FROM_ELEMENTS elements or more, selects

    //a[p]/b/c[q]       as  key('loc:elements', $loc:names3)[parent::b[parent::a[p]]][q]
    //x | //y | //z     as  key('loc:elements', $loc:names4)       (one look-up)

with ``$loc:namesN`` the names as static ``xs:QName`` values. Both select the same elements, in
document order: c elements whose parent is a b whose parent is an a with p (that a may be the
document element: ``//`` starts at the document node). Only steps of element names on the child
axis qualify, and only predicates whose value cannot depend on position (no ``position()`` or
``last()``, and a comparison, a boolean function or a plain path, never a possible number): such
a predicate means the same whichever sequence its node is filtered from. The structural tests come
first, so a predicate is evaluated on the nodes the template walk would evaluate it on (the
parent chain), never on more. Anything else keeps its ``//`` selection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from service.validation.schematron.xpath_scan import is_boolean, split_predicates, split_top

# Documents with fewer elements select as written: Saxon builds an xsl:key index anew for every
# document, at about a microsecond an element; measured on fresh documents, the index pays for
# itself from about 300 elements (a 10-line invoice), and the base example has 150.
INDEX_FROM_ELEMENTS = 300

_QNAME = re.compile(r"^(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)$")
_POSITIONAL = re.compile(r"(?<![\w.\-:$])(?:position|last)\s*\(")
_NAME_PATH = re.compile(r"^@?[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?(?:/@?[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)*$")


def position_free(predicate: str) -> bool:
    """True when the predicate's value is a boolean or nodes (never a number, never positional)."""
    p = predicate.strip()
    if not p or _POSITIONAL.search(p):
        return False
    return bool(_NAME_PATH.match(p)) or is_boolean(p)  # nodes (true when any), or a boolean


@dataclass(frozen=True)
class _Step:
    qname: str  # as written (its prefix is bound in the stylesheet)
    name: tuple[str, str]  # (namespace URI, local name)
    predicates: tuple[str, ...]


def _step(text: str, nsmap: dict[str, str]) -> _Step | None:
    split = split_predicates(text)
    if split is None:
        return None
    name, predicates = split
    m = _QNAME.match(name)
    if not m or (m.group(1) is not None and m.group(1) not in nsmap):
        return None
    if not all(position_free(p) for p in predicates):
        return None
    uri = nsmap[m.group(1)] if m.group(1) else ""  # unprefixed: no namespace (no default in XPath here)
    return _Step(name, (uri, m.group(2)), tuple(predicates))


def _steps(branch: str, nsmap: dict[str, str]) -> list[_Step] | None:
    """The steps of ``//s1/.../sn`` when every one qualifies, else None."""
    if not branch.startswith("//"):
        return None
    parts = split_top(branch[2:], "/")
    if not parts or any(not p.strip() for p in parts):
        return None  # a further "//", or not a path
    steps = [_step(p, nsmap) for p in parts]
    return None if any(s is None for s in steps) else steps  # type: ignore[return-value]


def _parents(steps: list[_Step]) -> str:
    """``parent::sn[preds][parent::s(n-1)...]`` for the chain of ancestors, nearest last."""
    last = steps[-1]
    text = f"parent::{last.qname}" + "".join(f"[{p}]" for p in last.predicates)
    if len(steps) > 1:
        text += f"[{_parents(steps[:-1])}]"
    return text


@dataclass
class ElementIndex:
    """Collects the name sets the rewritten selections look up (one static variable each)."""

    nsmap: dict[str, str]
    names: dict[tuple[tuple[str, str], ...], str] = field(default_factory=dict)  # names -> variable

    @property
    def used(self) -> bool:
        return bool(self.names)

    def _lookup(self, names: list[tuple[str, str]]) -> str:
        key = tuple(dict.fromkeys(names))
        var = self.names.setdefault(key, f"loc:names{len(self.names) + 1}")
        return f"key('loc:elements', ${var})"

    def rewrite(self, branches: list[str]) -> list[str]:
        """The branches of a context's union, each through the index where it qualifies; the plain
        ``//name`` ones share one look-up."""
        plain: list[tuple[str, str]] = []
        out: list[str] = []
        for branch in branches:
            steps = _steps(branch, self.nsmap)
            if steps is None:
                out.append(branch)
            elif len(steps) == 1 and not steps[0].predicates:
                plain.append(steps[0].name)
            else:
                *parents, last = steps
                text = self._lookup([last.name])
                if parents:
                    text += f"[{_parents(parents)}]"
                out.append(text + "".join(f"[{p}]" for p in last.predicates))
        if plain:
            out.insert(0, self._lookup(plain))
        return out

    def declarations(self) -> list[tuple[str, str]]:
        """(variable name, select) of the static name sequences."""
        return [
            (var, "(" + ", ".join(f"QName('{uri}', '{local}')" for uri, local in names) + ")")
            for names, var in self.names.items()
        ]


# A union of at least this many plain ``//name`` branches is selected in one pass (below).
ONE_PASS_FROM = 4


def name_scan(names: list[str]) -> str:
    """One pass over the elements selecting those named ``names`` (QNames as written)."""
    return f"/descendant::*/({' | '.join('self::' + n for n in names)})"


def one_pass(branches: list[str], nsmap: dict[str, str],
             scan: Callable[[list[str]], str] = name_scan) -> list[str]:
    """The plain ``//name`` branches of a union, when there are ONE_PASS_FROM or more, as one pass
    over the elements: ``/descendant::*/(self::a | self::b | ...)`` selects the same elements
    (``//a`` includes the document element, so does ``/descendant::*``), in document order, and
    costs one scan where the union costs one scan per name and a merge (measured: -40% for the
    13 amount elements of PEPPOL-EN16931-CL007 on the base example). The other branches stay.
    ``scan`` makes the pass from the names (closed_world.py has a faster one for amounts)."""
    plain = [b for b in branches if (steps := _steps(b, nsmap)) and len(steps) == 1 and not steps[0].predicates]
    if len(plain) < ONE_PASS_FROM:
        return branches
    rest = [b for b in branches if b not in plain]
    return [scan([b[2:] for b in plain]), *rest]
