"""Everything the engine needs for one invoice, read in the caller's transaction.

Master data (orders, receipts, suppliers) is read only through ``service.masterdata.queries``, the
read path master data itself uses; the quantities invoiced before come from the ledger
(service/ledger.py); the policy from ``policy.effective_policy``. Nothing here writes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from service import ledger
from service.decisions import lookups
from service.decisions.policy import clean_overrides, effective_policy
from service.en16931.model import InvoiceDocument
from service.masterdata import queries as masterdata
from service.matching import (
    AcceptedVariance,
    CreditTarget,
    InvoiceFacts,
    Ledger,
    ManualPairing,
    MatchInputs,
    OrderLine,
    OrderReference,
    OrderSnapshot,
    ReceiptMode,
    ReceiptMovement,
    ReceiptTotals,
    StandingOrder,
    SupplierFacts,
)
from service.matching.adapter import facts_from_document
from service.models.invoices import DocumentType, Invoice
from service.models.matching import StandingOrderRule
from service.models.workspace import LineResolution

PAIRING, VARIANCE = "pairing", "variance"  # LineResolution.kind


@dataclass
class Context:
    """What the inputs were read from, for the decision row and the ledger entries."""

    order_number: str | None = None
    order_version: int | None = None
    standing_rule_id: uuid.UUID | None = None
    corrected_invoice_id: uuid.UUID | None = None
    # balances read under the order lock: order -> line -> (row id, quantity); saves a re-read
    balances: dict[str, ledger.Balances] = field(default_factory=dict)


def invoice_facts(invoice: Invoice, document: InvoiceDocument | None = None) -> InvoiceFacts:
    """The engine's view of the invoice (from the parsed document, else from the stored model)."""
    if document is None:
        document = InvoiceDocument.from_json(invoice.data or {})
    facts = facts_from_document(document)
    if invoice.linked_order:  # a reviewer linked the order by hand: it replaces BT-13 as written
        facts = replace(facts, order_reference=invoice.linked_order)
    return facts


def same_seller(invoice: Invoice) -> Any:
    """SQL condition: documents of the invoice's seller (its supplier, else its seller key)."""
    if invoice.supplier_id is not None:
        return Invoice.supplier_id == invoice.supplier_id
    return Invoice.seller_key == invoice.seller_key


def gather_inputs(session: Session, invoice: Invoice, facts: InvoiceFacts, *, lock: bool,
                  rematch: bool = False) -> tuple[MatchInputs, Context]:
    """Everything the engine needs; ``lock`` takes the order's row lock for the rest of the
    transaction (intake). On a re-match the caller holds the lock already."""
    ctx = Context()
    supplier, overrides = _supplier(session, invoice.supplier_id)
    policy = effective_policy(session, invoice.supplier_id if supplier else None, overrides,
                              organisation_id=invoice.organisation_id)
    mi = MatchInputs(invoice=facts, policy=policy, supplier=supplier,
                     prior_invoices=lookups.prior_invoices(session, invoice, facts))
    if rematch:  # a new invoice has no lines resolved by hand yet
        mi = resolved_by_hand(session, invoice.id, mi)
    if facts.is_credit_note:
        return _credit_note_inputs(session, invoice, facts, mi, ctx, lock=lock)
    written = (facts.order_reference or "").strip()
    org = invoice.organisation_id
    order = order_snapshot(session, written, lock=lock, organisation_id=org) if written else None  # BT-13 as written
    found = lookups.bt13_trimmed(facts) if order is not None else None
    if order is None:  # BT-13 in its normal form, or BT-10 without BT-13
        found = lookups.find_order(session, facts, invoice.supplier_id if supplier else None)
        if found is None and not written:
            return _standing_order_inputs(session, invoice, facts, mi, ctx, lock=lock, rematch=rematch)
        if found is not None:
            order = order_snapshot(session, found.order_number, lock=lock, organisation_id=org)
    po_number = found.order_number if found is not None else written
    if order is None:
        return replace(mi, order_lookup=po_number), ctx
    ctx.order_number, ctx.order_version = order.number, order.version
    receipts = ReceiptTotals()
    if policy.receipt_mode is ReceiptMode.three_way or (
            policy.receipt_mode is ReceiptMode.line and any(ol.receipt_required for ol in order.lines)):
        received = masterdata.received_by_line(session, po_number)  # only 3-way lines look at receipts
        receipts = ReceiptTotals(dict(received.quantities), tuple(received.receipt_ids),
                                 tuple(ReceiptMovement(r, line, q) for r, line, q in received.movements))
    invoiced = _invoiced(session, po_number, invoice, ctx, rematch=rematch)
    return replace(mi, order=order, receipts=receipts, ledger=Ledger(invoiced=invoiced),
                   order_lookup=po_number, order_found_by=found), ctx


