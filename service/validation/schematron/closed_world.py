r"""Name-suffix contexts, selected faster on documents the UBL 2.1 XSD has accepted.

EN 16931 checks every amount and every binary object through contexts that look at the local
name of every element of the document::

    //*[ends-with(local-name(), 'Amount') and not(ends-with(local-name(), 'PriceAmount')) and ...]
    //*[ends-with(local-name(), 'BinaryObject')]

(UBL-DT-01, UBL-DT-06/07): a string made and compared for each of the ~150 elements of the base
example, twice, about 15% of the EN 16931 layer there (measured 2026-11-27).

On a document valid against the UBL 2.1 schema, every element outside an ``ext:ExtensionContent``
is declared by that schema (ExtensionContent holds the only wildcard), and the declared elements
whose name ends in a suffix below all require one attribute, with the few exceptions listed.
Both are facts of the pinned schema, proved against it by tests/validation/test_closed_world.py.
So on such a document, for a predicate P that tests that suffix and cannot depend on position,

    //*[P]  =  //*[@attribute][P] | //exception[P] | //ext:ExtensionContent//*[P]

The attribute test reads a node's attributes, far cheaper than building its local name, and P
is still applied to whatever passes it: the nodes selected are the same, in document order (``|``).

The runner tells the stylesheet per document whether the engine's XSD layer accepted it, in the
parameter ``loc:schema-valid``; on any other document (``--no-xsd``, a rule set run by hand)
the context is selected as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.validation.schematron.index import position_free
from service.validation.schematron.xpath_scan import closing, top_conjuncts

EXTENSION_CONTENT = "Q{urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2}ExtensionContent"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PARAM = "loc:schema-valid"


@dataclass(frozen=True)
class SuffixFact:
    """Declared UBL 2.1 elements whose local name ends in ``suffix`` all require ``attribute``
    (a no-namespace attribute), except ``exceptions`` (expanded names ``Q{uri}local``)."""

    suffix: str
    attribute: str
    exceptions: tuple[str, ...] = ()


UBL_SUFFIX_FACTS = (
    # amounts are udt:AmountType (currencyID required), but for cbc:TimeAmount, a text
    SuffixFact("Amount", "currencyID", (f"Q{{{CBC}}}TimeAmount",)),
    SuffixFact("BinaryObject", "mimeCode"),
)

_WILDCARD_CONTEXT = re.compile(r"^\s*//\*\[")
_SUFFIX_TEST = re.compile(r"^\s*ends-with\(\s*local-name\(\s*\)\s*,\s*'([^']*)'\s*\)\s*$")


def schema_valid_select(select: str, facts: tuple[SuffixFact, ...] = UBL_SUFFIX_FACTS) -> tuple[str, bool]:
    """``select`` with the faster selection for schema-valid documents when it is ``//*[P]`` and
    P (position-free) has a top-level conjunct ``ends-with(local-name(), 'S')`` for a known suffix
    S; else ``select`` unchanged. The second value tells whether it was rewritten."""
    m = _WILDCARD_CONTEXT.match(select)
    if not m:
        return select, False
    end = closing(select, m.end() - 1)
    if end is None or select[end + 1:].strip():
        return select, False
    predicate = select[m.end():end]
    if not position_free(predicate):
        return select, False
    by_suffix = {f.suffix: f for f in facts}
    fact = next((by_suffix[t.group(1)] for c in top_conjuncts(predicate)
                 if (t := _SUFFIX_TEST.match(c)) and t.group(1) in by_suffix), None)
    if fact is None:
        return select, False
    p = f"[{predicate}]"
    fast = [f"//*[@{fact.attribute}]{p}", *(f"//{name}{p}" for name in fact.exceptions),
            f"//{EXTENSION_CONTENT}//*{p}"]
    return f"(if (${PARAM}) then ({' | '.join(fast)}) else ({select.strip()}))", True
