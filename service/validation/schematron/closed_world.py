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

The same facts speed up the one-pass selection of many amount elements by name (index.one_pass;
PEPPOL-EN16931-CL007 and -R051, BR-CL-03): when every name ends in a suffix and is no exception,

    /descendant::*/(self::cbc:Amount | ...)  =  /descendant::*[@currencyID]/(self::cbc:Amount | ...)
                                                | //ext:ExtensionContent//*/(self::cbc:Amount | ...)

(the name tests are then made on the few elements that have the attribute).

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
# index.one_pass's selection of elements by a union of names
_NAME_UNION = re.compile(r"/descendant::\*/\(((?:\s*self::(?:[A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*\s*\|)+"
                         r"\s*self::(?:[A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*\s*)\)")


def schema_valid_select(select: str, nsmap: dict[str, str],
                        facts: tuple[SuffixFact, ...] = UBL_SUFFIX_FACTS) -> tuple[str, bool]:
    """``select`` with the faster selections for schema-valid documents (see the module's text);
    the second value tells whether anything was rewritten."""
    select = _NAME_UNION.sub(lambda m: _name_union(m, nsmap, facts), _suffix_context(select, facts))
    return select, f"${PARAM}" in select


def _name_union(m: re.Match[str], nsmap: dict[str, str], facts: tuple[SuffixFact, ...]) -> str:
    names = [n.strip()[len("self::"):] for n in m.group(1).split("|")]
    fact = _common_fact(names, nsmap, facts)
    if fact is None:
        return m.group(0)
    fast = (f"/descendant::*[@{fact.attribute}]/({m.group(1)}) | "
            f"//{EXTENSION_CONTENT}//*/({m.group(1)})")
    return f"(if (${PARAM}) then ({fast}) else ({m.group(0)}))"


def _common_fact(names: list[str], nsmap: dict[str, str], facts: tuple[SuffixFact, ...]) -> SuffixFact | None:
    """The fact every name falls under (its suffix, and none of its exceptions), if any."""
    for fact in facts:
        expanded = []
        for name in names:
            prefix, _, local = name.rpartition(":")
            if prefix and prefix not in nsmap:
                return None
            expanded.append((f"Q{{{nsmap[prefix] if prefix else ''}}}{local}", local))
        if all(local.endswith(fact.suffix) and q not in fact.exceptions for q, local in expanded):
            return fact
    return None


def _suffix_context(select: str, facts: tuple[SuffixFact, ...]) -> str:
    """``//*[P]`` where P (position-free) has a top-level conjunct ``ends-with(local-name(), 'S')``
    for a known suffix S, as selected on schema-valid documents; anything else unchanged."""
    m = _WILDCARD_CONTEXT.match(select)
    if not m:
        return select
    end = closing(select, m.end() - 1)
    if end is None or select[end + 1:].strip():
        return select
    predicate = select[m.end():end]
    if not position_free(predicate):
        return select
    by_suffix = {f.suffix: f for f in facts}
    fact = next((by_suffix[t.group(1)] for c in top_conjuncts(predicate)
                 if (t := _SUFFIX_TEST.match(c)) and t.group(1) in by_suffix), None)
    if fact is None:
        return select
    p = f"[{predicate}]"
    fast = [f"//*[@{fact.attribute}]{p}", *(f"//{name}{p}" for name in fact.exceptions),
            f"//{EXTENSION_CONTENT}//*{p}"]
    return f"(if (${PARAM}) then ({' | '.join(fast)}) else ({select.strip()}))"