def resolved_by_hand(session: Session, invoice_id: uuid.UUID, mi: MatchInputs) -> MatchInputs:
    """The invoice's lines that people paired with an order line (the latest pairing of a line wins)
    and the variances they accepted (service/decisions/resolve.py)."""
    rows = session.execute(select(LineResolution).where(LineResolution.invoice_id == invoice_id)
                           .order_by(LineResolution.at, LineResolution.id)).scalars().all()
    if not rows:
        return mi
    pairings = {r.line_id: ManualPairing(r.line_id, r.order_line_id or "", r.actor)
                for r in rows if r.kind == PAIRING and r.order_line_id}
    accepted = tuple(AcceptedVariance(r.line_id, r.code or "", r.reason or "", r.actor)
                     for r in rows if r.kind == VARIANCE and r.code)
    return replace(mi, manual_pairings=tuple(pairings[k] for k in sorted(pairings)), accepted_variances=accepted)


def order_snapshot(session: Session, po_number: str, *, lock: bool,
                   organisation_id: uuid.UUID | None = None) -> OrderSnapshot | None:
    """The order's current version as the engine sees it (``lock``: the order header row lock).
    An order of another organisation than ``organisation_id`` is none (PO_NOT_FOUND)."""
    view = masterdata.get_order(session, po_number, for_update=lock)
    if view is None or (organisation_id is not None and view.organisation_id != organisation_id):
        return None
    return OrderSnapshot(
        number=po_number, version=view.version, supplier_id=str(view.supplier_id) if view.supplier_id else None,
        currency=view.currency, status=view.status,
        lines=tuple(
            OrderLine(line_id=ln.line_id, quantity=ln.quantity, unit_code=(ln.unit_code or "").upper(),
                      unit_price=ln.unit_price, base_quantity=ln.base_quantity or Decimal(1),
                      name=ln.item_name or "", seller_item_id=ln.seller_item_id,
                      standard_item_id=ln.standard_item_id, vat_category=ln.vat_category, vat_rate=ln.vat_rate,
                      receipt_required=ln.receipt_required)
            for ln in view.lines),
    )


def _supplier(session: Session, supplier_id: uuid.UUID | None) -> tuple[SupplierFacts | None, dict[str, Any]]:
    """The engine's view of the supplier (known IBANs) and its policy overrides."""
    if supplier_id is None:
        return None, {}
    found = masterdata.supplier_facts(session, supplier_id)
    if found is None:
        return None, {}
    ibans = tuple(sorted("".join(i.split()).upper() for i in found.ibans))
    return SupplierFacts(str(supplier_id), found.name, ibans), clean_overrides(found.policy)


def _invoiced(session: Session, order_number: str, invoice: Invoice, ctx: Context, *,
              rematch: bool) -> dict[str, Decimal]:
    """What counts against each line of ``order_number`` before this invoice.

    A new invoice reads the running balances (one row per line); a re-match reads the entries,
    since only approved quantities and invoices that arrived earlier count against it.
    """
    if rematch:
        return ledger.invoiced_before(session, order_number, invoice)
    ctx.balances[order_number] = ledger.balances(session, order_number)
    return {line: qty for line, (_, qty) in ctx.balances[order_number].items() if qty}


