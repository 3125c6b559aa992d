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

from dataclasses import dataclass

from service.validation.schematron.index import name_scan, position_free
from service.validation.schematron.xpath_scan import name_suffix, split_predicates, top_conjuncts

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

def schema_valid_select(select: str, facts: tuple[SuffixFact, ...] = UBL_SUFFIX_FACTS) -> str:
    """A rule context ``//*[P]`` where P (position-free) has a top-level conjunct
    ``ends-with(local-name(), 'S')`` for a known suffix S, with its faster selection on
    schema-valid documents; any other ``select`` unchanged."""
    if not select.startswith("//"):
        return select
    split = split_predicates(select[2:])
    if split is None or split[0] != "*" or len(split[1]) != 1 or not position_free(split[1][0]):
        return select
    predicate = split[1][0]
    by_suffix = {f.suffix: f for f in facts}
    fact = next((by_suffix[s] for c in top_conjuncts(predicate) if (s := name_suffix(c)) in by_suffix), None)
    if fact is None:
        return select
    p = f"[{predicate}]"
    fast = [f"//*[@{fact.attribute}]{p}", *(f"//{name}{p}" for name in fact.exceptions),
            f"//{EXTENSION_CONTENT}//*{p}"]
    return f"(if (${PARAM}) then ({' | '.join(fast)}) else ({select}))"


def schema_valid_name_scan(names: list[str], nsmap: dict[str, str],
                           facts: tuple[SuffixFact, ...] = UBL_SUFFIX_FACTS) -> str:
    """``index.name_scan`` of ``names`` (QNames as written), with the attribute tested first on
    schema-valid documents when every name falls under one fact."""
    plain = name_scan(names)
    fact = _common_fact(names, nsmap, facts)
    if fact is None:
        return plain
    self_names = " | ".join("self::" + n for n in names)
    fast = f"/descendant::*[@{fact.attribute}]/({self_names}) | //{EXTENSION_CONTENT}//*/({self_names})"
    return f"(if (${PARAM}) then ({fast}) else ({plain}))"


def _common_fact(names: list[str], nsmap: dict[str, str], facts: tuple[SuffixFact, ...]) -> SuffixFact | None:
    """The fact every name falls under (its suffix, and none of its exceptions), if any."""
    expanded = []
    for name in names:
        prefix, _, local = name.rpartition(":")
        if prefix and prefix not in nsmap:
            return None
        expanded.append((f"Q{{{nsmap[prefix] if prefix else ''}}}{local}", local))
    for fact in facts:
        if all(local.endswith(fact.suffix) and q not in fact.exceptions for q, local in expanded):
            return fact
    return None
