"""Master data: suppliers, purchase orders and goods receipts, as ERP systems send them.

Public functions other areas rely on (stable; all take the caller's session and never commit):

- ``resolve_supplier(session, *, electronic_address, identifiers, vat_id) -> Supplier | None``
  (intake): the invoice's seller by BT-34 electronic address, then legal identifiers (BT-29/BT-30),
  then VAT id (BT-31); None when nothing (or more than one supplier) matches. Never creates anything.
- ``get_order(session, po_number, *, for_update=False) -> OrderView | None`` (matching): the current
  version of an order with its lines; ``for_update`` locks the order header row.
- ``get_order_version(session, po_number, version) -> OrderView | None``: an older version (replay).
- ``lock_order(session, po_number) -> UUID | None``: only the header-row lock, no lines loaded.
- ``received_by_line(session, po_number) -> ReceivedView``: cumulative received quantity per order
  line id (returns subtracted) and the receipt ids counted.
- ``supplier_facts(session, supplier_id) -> SupplierFacts | None``: known IBANs, policy overrides and
  the supplier's version.

After a new order version, a close / reopen, a new goods receipt or a supplier change, master data
writes a ``masterdata_events`` row; it never calls matching. The layer that made the change (the API
routes, the CLI commands) then calls ``service.decisions.rematch`` in the same unit of work, so the
invoices under review are evaluated again. Saving a supplier records a new version of its
matching-policy overrides when they changed (``match_policy_versions``).

Modules: ``identifiers`` (IBAN / VAT / GLN / KvK / OIN checks), ``codelists`` (UN/ECE Rec 20, ISO 4217,
UNCL 5305, EAS, ICD from the installed artefacts), ``payloads`` (API bodies), ``suppliers``,
``orders``, ``receipts``, ``ubl`` (UBL Order / ReceiptAdvice / DespatchAdvice mapping), ``queries``.
"""

from service.masterdata.queries import (
    OrderLineView,
    OrderView,
    ReceivedView,
    SupplierFacts,
    get_order,
    get_order_version,
    lock_order,
    received_by_line,
    supplier_facts,
)
from service.masterdata.suppliers import resolve_supplier

__all__ = [
    "OrderLineView",
    "OrderView",
    "ReceivedView",
    "SupplierFacts",
    "get_order",
    "get_order_version",
    "lock_order",
    "received_by_line",
    "resolve_supplier",
    "supplier_facts",
]