def _credit_note_inputs(session: Session, invoice: Invoice, facts: InvoiceFacts, mi: MatchInputs, ctx: Context,
                        *, lock: bool) -> tuple[MatchInputs, Context]:
    target_row = _credit_target(session, invoice, facts, lock)
    if target_row is None:
        return mi, ctx
    ctx.corrected_invoice_id = target_row.id
    order_number, invoiced, credited = ledger.credit_history(session, target_row.id, invoice.id)
    order_number = order_number or target_row.purchase_order
    order = None
    if order_number and invoiced:
        order = order_snapshot(session, order_number, lock=lock, organisation_id=invoice.organisation_id)
        ctx.order_number, ctx.order_version = order_number, order.version if order else None
    found = None
    if order is not None and not (facts.order_reference or "").strip():  # the order only through BT-25
        found = OrderReference("BT-25", target_row.invoice_number or "", order.number,
                               via_invoice=target_row.invoice_number)
    target = CreditTarget(invoice_id=str(target_row.id), number=target_row.invoice_number or "",
                          status=target_row.status.value, currency=target_row.currency or "",
                          supplier_id=str(target_row.supplier_id) if target_row.supplier_id else None,
                          order_number=order_number, invoiced=invoiced)
    return replace(mi, credit_target=target, order=order, ledger=Ledger(credited=credited),
                   order_found_by=found), ctx


def _standing_order_inputs(session: Session, invoice: Invoice, facts: InvoiceFacts, mi: MatchInputs, ctx: Context,
                           *, lock: bool, rematch: bool) -> tuple[MatchInputs, Context]:
    rule = _standing_rule(session, invoice, facts, lock)
    if rule is None:
        return mi, ctx
    ctx.standing_rule_id = rule.id
    key = period_key(rule.period, facts.issue_date)
    used = _invoiced(session, f"{ledger.STANDING}{rule.id}", invoice, ctx, rematch=rematch).get(key, Decimal(0))
    so = StandingOrder(rule_id=str(rule.id), version=rule.version, supplier_id=str(rule.supplier_id),
                       expected_amount=rule.expected_amount, currency=rule.currency, period=rule.period,
                       tolerance_abs=rule.tolerance_abs, tolerance_pct=rule.tolerance_pct,
                       buyer_reference=rule.buyer_reference, contract_reference=rule.contract_reference,
                       valid_from=rule.valid_from, valid_to=rule.valid_to, period_key=key,
                       invoiced_in_period=used)
    return replace(mi, standing_order=so), ctx


def _credit_target(session: Session, invoice: Invoice, facts: InvoiceFacts, lock: bool) -> Invoice | None:
    if not facts.preceding_invoices:
        return None
    stmt = (select(Invoice).where(same_seller(invoice), Invoice.invoice_number.in_(facts.preceding_invoices),
                                  Invoice.document_type == DocumentType.invoice, Invoice.id != invoice.id)
            .order_by(Invoice.created_at))
    if lock:
        stmt = stmt.with_for_update()
    rows = session.execute(stmt).scalars().all()
    return rows[0] if rows else None


def _standing_rule(session: Session, invoice: Invoice, facts: InvoiceFacts, lock: bool) -> StandingOrderRule | None:
    if invoice.supplier_id is None or not (facts.buyer_reference or facts.contract_reference):
        return None
    stmt = select(StandingOrderRule).where(StandingOrderRule.supplier_id == invoice.supplier_id,
                                           StandingOrderRule.active.is_(True)).order_by(StandingOrderRule.created_at)
    if lock:
        stmt = stmt.with_for_update()
    for rule in session.execute(stmt).scalars():
        if (rule.contract_reference and rule.contract_reference == facts.contract_reference) or (
                rule.buyer_reference and rule.buyer_reference == facts.buyer_reference):
            return rule
    return None


def period_key(period: str, day: date | None) -> str:
    """The ledger line of a standing order: ``2026``, ``2026-Q4`` or ``2026-11``."""
    if day is None:
        return "-"
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"
