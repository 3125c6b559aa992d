"""Context on the invoice page (#17): names instead of ids (suppliers, people, API keys) and the
earlier invoices that consumed each order line (units by name: ``Translator.unit``). Only reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from service.models.invoices import Invoice
from service.models.keys import ApiKey
from service.models.masterdata import Supplier
from service.models.matching import LedgerEntry, LedgerState
from service.models.workspace import StaffUser
from service.reasons import Reason

CONSUMERS_SHOWN = 10  # earlier invoices listed per order line; the rest are counted

def _uuids(values: Iterable[Any]) -> set[uuid.UUID]:
    out = set()
    for v in values:
        try:
            out.add(uuid.UUID(str(v)))
        except ValueError:
            continue
    return out


def supplier_names(session: Session, checks: list[Reason]) -> list[Reason]:
    """The checks with supplier ids (SUPPLIER_MISMATCH: the order's and the invoice's supplier) shown as
    names, also inside their messages; copies, the stored reasons stay as they are."""
    ids = _uuids(c.get(k) for c in checks for k in ("expected", "actual") if c.get(k))
    if not ids:
        return checks
    names = {str(i): n for i, n in session.execute(select(Supplier.id, Supplier.name).where(Supplier.id.in_(ids)))}
    if not names:
        return checks

    def named(value: str | None) -> str | None:
        if not value:
            return value
        for supplier_id, name in names.items():
            value = value.replace(supplier_id, name)
        return value

    return [replace(c, message_en=named(c.message_en) or "", message_nl=named(c.message_nl) or "",
                    fields={**c.fields, "expected": named(c.get("expected")), "actual": named(c.get("actual"))})
            for c in checks]


def actor_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    """"user:anna" -> "Anna de Vries", "key:ab12cd34" -> the key's name, "system" as it is."""
    actors = set(actors)
    users = {a.split(":", 1)[1] for a in actors if a.startswith("user:")}
    keys = {a.split(":", 1)[1] for a in actors if a.startswith("key:")}
    out: dict[str, str] = {}
    if users:
        for username, display in session.execute(select(StaffUser.username, StaffUser.display_name)
                                                 .where(StaffUser.username.in_(users))):
            if display:
                out[f"user:{username}"] = display
    if keys:
        for prefix, name in session.execute(select(ApiKey.prefix, ApiKey.name).where(ApiKey.prefix.in_(keys))):
            if name:
                out[f"key:{prefix}"] = name
    return out


def consumers(session: Session, invoice: Invoice, order_line_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Per order line, the other invoices whose quantities count against it (pending or approved, the
    newest first): {"invoice_id", "number", "quantity", "status"}; at most CONSUMERS_SHOWN each."""
    if not invoice.purchase_order or not order_line_ids:
        return {}
    rows = session.execute(
        select(LedgerEntry.order_line_id, LedgerEntry.quantity, LedgerEntry.credit, Invoice.id,
               Invoice.invoice_number, Invoice.status)
        .join(Invoice, Invoice.id == LedgerEntry.invoice_id)
        .where(LedgerEntry.order_number == invoice.purchase_order, LedgerEntry.order_line_id.in_(order_line_ids),
               LedgerEntry.invoice_id != invoice.id, LedgerEntry.state != LedgerState.released)
        .order_by(LedgerEntry.invoice_received_at.desc()).limit(CONSUMERS_SHOWN * len(order_line_ids) + 1)
    ).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for line_id, qty, credit, inv_id, number, status in rows:
        listed = out.setdefault(line_id, [])
        if len(listed) < CONSUMERS_SHOWN:
            listed.append({"invoice_id": inv_id, "number": number or str(inv_id),
                           "quantity": Decimal(qty), "credit": credit, "status": status.value})
    return out
