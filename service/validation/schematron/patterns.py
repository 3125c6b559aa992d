"""Rule contexts (XSLT match patterns) turned into select expressions, and overlap analysis.

A node N matches a path pattern P when N is in ``root(N)//(P)`` (XSLT 3.0, 5.5.3), so a
pattern branch that is not absolute selects the same nodes as ``//`` + branch. This lets the
compiled rule set *select* each rule's context nodes (a fast name scan on Saxon's tree)
instead of pushing every node of the document through every pattern's template rules.

Only plain path patterns are translated; anything else (``key()``/``id()``/``doc()`` roots,
``current()``, parenthesised unions) makes :func:`analyse` return ``None`` and the pattern
keeps the template-based evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.validation.schematron.xpath_scan import closing, name_suffix, split_predicates, split_top, top_conjuncts

_QNAME = re.compile(r"^(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)$")
_WILD = re.compile(r"^(?:\*|[A-Za-z_][\w.\-]*:\*|\*:[A-Za-z_][\w.\-]*)$")
_KIND_TESTS = ("node()", "text()", "comment()", "processing-instruction(", "document-node(")
_UNSUPPORTED_ROOTS = ("key(", "id(", "doc(", "root(", "element-with-id(", "(", ".", "$")


def _strip_predicates(step: str) -> str | None:
    step = step.strip()
    while step.endswith("]"):
        depth, quote = 0, ""
        for i in range(len(step) - 1, -1, -1):
            c = step[i]
            if quote:
                if c == quote:
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c == "]":
                depth += 1
            elif c == "[":
                depth -= 1
                if depth == 0:
                    step = step[:i].rstrip()
                    break
        else:
            return None
    return step


@dataclass(frozen=True)
class _TailStep:
    """A child step at the end of a branch: its expanded name (None: ``*``) and predicates."""

    name: tuple[str, str] | None
    predicates: tuple[str, ...]




def _single_value_test(predicate: str) -> tuple[str, str] | None:
    """(E, x) of a predicate ``normalize-space(E) = 'x'``, else None."""
    p = predicate.strip()
    if not p.startswith("normalize-space("):
        return None
    end = closing(p, len("normalize-space"))
    m = re.fullmatch(r"\s*=\s*'([^']*)'\s*", p[end + 1:]) if end is not None else None
    return (p[len("normalize-space("):end].strip(), m.group(1)) if m else None


def _exclusive(a: _TailStep, b: _TailStep) -> bool:
    """True when no node can pass both steps' predicates: each tests ``normalize-space(E) = 'x'``
    with the same E and a different x (normalize-space gives one string, or an error)."""
    tests_a = [t for t in map(_single_value_test, a.predicates) if t]
    tests_b = [t for t in map(_single_value_test, b.predicates) if t]
    return any(ea == eb and xa != xb for ea, xa in tests_a for eb, xb in tests_b)


def _name_excluded(wild: _TailStep, name: tuple[str, str]) -> bool:
    """``*[ends-with(local-name(), 'X') and ...]`` cannot match an element whose name does not end in X."""
    for predicate in wild.predicates:
        for conjunct in top_conjuncts(predicate):
            suffix = name_suffix(conjunct)
            if suffix is not None and not name[1].endswith(suffix):
                return True
    return False


@dataclass(frozen=True)
class Branch:
    """One ``|`` branch of a rule context."""

    select: str  # XPath selecting exactly the nodes the branch matches
    # (kind, expanded name of the final step or None for wildcards) of what it can match;
    # kind is "element" | "attribute" | "document" | "any"
    signatures: tuple[tuple[str, tuple[str, str] | None], ...]
    # the element child steps at its end, last first (the node, its parent, ...): empty when unknown
    tail: tuple[_TailStep, ...] = ()

    def may_overlap(self, other: Branch) -> bool:
        if self._disjoint_tails(other):
            return False
        for kind, name in self.signatures:
            for okind, oname in other.signatures:
                if "any" not in (kind, okind) and kind != okind:
                    continue
                if name is None or oname is None or name == oname:
                    return True
        return False

    def _disjoint_tails(self, other: Branch) -> bool:
        """A node and its ancestors have one name each: two branches whose ends name a different
        element at the same distance from the node, or test one single value against different
        literals there, never select the same node."""
        for a, b in zip(self.tail, other.tail):
            if a.name is not None and b.name is not None:
                if a.name != b.name or _exclusive(a, b):
                    return True
            elif (a.name is None and b.name is not None and _name_excluded(a, b.name)) or (b.name is None and a.name is not None and _name_excluded(b, a.name)):
                return True
        return False


@dataclass(frozen=True)
class Context:
    branches: tuple[Branch, ...]
    needs_kind_filter: bool  # the pattern can match nodes the skeleton's walk never visits

    @property
    def select(self) -> str:
        return self.select_of([b.select for b in self.branches])

    def select_of(self, branch_selects: list[str]) -> str:
        """The selection from the branches' select expressions (rewritten or not)."""
        sel = " | ".join(branch_selects)
        if self.needs_kind_filter:
            sel = (f"({sel})[. instance of element() or . instance of attribute()"
                   " or . instance of document-node() or parent::node() instance of document-node()]")
        return sel

    def may_overlap(self, other: Context) -> bool:
        return any(a.may_overlap(b) for a in self.branches for b in other.branches)


