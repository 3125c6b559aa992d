"""Where intake and master data hand over to matching (owned by the matching area).

- ``decide_invoice``: called by intake, in the request's transaction, for every invoice that passed
  validation and was stored; it moves the invoice from ``received`` to ``approved`` or
  ``needs_review``.
- ``on_order_changed``: called by master data, in the same transaction, after a new purchase-order
  version or a goods receipt was stored; it re-evaluates the invoices under review for that order.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from service.lifecycle import transition
from service.models.invoices import Invoice, InvoiceStatus


def decide_invoice(session: Session, invoice: Invoice, document: Any, *, actor: str) -> None:
    """Until matching exists, every accepted invoice goes to needs_review."""
    transition(session, invoice, InvoiceStatus.needs_review, actor="system")


def on_order_changed(session: Session, po_number: str, *, supplier_id: Any = None) -> None:
    """Re-match the invoices under review for ``po_number`` (no-op until matching exists)."""
