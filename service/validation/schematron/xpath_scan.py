"""Bracket- and string-aware scanning of XPath text, shared by the context analyser and rewriter.

The compiler rewrites XPath textually; these helpers find the structure it needs (top-level
separators, the closer of a call) while skipping string literals and nested brackets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

OPENERS, CLOSERS = "([{", ")]}"


def outside_strings(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """Yield ``(index, char, depth)`` for every character outside string literals.

    ``depth`` is the bracket depth after the character (an opener counts itself, a closer does not).
    """
    depth, quote = 0, ""
    for i in range(start, len(text)):
        c = text[i]
        if quote:
            if c == quote:
                quote = ""
            continue
        if c in "'\"":
            quote = c
            continue
        if c in OPENERS:
            depth += 1
        elif c in CLOSERS:
            depth -= 1
        yield i, c, depth


def closing(text: str, start: int = 0, *, inside: bool = False) -> int | None:
    """Index of the closer that balances the bracket opened at ``start`` (or, with ``inside``, the
    bracket already open just before ``start``); None when there is none."""
    offset = 1 if inside else 0
    for i, c, depth in outside_strings(text, start):
        if c in CLOSERS and depth + offset == 0:
            return i
    return None


def split_top(text: str, sep: str, *, strict: bool = True) -> list[str] | None:
    """Split on ``sep`` outside brackets and string literals.

    ``strict``: None when the brackets or quotes do not balance.
    """
    parts, start, depth = [], 0, 0
    for i, c, depth in outside_strings(text):
        if strict and depth < 0:
            return None
        if c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if strict and (depth or inside_string(text, len(text))):
        return None
    parts.append(text[start:])
    return parts


def group_end(text: str, start: int) -> int:
    """End of the ExprSingle starting at ``start``: an unmatched closer, a top-level comma or the end."""
    for i, c, depth in outside_strings(text, start):
        if depth < 0 or (c == "," and depth == 0):
            return i
    return len(text)


def inside_string(text: str, index: int) -> bool:
    """True when ``text[index]`` lies inside a string literal (an unterminated quote before it)."""
    quote = ""
    for c in text[:index]:
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
    return bool(quote)


def top_level(text: str) -> str:
    """``text`` with everything but its top level masked by ``_`` (brackets' contents, the
    opening brackets, string literals); same length, so offsets carry over."""
    marks = ["_"] * len(text)
    for i, c, depth in outside_strings(text):
        if depth == 0 and c not in OPENERS:
            marks[i] = c
    return "".join(marks)


def top_conjuncts(expr: str) -> list[str]:
    """``a and b and c`` split at its top-level ``and`` (else the whole expression)."""
    parts, start = [], 0
    for m in re.finditer(r"\sand\s", top_level(expr)):
        parts.append(expr[start:m.start()])
        start = m.end()
    parts.append(expr[start:])
    return parts


_NAME_SUFFIX_TEST = re.compile(r"^\s*ends-with\(\s*(?:local-)?name\(\s*\)\s*,\s*'([^':]*)'\s*\)\s*$")


def name_suffix(test: str) -> str | None:
    """S when ``test`` is ``ends-with(local-name(), 'S')``, or ``ends-with(name(), 'S')`` with a
    colon-free S (a suffix without ":" can only lie in the local part: the same test); else None."""
    m = _NAME_SUFFIX_TEST.match(test)
    return m.group(1) if m else None


def split_predicates(step: str) -> tuple[str, list[str]] | None:
    """``name[p1][p2]`` as ``("name", ["p1", "p2"])``; None when the brackets do not close."""
    step = step.strip()
    open_at = step.find("[")
    if open_at < 0:
        return step, []
    bare, rest, predicates = step[:open_at].strip(), step[open_at:], []
    while rest:
        end = closing(rest, 0)
        if not rest.startswith("[") or end is None:
            return None
        predicates.append(rest[1:end])
        rest = rest[end + 1:].strip()
    return bare, predicates


def strip_parentheses(expr: str) -> str:
    expr = expr.strip()
    while expr.startswith("(") and closing(expr, 0) == len(expr) - 1:
        expr = expr[1:-1].strip()
    return expr


_BOOLEAN_CALL = re.compile(
    r"^(?:fn:)?(?:not|exists|empty|boolean|contains|starts-with|ends-with|matches|true|false)\s*\(")
_COMPARISON = re.compile(r"[=<>]|\b(?:and|or|eq|ne|lt|le|gt|ge|is)\b")


def is_boolean(expr: str) -> bool:
    """True when the expression's value is a boolean: a comparison or ``and``/``or`` at its top
    level (inside any outer parentheses), or a whole call of a boolean function (``not``,
    ``exists``, ``contains``...)."""
    expr = strip_parentheses(expr)
    call = _BOOLEAN_CALL.match(expr)
    if call and closing(expr, call.end() - 1) == len(expr) - 1:
        return True
    return bool(_COMPARISON.search(top_level(expr)))
