"""How much a validation explains: bounded, so that explaining never costs more than judging.

A document with thousands of errors is rejected as surely with the first few explained as with
all of them, while explaining every one cost without bound: xmlschema's explanations of 4,000
XSD errors took 25 s (each costs more as the document grows), and 50,000 Schematron findings
were a multi-megabyte report. The verdict never depends on these caps, only what is listed; a
layer says how many findings it left out (``LayerResult.findings_omitted``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

__all__ = [
    "EXPLAIN_CPU_SECONDS",
    "EXPLAIN_MAX_ELEMENTS",
    "MAX_FINDINGS_PER_LAYER",
    "MAX_FINDINGS_PER_RULE",
    "MAX_XSD_FINDINGS",
    "cap_per_rule",
]

# XSD: the first errors explained (xmlschema's words, with what was expected), the rest counted.
MAX_XSD_FINDINGS = 50
# xmlschema explains only documents this small (about 200 invoice lines); a larger one gets
# libxml2's own messages, which cost nothing extra (xmlschema walks the whole document in Python).
EXPLAIN_MAX_ELEMENTS = 5_000
# CPU time of the explaining thread after which xmlschema stops explaining (the messages so far
# are kept; libxml2's are used when it explained none). CPU, not wall time: on a busy machine a
# wall-clock budget would make the same document's report differ from run to run.
EXPLAIN_CPU_SECONDS = 1.0
# Schematron: every failing rule is listed, each with its first findings, up to a total per layer.
MAX_FINDINGS_PER_RULE = 20
MAX_FINDINGS_PER_LAYER = 500

T = TypeVar("T")


def cap_per_rule(findings: Sequence[T], key: Callable[[T], Hashable], *, per_rule: int = MAX_FINDINGS_PER_RULE,
                 total: int = MAX_FINDINGS_PER_LAYER) -> tuple[list[T], int]:
    """(the first ``per_rule`` findings of each rule, at most ``total`` in all unless there are more
    rules than that, in their order; how many were left out). ``key(finding)`` names the rule: its
    first finding is always kept, so every failing rule (and so the verdict) stays visible."""
    if len(findings) <= per_rule:
        return list(findings), 0
    seen: dict[Hashable, int] = {}
    first: list[bool] = []
    for finding in findings:
        k = key(finding)
        first.append(k not in seen)
        seen[k] = 0
    room = total - sum(first)
    kept: list[T] = []
    for finding, is_first in zip(findings, first):
        k = key(finding)
        if is_first:
            kept.append(finding)
        elif seen[k] < per_rule and room > 0:
            kept.append(finding)
            room -= 1
        else:
            continue
        seen[k] += 1
    return kept, len(findings) - len(kept)
