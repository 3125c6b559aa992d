"""The look-ups behind matching's normalisations (read-only; issue #15).

- ``find_order``: the purchase order an invoice names. BT-13 as written (trimmed) first; else BT-13
  in its normal form (letter case and white space ignored); without BT-13, a BT-10 buyer reference
  that is, in that normal form, the number of an order of the invoice's own supplier. Exactly one
  order or none: two orders with one normal form are no match (never a guess).
- ``prior_invoices``: the earlier documents of the same seller that may be the same invoice, read
  through two bounded look-ups on indexes (same seller and issue date; same invoice-number key within
  the look-back window), never every invoice of the seller. The engine decides which of them count.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from service.masterdata import queries as masterdata
from service.matching import InvoiceFacts, OrderReference, PriorInvoice
from service.matching.engine import LOOKALIKE_DAYS
from service.models.invoices import DocumentType, Invoice, InvoiceStatus
from service.normal_forms import invoice_number_keys, order_key, order_key_changes

SAME_DAY_LIMIT = 200  # documents of one seller on one day read to compare amounts (a bound, not a rule)
LOOKALIKE_LIMIT = 10  # look-alike invoice numbers listed at most


def find_order(session: Session, facts: InvoiceFacts, supplier_id: Any) -> OrderReference | None:
    """How the invoice's order is found (see the module docstring), or None."""
    written = facts.order_reference or ""
    if written.strip():
        if masterdata.order_exists(session, written.strip()):
            return OrderReference("BT-13", written, written.strip(), order_key_changes(written, written.strip()))
        found = masterdata.orders_by_key(session, order_key(written), limit=2)
        return OrderReference("BT-13", written, found[0], order_key_changes(written, found[0])) \
            if len(found) == 1 else None
    ref = facts.buyer_reference or ""
    if not ref.strip() or supplier_id is None:
        return None
    found = masterdata.orders_by_key(session, order_key(ref), supplier_id=supplier_id, limit=2)
    return OrderReference("BT-10", ref, found[0], order_key_changes(ref, found[0])) if len(found) == 1 else None


def prior_invoices(session: Session, invoice: Invoice, facts: InvoiceFacts, seller: Any) -> tuple[PriorInvoice, ...]:
    """Candidates for DUPLICATE_SUSPECTED; ``seller`` is the SQL condition "same seller"."""
    if facts.issue_date is None or (invoice.supplier_id is None and not invoice.seller_key):
        return ()
    t = Invoice.__table__
    cols = (t.c.id, t.c.invoice_number, t.c.issue_date, t.c.tax_inclusive_amount, t.c.purchase_order,
            t.c.supplier_id, t.c.document_type)
    common = (seller, t.c.id != invoice.id, t.c.status != InvoiceStatus.rejected.value,
              t.c.document_type == invoice.document_type, t.c.invoice_number != facts.number)
    same_day = [r for r in session.execute(
        select(*cols).where(*common, t.c.issue_date == facts.issue_date)
        .order_by(t.c.created_at, t.c.id).limit(SAME_DAY_LIMIT)).all()
        if r.tax_inclusive_amount is not None and r.tax_inclusive_amount == facts.tax_inclusive]
    k1, k2 = invoice_number_keys(facts.number)
    window = timedelta(days=LOOKALIKE_DAYS)
    lookalike = session.execute(
        select(*cols).where(*common, or_(t.c.number_key == k1, t.c.number_key_runs == k2),
                            t.c.issue_date.between(facts.issue_date - window, facts.issue_date + window))
        .order_by(t.c.issue_date.desc(), t.c.id).limit(LOOKALIKE_LIMIT)).all()
    rows = {r.id: r for r in [*same_day, *lookalike]}
    return tuple(
        PriorInvoice(invoice_id=str(r.id), number=r.invoice_number or "", issue_date=r.issue_date,
                     amount=r.tax_inclusive_amount, order_number=r.purchase_order,
                     supplier_id=str(r.supplier_id) if r.supplier_id else None,
                     credit_note=getattr(r.document_type, "value", r.document_type) == DocumentType.credit_note.value)
        for r in sorted(rows.values(), key=lambda r: (r.invoice_number or "", str(r.id))))


def number_keys(invoice: Invoice) -> None:
    """Give a stored invoice its look-alike keys (``prior_invoices`` finds it by them later)."""
    invoice.number_key, invoice.number_key_runs = (k or None for k in invoice_number_keys(invoice.invoice_number))
