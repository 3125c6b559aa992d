"""Rule-context predicates that do not depend on the node, tested once instead of per node.

The Peppol rules scope their national rules with predicates on global variables:
``cac:AllowanceCharge[$DKSupplierCountry = 'DK' and $DKCustomerCountry = 'DK']``,
``cac:AccountingSupplierParty[$isGreekSender]/cac:Party``,
``(/ubl-invoice:Invoice | /ubl-creditnote:CreditNote)[$supplierCountryIsDE and ...]``. Nine
national patterns select their candidates and test such a predicate on each, on every document.
A predicate made only of global variables, literals, comparisons, ``and``/``or``/``not`` is the same
for every node, and its value is a boolean (never a number, so never positional: a bare ``$var``
qualifies only when the variable's own value is a comparison or a boolean combination); so

    P1[G]/P2   selects   if (G) then P1/P2 else ()

the same nodes in the same order. Only predicates of the selection's own steps qualify (not those
nested inside another predicate). A variable in a rule context is always a global one (pattern and
schema lets; a rule's own lets are not in scope in its context).
"""

from __future__ import annotations

import re
from collections.abc import Set

from service.validation.schematron.xpath_scan import closing, is_boolean, outside_strings, strip_parentheses

_VAR = r"\$[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_LITERAL = r"(?:'[^']*'|\"[^\"]*\"|\d+(?:\.\d+)?)"
_TOKEN = re.compile(rf"\s*(?:{_VAR}|{_LITERAL}|\(|\)|!=|<=|>=|=|<|>|\band\b|\bor\b|\bnot\b)")
def _is_guard(predicate: str, boolean_vars: Set[str]) -> bool:
    """Only variables, literals, comparisons, and/or/not, parentheses; and a boolean value."""
    pos, text = 0, predicate.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return False
        pos = m.end()
    if not text:
        return False
    if is_boolean(text):
        return True
    bare = strip_parentheses(text)
    return bare.startswith("$") and bare[1:] in boolean_vars


def split_guards(select: str, boolean_vars: Set[str]) -> tuple[list[str], str]:
    """The node-independent predicates of a selection's own steps, and the selection without them."""
    guards: list[str] = []
    out, pos = [], 0
    for i, c, depth in outside_strings(select):
        if c != "[" or depth != 1 or i < pos:
            continue
        end = closing(select, i)
        if end is None:
            return [], select
        if _is_guard(select[i + 1:end], boolean_vars):
            guards.append(select[i + 1:end].strip())
            out.append(select[pos:i])
            pos = end + 1
    out.append(select[pos:])
    return guards, "".join(out)


def guarded(guards: list[str], select: str) -> str:
    """``select`` behind its guards (see module doc)."""
    if not guards:
        return select
    return f"(if ({' and '.join(f'({g})' for g in guards)}) then ({select}) else ())"
