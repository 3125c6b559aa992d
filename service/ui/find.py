"""The workspace's "find" list: every invoice whatever its status, searched, filtered and sorted.

The queue shows what needs work in due-date order; this list answers "where is that invoice?". It
uses the API's search (service.invoice_search), so a clerk finds exactly what an integration finds.
Pages are numbered (a clerk jumps and sorts) and bounded; exports read the whole result in batches.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, literal_column
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from service import invoice_search
from service.models.invoices import CENTS_ABOVE_ALL, CENTS_BELOW_ALL, Invoice, InvoiceStatus

PAGE_SIZE = 50
MAX_PAGE = 2000  # 100,000 rows at 50 a page; deeper than that, search
EXPORT_BATCH = 1000

# column key -> the invoice column it sorts by (the id breaks ties, so pages never overlap)
SORTS = {
    "received": Invoice.created_at,
    "due": Invoice.due_date,
    "supplier": Invoice.seller_name,
    "number": Invoice.invoice_number,
    "order": Invoice.purchase_order,
    "amount": Invoice.payable_cents,
    "status": Invoice.status,
}
# The amount order, ascending and descending: the key with a missing amount last, as migration 0033
# indexes it (with the id), so a page reads its rows from an index in either direction.
# (The bounds are written into the statement: an index on an expression serves only that expression.)
AMOUNT_ORDER = (func.coalesce(Invoice.payable_cents, literal_column(str(CENTS_ABOVE_ALL))),
                func.coalesce(Invoice.payable_cents, literal_column(str(CENTS_BELOW_ALL))))
STATUSES = tuple(s.value for s in InvoiceStatus)


@dataclass
class FindFilter:
    q: str = ""
    status: str = ""  # "" = any status
    sort: str = "received"
    desc: bool = True
    page: int = 1
    organisation_id: uuid.UUID | None = None  # the staff member's current organisation (not a URL parameter)

    @classmethod
    def from_params(cls, params) -> FindFilter:
        sort = params.get("sort") or "received"
        status = params.get("status") or ""
        try:
            number = min(max(int(params.get("page") or 1), 1), MAX_PAGE)
        except ValueError:
            number = 1
        return cls(q=(params.get("q") or "").strip()[: invoice_search.MAX_QUERY_LENGTH],
                   status=status if status in STATUSES else "",
                   sort=sort if sort in SORTS else "received",
                   desc=(params.get("dir") or ("desc" if sort in ("received", "") else "asc")) == "desc",
                   page=number)

    def query_params(self, **overrides) -> dict[str, str]:
        values = {"q": self.q, "status": self.status, "sort": self.sort if self.sort != "received" else "",
                  "dir": "" if (self.sort, self.desc) == ("received", True) else ("desc" if self.desc else "asc"),
                  "page": str(self.page) if self.page > 1 else ""}
        values.update({k: str(v) for k, v in overrides.items()})
        return {k: v for k, v in values.items() if v}

    def sort_params(self, column: str) -> dict[str, str]:
        """The parameters of a column header's link: that column, or the other direction of it."""
        desc = not self.desc if column == self.sort else column == "received"  # newest first, others A-Z
        return self.query_params(sort=column, dir="desc" if desc else "asc", page="")

    def aria_sort(self, column: str) -> str:
        if column != self.sort:
            return "none"
        return "descending" if self.desc else "ascending"


@dataclass
class FindPage:
    rows: list[Invoice]
    total: int
    pages: int


def _conditions(session: Session, flt: FindFilter) -> list:
    conds = [] if flt.organisation_id is None else [Invoice.organisation_id == flt.organisation_id]
    if flt.status:
        conds.append(Invoice.status == InvoiceStatus(flt.status))
    found = invoice_search.condition(session, flt.q)
    if found is not None:
        conds.append(found)
    return conds


# a list row needs none of the large columns
_LIGHT = (defer(Invoice.document), defer(Invoice.invoice_xml), defer(Invoice.data), defer(Invoice.validation_report))


def _ordered(query, flt: FindFilter):
    tie = Invoice.id.desc() if flt.desc else Invoice.id.asc()
    if flt.sort == "amount":
        key = AMOUNT_ORDER[1].desc() if flt.desc else AMOUNT_ORDER[0].asc()
        return query.options(*_LIGHT).order_by(key, tie)
    column = SORTS[flt.sort]
    key = column.desc() if flt.desc else column.asc()
    return query.options(*_LIGHT).order_by(key.nulls_last(), tie)


def page(session: Session, flt: FindFilter) -> FindPage:
    conds = _conditions(session, flt)
    ordered = _ordered(select(Invoice).where(*conds), flt)
    first = list(session.exec(ordered.limit(PAGE_SIZE))) if flt.page <= 1 else None
    if first is not None and len(first) < PAGE_SIZE:
        # a first page that is not full holds every match: no count (a search for one invoice number
        # then reads the invoices once, not twice: SQLite scans them for a part-of match)
        return FindPage(rows=first, total=len(first), pages=1)
    total = session.exec(select(func.count()).select_from(Invoice).where(*conds)).one()
    pages = max(1, min(math.ceil(total / PAGE_SIZE), MAX_PAGE))
    if first is not None:
        return FindPage(rows=first, total=total, pages=pages)
    number = min(flt.page, pages)
    return FindPage(rows=list(session.exec(ordered.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE))),
                    total=total, pages=pages)


def export_rows(session: Session, flt: FindFilter) -> Iterator[Invoice]:
    """Every invoice of the search in the list's order, read a batch at a time (bounded memory)."""
    query = _ordered(select(Invoice).where(*_conditions(session, flt)), flt)
    offset = 0
    while True:
        batch = list(session.exec(query.offset(offset).limit(EXPORT_BATCH)))
        yield from batch
        session.expunge_all()  # the batch's objects (their documents) are not kept
        if len(batch) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH
