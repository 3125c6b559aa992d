"""Which invoices an API caller may read: one rule, used by every invoice read and list.

- ``supplier`` keys read the invoices of their own supplier;
- ``gateway`` keys (an access point or mailroom) read what they delivered themselves: they deliver
  for many suppliers, so "everything" would show each supplier's invoices to every other sender;
- ``erp``, ``reviewer`` and ``admin`` read everything;
- and every key bound to an organisation only that organisation's invoices (and what it delivered itself).
Invoices a caller may not read are answered as not found (404), never 403: an id says nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_

from service.api.deps import Principal
from service.models.invoices import Invoice
from service.models.keys import Role


def may_read(principal: Principal, invoice: Invoice) -> bool:
    if principal.organisation_id is not None and invoice.organisation_id != principal.organisation_id \
            and invoice.received_by != principal.actor:
        return False
    if principal.role is Role.supplier:
        return invoice.supplier_id is not None and invoice.supplier_id == principal.supplier_id
    if principal.role is Role.gateway:
        return invoice.received_by == principal.actor
    return True


def readable(principal: Principal) -> Any | None:
    """The SQL condition on ``Invoice`` for ``principal`` (None: no restriction)."""
    by_role = _readable_by_role(principal)
    if principal.organisation_id is None:
        return by_role
    own = Invoice.organisation_id == principal.organisation_id
    return own if by_role is None else and_(own, by_role)


def _readable_by_role(principal: Principal) -> Any | None:
    if principal.role is Role.supplier:
        return Invoice.supplier_id == principal.supplier_id
    if principal.role is Role.gateway:
        return Invoice.received_by == principal.actor
    return None