def _final_step_signature(text: str, nsmap: dict[str, str]) -> tuple[str, tuple[str, str] | None] | None:
    steps = split_top(text, "/")
    if steps is None:
        return None
    last = _strip_predicates(steps[-1])
    if last is None:
        return None
    kind: str = "any"
    if last.startswith("@") or last.startswith("attribute::"):
        kind = "attribute"
        last = last[1:] if last.startswith("@") else last[len("attribute::"):]
    elif last.startswith("child::"):
        kind = "element"
        last = last[len("child::"):]
    m = _QNAME.match(last)
    if m:
        prefix, local = m.group(1), m.group(2)
        if prefix is not None and prefix not in nsmap:
            return None
        return ("element" if kind == "any" else kind), (nsmap[prefix] if prefix else "", local)
    if _WILD.match(last):
        return ("element" if kind == "any" else kind), None
    return "any", None


def _tail(text: str, nsmap: dict[str, str]) -> tuple[_TailStep, ...]:
    """The element-name (or ``*``) child steps at the end of a path, last first."""
    steps = split_top(text, "/") or []
    tail = []
    for step in reversed(steps):
        split = split_predicates(step)
        if split is None:
            return ()
        bare, predicates = split
        if not bare or bare.startswith(("@", "attribute::")):
            break
        if bare == "*":
            tail.append(_TailStep(None, tuple(predicates)))
            continue
        m = _QNAME.match(bare[len("child::"):] if bare.startswith("child::") else bare)
        if not m or (m.group(1) is not None and m.group(1) not in nsmap):
            break
        tail.append(_TailStep((nsmap[m.group(1)] if m.group(1) else "", m.group(2)), tuple(predicates)))
    return tuple(tail)


def _branch(text: str, nsmap: dict[str, str]) -> Branch | None:
    if text == "/":
        return Branch("/", (("document", None),))
    if text.startswith("("):
        # (P1 | P2)[predicates]: matches what root(.)//((P1|P2)[predicates]) selects.
        close = closing(text)
        if close is None or _strip_predicates(text[close + 1:]) != "":
            return None
        inner = analyse(text[1:close], nsmap)
        if inner is None or inner.needs_kind_filter:
            return None
        absolute = all(part.strip().startswith("/") for part in split_top(text[1:close], "|") or [""])
        signatures = tuple(sig for b in inner.branches for sig in b.signatures)
        return Branch(text if absolute else f"//({text})", signatures)
    if text.startswith(_UNSUPPORTED_ROOTS):
        return None
    signature = _final_step_signature(text, nsmap)
    if signature is None:
        return None
    return Branch(text if text.startswith("/") else "//" + text, (signature,), _tail(text, nsmap))


def analyse(context: str, nsmap: dict[str, str]) -> Context | None:
    """Translate a rule context into a select expression, or None when not supported."""
    if "current()" in context or " union " in context or "intersect" in context or "except" in context:
        return None
    parts = split_top(context, "|")
    if not parts:
        return None
    branches = []
    kind_filter = False
    for raw in parts:
        text = raw.strip()  # (no whitespace normalisation: predicates may hold string literals)
        if not text:
            return None
        compact = "".join(text.split())
        if any(k in compact for k in _KIND_TESTS):
            kind_filter = True
        if compact.startswith("document-node(") or "/document-node(" in compact:
            return None  # matches the document node itself: not a "//" selection
        branch = _branch(text, nsmap)
        if branch is None:
            return None
        branches.append(branch)
    return Context(tuple(branches), kind_filter)
