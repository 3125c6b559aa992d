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

from service.validation.schematron.xpath_scan import closing, split_top

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
class Branch:
    """One ``|`` branch of a rule context."""

    select: str  # XPath selecting exactly the nodes the branch matches
    # (kind, expanded name of the final step or None for wildcards) of what it can match;
    # kind is "element" | "attribute" | "document" | "any"
    signatures: tuple[tuple[str, tuple[str, str] | None], ...]

    def may_overlap(self, other: "Branch") -> bool:
        for kind, name in self.signatures:
            for okind, oname in other.signatures:
                if "any" not in (kind, okind) and kind != okind:
                    continue
                if name is None or oname is None or name == oname:
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

    def may_overlap(self, other: "Context") -> bool:
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
    return Branch(text if text.startswith("/") else "//" + text, (signature,))


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
