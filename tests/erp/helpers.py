"""Arrange invoices directly with the models and the lifecycle (independent of intake)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.engine import Engine

from service.db import unit_of_work
from service.lifecycle import transition
from service.models.invoices import Invoice, InvoiceStatus

S = InvoiceStatus
TO_APPROVED = (S.needs_review, S.approved)


def new_invoice(session, *, path=TO_APPROVED, number: str | None = None, amount: str = "121.00",
                actor: str = "system") -> Invoice:
    """A received invoice moved along ``path`` in the caller's transaction (flushed, not committed)."""
    number = number or f"INV-{uuid.uuid4().hex[:8]}"
    inv = Invoice(sha256=uuid.uuid4().hex + uuid.uuid4().hex, document=b"<Invoice/>",
                  invoice_number=number, currency="EUR",
                  payable_amount=Decimal(amount), seller_name="Bouwbedrijf De Vries B.V.",
                  data={"number": number, "currency": "EUR", "totals": {"payable_amount": amount},
                        "lines": [{"id": "1", "quantity": "1", "net_amount": amount}]})
    session.add(inv)
    session.flush()
    for to in path:
        transition(session, inv, to, actor=actor, reason_codes=["PO_NOT_FOUND"] if to is S.needs_review else [])
    return inv


def committed_invoice(engine: Engine, **kw) -> uuid.UUID:
    with unit_of_work(engine) as s:
        return new_invoice(s, **kw).id
