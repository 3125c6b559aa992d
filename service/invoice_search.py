"""Free-text search over invoices (the `q` of GET /v1/invoices and the workspace search box).

A query is split into words; an invoice is found when *every* word matches one of: its invoice
number (BT-1, part of it, or the same letters and digits: "f2026001" finds "F-2026-001"), the seller's
name (BT-27) or the supplier's name in master data, a seller identifier (the BT-34 / VAT key, or any
identifier of the supplier in master data), the order number (BT-13, part of it or its normal form),
an exact amount (BT-115 payable or BT-112 total with VAT; Dutch "1.234,50" and English "1,234.50"
both read), or the invoice's or supplier's id. Words AND, fields OR: "acme 2026-001" narrows down.

The words and amounts are read by pure functions; ``condition`` turns them into one SQL expression
that the callers combine with their other filters. On PostgreSQL every alternative of a word can be
answered from an index (trigram indexes for the part-of matches, migration 0031), so the planner
combines them in a bitmap instead of reading every invoice (at 1,000,000 invoices a scan took minutes).
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from service.masterdata.identifiers import normalise
from service.models.invoices import Invoice
from service.models.masterdata import Supplier, SupplierIdentifier
from service.normal_forms import invoice_number_keys, order_key

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8  # a bounded query: each word is a handful of predicates
_CURRENCY = re.compile(r"^(?:€|eur)\s*|\s*(?:€|eur)$", re.IGNORECASE)
_AMOUNT = re.compile(r"^[+-]?\d[\d.,]*$")


def words(q: str | None) -> list[str]:
    """The words of a query (white space separates them), at most MAX_WORDS, duplicates once."""
    seen: list[str] = []
    for word in (q or "")[:MAX_QUERY_LENGTH].split():
        if word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


def amounts(word: str) -> set[Decimal]:
    """The amounts a word can mean, read as Dutch and as English ("1.234,50" and "1,234.50" are
    1234.50; "1.500" is 1500 in Dutch and 1.5 in English, so both). Empty when it is no amount."""
    text = _CURRENCY.sub("", word.strip())
    if not _AMOUNT.match(text):
        return set()
    candidates: set[Decimal] = set()
    for decimal_sep, group_sep in ((",", "."), (".", ",")):
        whole, sep, fraction = text.rpartition(decimal_sep) if decimal_sep in text else (text, "", "")
        if group_sep in fraction or (sep and not fraction):
            continue
        groups = whole.lstrip("+-").split(group_sep)
        if len(groups) > 1 and (not groups[0] or any(len(g) != 3 for g in groups[1:])):
            continue  # "1.23.4" is no grouping in either language
        try:
            candidates.add(Decimal(whole.replace(group_sep, "") + ("." + fraction if sep else "")))
        except InvalidOperation:
            continue
    return candidates


def _written_forms(values: set[Decimal]) -> list[Decimal]:
    """Each amount with 0 to 4 decimals (100, 100.0, 100.00, ...): SQLite keeps amounts as the text
    they were written as, so equal values must be compared in every form an invoice uses."""
    forms: list[Decimal] = []
    for value in values:
        for places in range(5):
            exact = value.quantize(Decimal(1).scaleb(-places))
            if exact == value and str(exact) not in map(str, forms):
                forms.append(exact)
    return forms


def _like(column, word: str) -> ColumnElement[bool]:
    return func.lower(column).contains(word.lower(), autoescape=True)


# More suppliers than this for one word (say "b.v."): their invoices are found through a sub-query
# instead of a list of ids in the statement.
MAX_LISTED_SUPPLIERS = 200


def _suppliers_of(session: Session, word: str) -> list[uuid.UUID] | Select[Any]:
    """The suppliers a word names (part of the master-data name, or an identifier), read first.

    As a list of ids in the statement the planner knows how many invoices they have, and each
    alternative of the word is an index look-up that PostgreSQL ORs in a bitmap; as a sub-query
    inside the OR it guessed that most invoices match and walked all of them in date order."""
    named = select(Supplier.id).where(_like(Supplier.name, word))
    identified = select(SupplierIdentifier.supplier_id).where(SupplierIdentifier.value == normalise(word))
    either = named.union(identified)
    found = list(session.execute(either.limit(MAX_LISTED_SUPPLIERS + 1)).scalars())
    return found if len(found) <= MAX_LISTED_SUPPLIERS else select(either.subquery().c[0])


def _word_condition(word: str, suppliers: list[uuid.UUID] | Select[Any]) -> ColumnElement[bool]:
    compact = normalise(word)
    options = [
        _like(Invoice.invoice_number, word),
        _like(Invoice.seller_name, word),
        _like(Invoice.purchase_order, word),
        Invoice.supplier_id.in_(suppliers),
    ]
    number_key = invoice_number_keys(word)[0]
    if number_key:
        options.append(Invoice.number_key == number_key)
    if order_key(word):
        options.append(Invoice.order_key == order_key(word))
    if compact:
        # the seller key is "<scheme>:<value>" (or "VAT:<value>"): a value alone finds it too
        options.append(Invoice.seller_key.contains(compact, autoescape=True))
    found = _written_forms(amounts(word))
    if found:
        options += [Invoice.payable_amount.in_(found), Invoice.tax_inclusive_amount.in_(found)]
    try:
        as_id = uuid.UUID(word)
        options += [Invoice.id == as_id, Invoice.supplier_id == as_id]
    except ValueError:
        pass
    return or_(*options)


def condition(session: Session, q: str | None) -> ColumnElement[bool] | None:
    """The SQL condition of a query (None for an empty one: no restriction); the suppliers each word
    names are looked up in ``session`` first."""
    found = words(q)
    if not found:
        return None
    return and_(*(_word_condition(w, _suppliers_of(session, w)) for w in found))
