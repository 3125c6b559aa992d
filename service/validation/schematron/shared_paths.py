"""The ``//`` paths that several tests of one rule evaluate, evaluated once per context node.

The EN 16931 rule on the invoice root has 62 asserts holding 170 ``//`` paths, of which only 60
differ (``//cac:TaxRepresentativeParty/cac:PartyTaxScheme[...]/cbc:CompanyID`` alone comes 27
times); each occurrence is a scan of the document. The compiler declares one rule-level variable
per repeated path and the tests read it instead (``exists($loc:s3)``).

The value is the same: a ``//`` path starts at the root of the context node's document, which is
the same for every test of the rule, so the path's nodes (in document order) do not depend on
where in a test it stands, provided it refers to no variable (inside
``every $rate in ... satisfies exists(//cac:InvoiceLine[... = $rate])`` the path depends on
``$rate``; such paths are left alone). The rest of a path after its element-name steps (an
attribute, a function step) stays in the test and applies to the variable's nodes, in the same
order. Saxon evaluates a local variable when it is first read, so a test that never reaches a path
(``and``/``or`` stop early) still does not evaluate it.
"""

from __future__ import annotations

import re
from collections import Counter

from service.validation.schematron.xpath_scan import closing, inside_string

_STEP_NAME = re.compile(r"(?:[A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*")
# What may stand before a "//" that starts a path (after a name, ")", "]" or "$x" it continues one).
_PATH_START_AFTER = re.compile(r"(?:^|[(,\[=<>!+|]|\s(?:and|or|then|else|return|satisfies|in))$")


def _path_end(expr: str, at: int) -> int | None:
    """End of the element-name steps (with their predicates) from ``at``; None when there are none."""
    end = None
    while True:
        m = _STEP_NAME.match(expr, at)
        if not m or expr[m.end():m.end() + 1] == "(" or expr[m.end():m.end() + 2] == "::":
            return end  # not a name step: a function call, an axis
        at = m.end()
        while expr[at:at + 1] == "[":
            close = closing(expr, at)
            if close is None:
                return end
            at = close + 1
        end = at
        if expr[at:at + 1] != "/" or expr[at + 1:at + 2] in ("/", "@", "*", "(", "."):
            return end
        at += 1


def document_paths(expr: str) -> list[tuple[int, int]]:
    """Spans of the variable-free ``//`` paths of an expression, left to right."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer("//", expr):
        start = m.start()
        if (spans and start < spans[-1][1]) or inside_string(expr, start):
            continue
        if not _PATH_START_AFTER.search(expr[:start].rstrip()):
            continue
        end = _path_end(expr, start + 2)
        if end is not None and "$" not in expr[start:end]:
            spans.append((start, end))
    return spans


def share(tests: list[str], name: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The tests with every path that occurs more than once read from a variable, and the
    variables (name, path) to declare before them; ``name`` is the prefix of their names."""
    found = [[(s, e, test[s:e]) for s, e in document_paths(test)] for test in tests]
    counts = Counter(path for spans in found for _, _, path in spans)
    variables: dict[str, str] = {}
    for spans in found:
        for _, _, path in spans:
            if counts[path] > 1 and path not in variables:
                variables[path] = f"{name}{len(variables) + 1}"
    out = []
    for test, spans in zip(tests, found):
        for start, end, path in reversed(spans):
            if path in variables:
                test = f"{test[:start]}${variables[path]}{test[end:]}"
        out.append(test)
    return out, [(var, path) for path, var in variables.items()]
