"""The look-ups behind matching's normalisations (read-only; issue #15).

- ``find_order``: the purchase order an invoice names when BT-13 as written (trimmed) is no order:
  BT-13 in its normal form (letter case and white space ignored); without BT-13, a BT-10 buyer
  reference that is, in that normal form, the number of an order of the invoice's own supplier.
  Exactly one order or none: two orders with one normal form are no match (never a guess).
- ``prior_invoices``: the earlier documents of the same seller that may be the same invoice, read
  through two bounded look-ups on indexes, in one statement (same seller, issue date and amount; same invoice-number
  key within the look-back window), never every invoice of the seller. The engine decides which of
  them count.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, bindparam, cast, literal_column, or_, select, union_all
from sqlmodel import Session

from service.masterdata import queries as masterdata
from service.matching import InvoiceFacts, MatchInputs, OrderReference, PriorInvoice
from service.matching.engine import LOOKALIKE_DAYS
from service.models.invoices import DocumentType, Invoice, InvoiceStatus
from service.normal_forms import invoice_number_keys, order_key, order_key_changes

SAME_DAY_LIMIT = 200  # documents of one seller, day and amount read at most (a bound, not a rule)
LOOKALIKE_LIMIT = 10  # look-alike invoice numbers listed at most


def bt13_trimmed(facts: InvoiceFacts) -> OrderReference | None:
    """BT-13 found as written but for spaces around it (worth telling), else None."""
    written = facts.order_reference or ""
    return OrderReference("BT-13", written, written.strip(), order_key_changes(written, written.strip())) \
        if written != written.strip() else None


def find_order(session: Session, facts: InvoiceFacts, supplier_id: Any) -> OrderReference | None:
    """The order an invoice names in a normal form (the caller tried BT-13 as written first): BT-13
    with letter case and white space ignored; without BT-13, BT-10 of the same supplier. None when
    no order, or more than one, has that normal form."""
    written = facts.order_reference or ""
    if written.strip():
        found = masterdata.orders_by_key(session, order_key(written), limit=2)
        return OrderReference("BT-13", written, found[0], order_key_changes(written, found[0])) \
            if len(found) == 1 else None
    ref = facts.buyer_reference or ""
    if not ref.strip() or supplier_id is None:
        return None
    found = masterdata.orders_by_key(session, order_key(ref), supplier_id=supplier_id, limit=2)
    return OrderReference("BT-10", ref, found[0], order_key_changes(ref, found[0])) if len(found) == 1 else None


_SAME_DAY, _LOOKALIKE, _WAITING = 1, 2, 3  # which part of the look-up a row came from
_WAITING_KEY = "einvoice.waiting_credit_notes"  # session.info: (transaction, invoice id, credit note ids)


@lru_cache(maxsize=4)
def _prior_statement(by_supplier: bool, dialect: str) -> Any:
    """The two look-ups as one statement (one round trip), built once (bound parameters): this runs
    for every invoice. Each half keeps its own bound and index; ``kind`` tells the rows apart."""
    t = Invoice.__table__
    cols = (t.c.id, t.c.invoice_number, t.c.issue_date, t.c.tax_inclusive_amount, t.c.purchase_order,
            t.c.supplier_id, t.c.document_type)
    seller = (t.c.supplier_id if by_supplier else t.c.seller_key) == bindparam("seller")
    common = (seller, t.c.id != bindparam("own_id"), t.c.status != InvoiceStatus.rejected.value,
              t.c.document_type == bindparam("document_type"), t.c.invoice_number != bindparam("number"))
    # The amount narrows the same-day rows in the database (a seller may send hundreds a day); SQLite
    # keeps decimals as text ("121.0" vs "121.00"), so there it compares them as numbers, and the
    # exact Decimal comparison below stays the judge on both.
    amount = t.c.tax_inclusive_amount
    same_amount = (cast(amount, Float) == bindparam("amount_approx") if dialect == "sqlite"
                   else amount == bindparam("amount"))
    same_day = (select(*cols, literal_column(str(_SAME_DAY), Integer).label("kind"))
                .where(*common, t.c.issue_date == bindparam("day"), same_amount)
                .order_by(t.c.created_at, t.c.id).limit(SAME_DAY_LIMIT)).subquery("same_day")
    lookalike = (select(*cols, literal_column(str(_LOOKALIKE), Integer).label("kind"))
                 .where(*common, or_(t.c.number_key == bindparam("k1"), t.c.number_key_runs == bindparam("k2")),
                        t.c.issue_date.between(bindparam("since"), bindparam("until")))
                 .order_by(t.c.issue_date.desc(), t.c.id).limit(LOOKALIKE_LIMIT)).subquery("lookalike")
    # the seller's credit notes waiting under review (one may name this invoice: rematch.py), ids only
    waiting = select(*cols, literal_column(str(_WAITING), Integer).label("kind")).where(
        seller, t.c.status == InvoiceStatus.needs_review.value, t.c.document_type == DocumentType.credit_note.value)
    return union_all(select(same_day), select(lookalike), waiting)



def prior_invoices(session: Session, invoice: Invoice, facts: InvoiceFacts) -> tuple[PriorInvoice, ...]:
    """Candidates for DUPLICATE_SUSPECTED among the documents of the invoice's seller (its supplier,
    else its seller key)."""
    if facts.issue_date is None or (invoice.supplier_id is None and not invoice.seller_key):
        return ()
    by_supplier = invoice.supplier_id is not None
    statement = _prior_statement(by_supplier, session.get_bind().dialect.name)
    k1, k2 = invoice_number_keys(facts.number)
    window = timedelta(days=LOOKALIKE_DAYS)
    params = {"seller": invoice.supplier_id if by_supplier else invoice.seller_key, "own_id": invoice.id,
              "document_type": invoice.document_type, "number": facts.number, "day": facts.issue_date,
              "k1": k1, "k2": k2, "since": facts.issue_date - window, "until": facts.issue_date + window,
              "amount": facts.tax_inclusive, "amount_approx": float(facts.tax_inclusive)}
    rows: dict[Any, Any] = {}
    waiting = []
    for r in session.execute(statement, params).all():
        if r.kind == _WAITING:
            waiting.append(r.id)
        elif r.kind == _LOOKALIKE or (r.tax_inclusive_amount is not None
                                      and r.tax_inclusive_amount == facts.tax_inclusive):
            rows[r.id] = r
    session.info[_WAITING_KEY] = (session.get_transaction(), invoice.id, waiting)
    return tuple(
        PriorInvoice(invoice_id=str(r.id), number=r.invoice_number or "", issue_date=r.issue_date,
                     amount=r.tax_inclusive_amount, order_number=r.purchase_order,
                     supplier_id=str(r.supplier_id) if r.supplier_id else None,
                     credit_note=getattr(r.document_type, "value", r.document_type) == DocumentType.credit_note.value)
        for r in sorted(rows.values(), key=lambda r: (r.invoice_number or "", str(r.id))))


def waiting_credit_notes(session: Session, invoice: Invoice) -> list[Any] | None:
    """The ids of the seller's credit notes under review that ``prior_invoices`` read for this
    invoice in this transaction (nothing has changed their status since), or None when it did not."""
    kept = session.info.pop(_WAITING_KEY, None)
    if kept is None or kept[0] is not session.get_transaction() or kept[1] != invoice.id:
        return None
    return list(kept[2])


def set_keys(invoice: Invoice, facts: InvoiceFacts) -> None:
    """Give a stored invoice its look-up keys: the invoice-number keys (``prior_invoices`` finds it by
    them later) and the order key (an order created later under that number re-matches it)."""
    invoice.number_key, invoice.number_key_runs = (k or None for k in invoice_number_keys(invoice.invoice_number))
    invoice.order_key = order_key(facts.order_reference or facts.buyer_reference)[:200] or None


def tie_to_order(invoice: Invoice, inputs: MatchInputs) -> None:
    """An invoice whose order was found through a normal form or BT-10 belongs to that order (lists,
    re-matching when the order changes)."""
    found = inputs.order_found_by
    if found is not None and found.field != "BT-25" and invoice.purchase_order != found.order_number:
        invoice.purchase_order = found.order_number
