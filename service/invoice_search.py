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
On SQLite an FTS5 trigram table (migration 0032) answers the part-of matches: the word that matches
fewest invoices leads (its alternatives, each from an index, give the candidate rows), and the other
words are checked on those rows; a query whose every word is common keeps the plain scan, which
stops at the first page of matches in the list's order.
"""

from __future__ import annotations

import re
import uuid
import weakref
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Engine,
    Integer,
    Select,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
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


def _part_of(c, word: str) -> list[ColumnElement[bool]]:
    """The part-of alternatives of a word over the invoice columns ``c``."""
    options = [_like(c.invoice_number, word), _like(c.seller_name, word), _like(c.purchase_order, word)]
    compact = normalise(word)
    if compact:
        # the seller key is "<scheme>:<value>" (or "VAT:<value>"): a value alone finds it too
        options.append(c.seller_key.contains(compact, autoescape=True))
    return options


def _exact(c, word: str, suppliers: list[uuid.UUID] | Select[Any]) -> list[ColumnElement[bool]]:
    """The alternatives of a word that an equality (a B-tree index) answers."""
    options = [c.supplier_id.in_(suppliers)]
    number_key = invoice_number_keys(word)[0]
    if number_key:
        options.append(c.number_key == number_key)
    if order_key(word):
        options.append(c.order_key == order_key(word))
    found = _written_forms(amounts(word))
    if found:
        options += [c.payable_amount.in_(found), c.tax_inclusive_amount.in_(found)]
    try:
        as_id = uuid.UUID(word)
        options += [c.id == as_id, c.supplier_id == as_id]
    except ValueError:
        pass
    return options


def _word_condition(word: str, suppliers: list[uuid.UUID] | Select[Any]) -> ColumnElement[bool]:
    columns = Invoice.__table__.c
    return or_(*_part_of(columns, word), *_exact(columns, word, suppliers))


# --- SQLite: the part-of matches from the FTS5 trigram table of migration 0032 ----------------------

FTS_TABLE = "invoice_search"
_fts = table(FTS_TABLE, column("rowid", Integer))
_fts_match = literal_column(FTS_TABLE).op("MATCH")
TRIGRAM = 3  # the tokenizer indexes runs of three characters: a shorter word is never found by it
# A word found in more invoices than this does not lead: its candidates would be many, and a scan in
# the list's order reaches a page of such matches early anyway.
MAX_LEADING = 2000
_has_fts: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def _fts_ready(session: Session) -> bool:
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    engine = bind.engine
    if engine not in _has_fts:
        _has_fts[engine] = session.execute(select(literal_column("1")).select_from(table("sqlite_master")).where(
            literal_column("type") == "table", literal_column("name") == FTS_TABLE)).first() is not None
    return _has_fts[engine]


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_query(word: str) -> str | None:
    """The FTS5 query that finds exactly the invoices a word's part-of alternatives find (the
    trigram tokenizer folds case like ``lower()``), or None when the index cannot (a word or its
    compact form under three characters)."""
    compact = normalise(word)
    if len(word) < TRIGRAM or (compact and len(compact) < TRIGRAM) or "\x00" in word:
        return None  # (FTS5 reads a query string up to a NUL character only)
    match = "{invoice_number seller_name purchase_order} : " + _phrase(word)
    return match + (" OR seller_key : " + _phrase(compact) if compact else "")


def _candidates(word: str, match: str, suppliers: list[uuid.UUID] | Select[Any]) -> CompoundSelect:
    """The rowids of the invoices a word finds, each alternative from an index (UNION ALL: SQLite
    streams it, so a count up to a limit stops early; a row found twice does not matter to IN)."""
    found = Invoice.__table__.alias("found")
    rowid: ColumnElement[Any] = literal_column("found.rowid")
    return union_all(select(_fts.c.rowid).where(_fts_match(match)),
                     *(select(rowid).select_from(found).where(option) for option in _exact(found.c, word, suppliers)))


def _count_upto(session: Session, rows: Select[Any] | CompoundSelect) -> int:
    return session.execute(select(func.count()).select_from(rows.limit(MAX_LEADING).subquery())).scalar_one()


def _leading(session: Session, candidates: dict[str, CompoundSelect]) -> str | None:
    """The word that finds the fewest invoices (counted up to MAX_LEADING), if any finds fewer."""
    best, fewest = None, MAX_LEADING
    for word, rows in candidates.items():
        counted = _count_upto(session, rows)
        if counted < fewest:
            best, fewest = word, counted
    return best


def seller_name_contains(session: Session, text: str) -> ColumnElement[bool]:
    """Part of the seller's name, as one string (the queue's supplier filter): on SQLite from the
    FTS5 index when it finds fewer than MAX_LEADING invoices, else (and on PostgreSQL, whose
    trigram index answers it) the LIKE match."""
    if len(text) >= TRIGRAM and "\x00" not in text and _fts_ready(session):
        rows = select(_fts.c.rowid).where(_fts_match("seller_name : " + _phrase(text)))
        if _count_upto(session, rows) < MAX_LEADING:
            return literal_column("invoices.rowid").in_(rows)
    return _like(Invoice.seller_name, text)


def condition(session: Session, q: str | None) -> ColumnElement[bool] | None:
    """The SQL condition of a query (None for an empty one: no restriction); the suppliers each word
    names are looked up in ``session`` first (on SQLite, also how many invoices each word finds)."""
    found = words(q)
    if not found:
        return None
    suppliers = {w: _suppliers_of(session, w) for w in found}
    conditions = {w: _word_condition(w, suppliers[w]) for w in found}
    if _fts_ready(session):
        candidates = {w: _candidates(w, m, suppliers[w]) for w in found if (m := fts_query(w)) is not None}
        lead = _leading(session, candidates)
        if lead is not None:
            conditions[lead] = literal_column("invoices.rowid").in_(candidates[lead])
    return and_(*conditions.values())
