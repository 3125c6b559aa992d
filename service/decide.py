"""Where intake and master data hand over to matching: the impure side of the engine.

- ``decide_invoice``: called by intake, in the request's transaction, for every invoice that passed
  validation and was stored; it locks the order, runs the engine, stores the decision with its inputs,
  writes the ledger entries and moves the invoice from ``received`` to ``approved`` or
  ``needs_review`` (all in the caller's transaction: flush, never commit). Credit notes of the seller
  that were waiting for this invoice (BT-25) are evaluated again.
- ``on_order_changed``: called by master data, in the same transaction, after a new purchase-order
  version, a close/reopen or a goods receipt; the invoices under review for that order are evaluated
  again (first come, first served) and one that now passes is approved by the system ("re-match").
- ``on_supplier_changed``: the same when a supplier is created or changed (bank accounts, identifiers,
  tolerances), for its own invoices under review and those whose seller was unknown until now.
- A lifecycle hook keeps the ledger in step with people's decisions: approving turns an invoice's
  pending quantities into approved ones, rejecting releases them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from service.lifecycle import on_transition, transition
from service.matching import (
    CreditTarget,
    Decision,
    InvoiceFacts,
    Ledger,
    MatchInputs,
    OrderLine,
    OrderSnapshot,
    Policy,
    ReceiptMode,
    ReceiptTotals,
    StandingOrder,
    SupplierFacts,
    match,
)
from service.matching.adapter import facts_from_document
from service.matching.codec import decision_to_json, inputs_to_json
from service.matching.types import CheckOutcome
from service.models.base import new_id, utcnow
from service.models.invoices import DocumentType, Invoice, InvoiceStatus
from service.models.matching import (
    LedgerBalance,
    LedgerEntry,
    LedgerState,
    MatchDecision,
    MatchPolicyVersion,
    StandingOrderRule,
)

SYSTEM = "system"
REMATCH = "re-match"
APPROVED_STATUSES = (InvoiceStatus.approved, InvoiceStatus.booked, InvoiceStatus.paid)
POLICY_KEYS = ("price_over_pct", "price_under_pct", "quantity_over_pct", "total_abs", "charge_abs",
               "receipt_mode")
STANDING = "standing:"


# --- entry points ------------------------------------------------------------------------------


def decide_invoice(session: Session, invoice: Invoice, document: Any, *, actor: str) -> Decision:
    """Match ``invoice`` (status ``received``) and move it to approved or needs_review."""
    facts = _facts(invoice, document)
    inputs, ctx = gather_inputs(session, invoice, facts, lock=True)
    decision = match(inputs)
    decision_id = _record(session, invoice, inputs, decision, ctx, trigger="intake")
    _set_reasons(invoice, decision)
    to = InvoiceStatus.approved if decision.approved else InvoiceStatus.needs_review
    transition(session, invoice, to, actor=SYSTEM, reason_codes=list(decision.reason_codes),
               comment=f"matching {decision.engine_version}, decision {decision_id}")
    if not facts.is_credit_note and invoice.invoice_number:
        _rematch_credit_notes_for(session, invoice)
    return decision


def _rematch_credit_notes_for(session: Session, invoice: Invoice) -> None:
    """A credit note that arrived before the invoice it corrects (BT-25) waits as
    CREDIT_NOTE_UNMATCHED: evaluate the seller's waiting credit notes that name this invoice again."""
    waiting = session.execute(
        select(Invoice).where(_same_seller(invoice), Invoice.status == InvoiceStatus.needs_review,
                              Invoice.document_type == DocumentType.credit_note)
        .order_by(Invoice.created_at, Invoice.id)
    ).scalars().all()
    naming = [cn for cn in waiting if invoice.invoice_number in _facts(cn, None).preceding_invoices]
    _lock_orders(session, {cn.purchase_order for cn in naming} - {invoice.purchase_order})  # the invoice's is held
    _rematch_waiting(session, naming)


def on_order_changed(session: Session, po_number: str, *, supplier_id: Any = None) -> list[uuid.UUID]:
    """Re-match the invoices under review for ``po_number``; returns the ids approved now.

    Cheap when nothing waits (one indexed query): master data calls it for every order change.
    """
    invoices = session.execute(
        select(Invoice)
        .where(Invoice.purchase_order == po_number, Invoice.status == InvoiceStatus.needs_review,
               Invoice.document_type != DocumentType.credit_note)
        .order_by(Invoice.created_at, Invoice.id)
    ).scalars().all()
    if not invoices:
        return []
    _md().lock_order(session, po_number)  # serialise with intake on this order (no-op when held)
    return _rematch_waiting(session, invoices)


def on_supplier_changed(session: Session, supplier_id: uuid.UUID, seller_keys: list[str]) -> list[uuid.UUID]:
    """Re-match the invoices under review that this supplier's master data decides; returns the ids
    approved now. Called by master data when a supplier is created or changed (same transaction).

    Those are the supplier's own invoices (its bank accounts or tolerances may have changed) and the
    invoices whose seller was unknown (``SUPPLIER_UNKNOWN``) and whose seller key is one of
    ``seller_keys`` (the keys an invoice of this supplier gets: electronic address, identifiers, VAT
    id): each is resolved again with the full rules and, when it is this supplier now, attributed to
    it. Cheap when nothing waits (indexed queries).
    """
    waiting = (Invoice.status == InvoiceStatus.needs_review, Invoice.document_type != DocumentType.credit_note)
    own = session.execute(select(Invoice).where(Invoice.supplier_id == supplier_id, *waiting)).scalars().all()
    unknown = session.execute(select(Invoice).where(
        Invoice.supplier_id.is_(None), Invoice.seller_key.in_(seller_keys), *waiting)).scalars().all() \
        if seller_keys else []
    candidates = sorted({i.id: i for i in [*own, *unknown]}.values(), key=lambda i: (i.created_at, i.id))
    _lock_orders(session, {i.purchase_order for i in candidates})

    def attribute(invoice: Invoice) -> bool:
        if invoice.supplier_id is None:
            if _resolved_seller(session, invoice) != supplier_id:
                return False
            invoice.supplier_id = supplier_id
        return True

    return _rematch_waiting(session, candidates, claim=attribute)


def _lock_orders(session: Session, po_numbers: set[str | None]) -> None:
    """Lock several orders in one order (by number): intake and order changes lock one order each,
    so no lock cycle can form."""
    for po in sorted(n for n in po_numbers if n):
        _md().lock_order(session, po)


def _rematch_waiting(session: Session, invoices: Sequence[Invoice], *,
                     claim: Callable[[Invoice], bool] | None = None) -> list[uuid.UUID]:
    """Re-match each invoice that is still under review when read again (the caller holds the order
    locks); ``claim`` may skip one (False) or prepare it. Returns the ids approved now."""
    approved: list[uuid.UUID] = []
    for invoice in invoices:
        session.refresh(invoice)  # read again under the lock: a reviewer may have acted meanwhile
        if invoice.status is not InvoiceStatus.needs_review or (claim is not None and not claim(invoice)):
            continue
        if _rematch(session, invoice):
            approved.append(invoice.id)
    return approved


def _same_seller(invoice: Invoice) -> Any:
    """SQL condition: documents of the invoice's seller (its supplier, else its seller key)."""
    if invoice.supplier_id is not None:
        return Invoice.supplier_id == invoice.supplier_id
    return Invoice.seller_key == invoice.seller_key


def _resolved_seller(session: Session, invoice: Invoice) -> uuid.UUID | None:
    """The supplier the invoice's seller (BT-34, BT-29/BT-30, BT-31) resolves to now."""
    from service.en16931.model import InvoiceDocument
    from service.masterdata.suppliers import resolve_supplier

    seller = InvoiceDocument.from_json(invoice.data or {}).seller
    address = seller.electronic_address
    found = resolve_supplier(
        session,
        electronic_address=(address.scheme, address.value) if address else None,
        identifiers=[(i.scheme, i.value) for i in seller.all_identifiers()],
        vat_id=seller.vat_id,
    )
    return found.id if found is not None else None


def _rematch(session: Session, invoice: Invoice) -> bool:
    facts = _facts(invoice, None)
    inputs, ctx = gather_inputs(session, invoice, facts, lock=False, rematch=True)
    decision = match(inputs)
    previous = latest_decision(session, invoice.id)
    if previous is not None and not decision.approved and list(decision.reason_codes) == previous.reason_codes \
            and previous.decision.get("ledger_delta") == decision_to_json(decision)["ledger_delta"]:
        return False  # nothing changed for this invoice
    _release(session, invoice.id, delete=True)
    _record(session, invoice, inputs, decision, ctx, trigger=REMATCH)
    _set_reasons(invoice, decision)
    if decision.approved:
        transition(session, invoice, InvoiceStatus.approved, actor=SYSTEM, reason_codes=[], comment=REMATCH)
        return True
    invoice.version = (invoice.version or 0) + 1
    invoice.updated_at = utcnow()
    session.add(invoice)
    session.flush()
    return False


def latest_decision(session: Session, invoice_id: uuid.UUID) -> MatchDecision | None:
    return session.execute(
        select(MatchDecision).where(MatchDecision.invoice_id == invoice_id)
        .order_by(MatchDecision.created_at.desc(), MatchDecision.id.desc()).limit(1)
    ).scalars().first()


def load_decision(session: Session, invoice_id: uuid.UUID) -> Decision | None:
    """The engine's latest Decision for an invoice (checks incl. passed ones, pairing), or None."""
    from service.matching.codec import decision_from_json

    row = latest_decision(session, invoice_id)
    return decision_from_json(row.decision) if row is not None else None


# --- gathering the inputs -----------------------------------------------------------------------


class _Context:
    def __init__(self) -> None:
        self.order_number: str | None = None
        self.order_version: int | None = None
        self.standing_rule_id: uuid.UUID | None = None
        self.corrected_invoice_id: uuid.UUID | None = None
        # balances read under the order lock: order -> line -> (row id, quantity); saves a re-read
        self.balances: dict[str, dict[str, tuple[uuid.UUID, Decimal]]] = {}


def _md():
    from service.masterdata import queries

    return queries


def _facts(invoice: Invoice, document: Any) -> InvoiceFacts:
    if document is None:
        from service.en16931.model import InvoiceDocument

        document = InvoiceDocument.from_json(invoice.data or {})
    return facts_from_document(document)


def gather_inputs(session: Session, invoice: Invoice, facts: InvoiceFacts, *, lock: bool,
                  rematch: bool = False) -> tuple[MatchInputs, _Context]:
    """Everything the engine needs, read (and the order locked) in the caller's transaction."""
    md = _md()
    ctx = _Context()
    supplier = None
    overrides: dict[str, Any] = {}
    supplier_version = None
    if invoice.supplier_id is not None:
        found = _load_supplier(session, invoice.supplier_id)
        if found is not None:
            supplier, overrides, supplier_version = found
    policy = effective_policy(session, invoice.supplier_id if supplier else None, overrides, supplier_version)
    mi = MatchInputs(invoice=facts, policy=policy, supplier=supplier,
                     similar_invoices=_similar(session, invoice, facts))

    if facts.is_credit_note:
        target_row = _credit_target(session, invoice, facts, lock)
        if target_row is None:
            return mi, ctx
        ctx.corrected_invoice_id = target_row.id
        entries = session.execute(select(LedgerEntry).where(LedgerEntry.invoice_id == target_row.id)).scalars().all()
        invoiced: dict[str, Decimal] = {}
        order_number = target_row.purchase_order
        for e in entries:
            if not e.credit and e.state is LedgerState.approved and not e.order_number.startswith(STANDING):
                invoiced[e.order_line_id] = invoiced.get(e.order_line_id, Decimal(0)) + e.quantity
                order_number = e.order_number
        credited: dict[str, Decimal] = {}
        for e in session.execute(select(LedgerEntry).where(LedgerEntry.corrected_invoice_id == target_row.id,
                                                        LedgerEntry.invoice_id != invoice.id)).scalars():
            if e.credit and e.state is LedgerState.approved:
                credited[e.order_line_id] = credited.get(e.order_line_id, Decimal(0)) - e.quantity
        order = None
        if order_number and invoiced:
            order = load_order(session, order_number, lock=lock)
            ctx.order_number, ctx.order_version = order_number, order.version if order else None
        target = CreditTarget(invoice_id=str(target_row.id), number=target_row.invoice_number or "",
                              status=target_row.status.value, currency=target_row.currency or "",
                              supplier_id=str(target_row.supplier_id) if target_row.supplier_id else None,
                              order_number=order_number, invoiced=invoiced)
        return replace(mi, credit_target=target, order=order, ledger=Ledger(credited=credited)), ctx

    po_number = (facts.order_reference or "").strip()
    if not po_number:
        rule = _standing_rule(session, invoice, facts, lock)
        if rule is None:
            return mi, ctx
        ctx.standing_rule_id = rule.id
        key = period_key(rule.period, facts.issue_date)
        used = _ledger(session, f"{STANDING}{rule.id}", invoice, rematch, ctx).get(key, Decimal(0))
        so = StandingOrder(rule_id=str(rule.id), version=rule.version, supplier_id=str(rule.supplier_id),
                           expected_amount=rule.expected_amount, currency=rule.currency, period=rule.period,
                           tolerance_abs=rule.tolerance_abs, tolerance_pct=rule.tolerance_pct,
                           buyer_reference=rule.buyer_reference, contract_reference=rule.contract_reference,
                           valid_from=rule.valid_from, valid_to=rule.valid_to, period_key=key,
                           invoiced_in_period=used)
        return replace(mi, standing_order=so), ctx

    order = load_order(session, po_number, lock=lock)
    if order is None:
        return replace(mi, order_lookup=po_number), ctx
    ctx.order_number, ctx.order_version = order.number, order.version
    receipts = ReceiptTotals()
    if policy.receipt_mode is ReceiptMode.three_way or (
            policy.receipt_mode is ReceiptMode.line and any(ol.receipt_required for ol in order.lines)):
        received = md.received_by_line(session, po_number)  # only 3-way lines look at receipts
        receipts = ReceiptTotals(dict(received.quantities), tuple(received.receipt_ids))
    invoiced = _ledger(session, po_number, invoice, rematch, ctx)
    return replace(mi, order=order, receipts=receipts, ledger=Ledger(invoiced=invoiced),
                   order_lookup=po_number), ctx


def _ledger(session: Session, order_number: str, invoice: Invoice, rematch: bool,
            ctx: _Context) -> dict[str, Decimal]:
    """What counts against each line of ``order_number`` before this invoice.

    A new invoice reads the running balances (one row per line); a re-match reads the entries,
    since only approved quantities and invoices that arrived earlier count against it.
    """
    if not rematch:  # a new invoice has no entries of its own yet
        t = LedgerBalance.__table__
        rows = session.execute(select(t.c.id, t.c.order_line_id, t.c.quantity)
                               .where(t.c.order_number == order_number)).all()
        ctx.balances[order_number] = {line: (row_id, qty) for row_id, line, qty in rows}
        return {line: qty for _, line, qty in rows if qty}
    out: dict[str, Decimal] = {}
    for e in session.execute(select(LedgerEntry).where(LedgerEntry.order_number == order_number,
                                                       LedgerEntry.invoice_id != invoice.id)).scalars():
        if _counts(e, invoice, True):
            out[e.order_line_id] = out.get(e.order_line_id, Decimal(0)) + e.quantity
    return out


def _bump(session: Session, order_number: str, deltas: dict[str, Decimal],
          known: dict[str, tuple[uuid.UUID, Decimal]] | None = None) -> None:
    """Add ``deltas`` (order line -> quantity) to the running balances (rows locked on PostgreSQL).

    Core statements, not ORM objects: this runs for every decision and must stay cheap.
    """
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    table = LedgerBalance.__table__
    if known is not None:  # read in this transaction, under the order's lock
        current = known
    else:
        session.flush()
        current = {line: (row_id, qty) for row_id, line, qty in session.execute(
            select(table.c.id, table.c.order_line_id, table.c.quantity)
            .where(table.c.order_number == order_number, table.c.order_line_id.in_(sorted(deltas)))
            .with_for_update())}
    now = utcnow()
    updates, inserts = [], []
    for line_id, delta in sorted(deltas.items()):
        if line_id in current:
            row_id, qty = current[line_id]
            updates.append({"b_id": row_id, "b_quantity": qty + delta, "b_at": now})
        else:
            inserts.append({"id": new_id(), "order_number": order_number, "order_line_id": line_id,
                            "quantity": delta, "updated_at": now})
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("b_id"))
                        .values(quantity=bindparam("b_quantity"), updated_at=bindparam("b_at")), updates)
    if inserts:
        session.execute(insert(table), inserts)


def _counts(e: LedgerEntry, invoice: Invoice, rematch: bool) -> bool:
    """Approved quantities always count; pending invoices count (on re-match only when earlier)."""
    if e.state is LedgerState.approved:
        return True
    if e.state is not LedgerState.pending or e.credit:
        return False
    if not rematch:
        return True
    return (e.invoice_received_at, str(e.invoice_id)) < (invoice.created_at, str(invoice.id))


def load_order(session: Session, po_number: str, *, lock: bool) -> OrderSnapshot | None:
    """The order's current version as the engine sees it; ``lock`` takes the order header row
    (``SELECT ... FOR UPDATE`` on PostgreSQL) for the rest of the transaction.

    Reads master data's tables with two core queries (same result as
    ``service.masterdata.queries.get_order``, which builds ORM objects: this runs for every invoice).
    """
    from service.models.masterdata import PurchaseOrder, PurchaseOrderLine, PurchaseOrderVersion

    po, ver, ln = PurchaseOrder.__table__, PurchaseOrderVersion.__table__, PurchaseOrderLine.__table__
    q = select(po.c.id, po.c.status, po.c.current_version).where(po.c.number == po_number)
    if lock:
        q = q.with_for_update()
    head = session.execute(q).first()
    if head is None:
        return None
    rows = session.execute(
        select(ver.c.supplier_id, ver.c.currency, ln.c.line_id, ln.c.item_name, ln.c.seller_item_id,
               ln.c.standard_item_id, ln.c.quantity, ln.c.unit_code, ln.c.unit_price, ln.c.base_quantity,
               ln.c.vat_category, ln.c.vat_rate, ln.c.receipt_required)
        .select_from(ver.outerjoin(ln, ln.c.version_id == ver.c.id))
        .where(ver.c.purchase_order_id == head.id, ver.c.version == head.current_version)
        .order_by(ln.c.position)).all()
    if not rows:
        return None
    status = getattr(head.status, "value", head.status)
    return OrderSnapshot(
        number=po_number, version=int(head.current_version),
        supplier_id=str(rows[0].supplier_id) if rows[0].supplier_id else None, currency=rows[0].currency,
        status=str(status),
        lines=tuple(
            OrderLine(line_id=r.line_id, quantity=r.quantity, unit_code=(r.unit_code or "").upper(),
                      unit_price=r.unit_price, base_quantity=r.base_quantity or Decimal(1), name=r.item_name or "",
                      seller_item_id=r.seller_item_id, standard_item_id=r.standard_item_id,
                      vat_category=r.vat_category, vat_rate=r.vat_rate, receipt_required=bool(r.receipt_required))
            for r in rows if r.line_id is not None),
    )


def _load_supplier(session: Session, supplier_id: Any) -> tuple[SupplierFacts, dict[str, Any], int] | None:
    """Known IBANs and policy overrides of a supplier (core queries on master data's tables)."""
    from service.models.masterdata import Supplier, SupplierBankAccount

    sup, acc = Supplier.__table__, SupplierBankAccount.__table__
    rows = session.execute(select(sup.c.name, sup.c.policy, sup.c.version, acc.c.iban)
                           .select_from(sup.outerjoin(acc, acc.c.supplier_id == sup.c.id))
                           .where(sup.c.id == supplier_id)).all()
    if not rows:
        return None
    row = rows[0]
    ibans = [r.iban for r in rows if r.iban]
    overrides = {}
    for key, value in (row.policy or {}).items():
        if value is not None and key in POLICY_KEYS:
            overrides[key] = value if key == "receipt_mode" else Decimal(str(value))
    facts = SupplierFacts(str(supplier_id), row.name or "", tuple(sorted("".join(i.split()).upper() for i in ibans)))
    return facts, overrides, int(row.version)


def _similar(session: Session, invoice: Invoice, facts: InvoiceFacts) -> tuple[str, ...]:
    """Same seller, same BT-112 and BT-2, another BT-1 (rejected documents do not count)."""
    if facts.issue_date is None or (invoice.supplier_id is None and not invoice.seller_key):
        return ()
    t = Invoice.__table__
    rows = session.execute(
        select(t.c.invoice_number, t.c.tax_inclusive_amount)
        .where(_same_seller(invoice), t.c.issue_date == facts.issue_date, t.c.id != invoice.id,
               t.c.status != InvoiceStatus.rejected.value, t.c.document_type == invoice.document_type,
               t.c.invoice_number != facts.number)
    ).all()
    return tuple(sorted({num for num, amount in rows if amount is not None and amount == facts.tax_inclusive}))


def _credit_target(session: Session, invoice: Invoice, facts: InvoiceFacts, lock: bool) -> Invoice | None:
    if not facts.preceding_invoices:
        return None
    stmt = (select(Invoice).where(_same_seller(invoice), Invoice.invoice_number.in_(facts.preceding_invoices),
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
    if day is None:
        return "-"
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


# --- policy ----------------------------------------------------------------------------------------


def _latest_policy(session: Session, scope: str) -> MatchPolicyVersion | None:
    return session.execute(select(MatchPolicyVersion).where(MatchPolicyVersion.scope == scope)
                        .order_by(MatchPolicyVersion.version.desc()).limit(1)).scalars().first()


def policy_from_settings(settings: dict[str, Any], version: str) -> Policy:
    kw: dict[str, Any] = {}
    for key in POLICY_KEYS:
        if key in settings and settings[key] is not None:
            kw[key] = ReceiptMode(settings[key]) if key == "receipt_mode" else Decimal(str(settings[key]))
    return Policy(version=version, **kw)


def effective_policy(session: Session, supplier_id: Any, overrides: dict[str, Any],
                     supplier_version: int | None) -> Policy:
    """Global defaults (latest version) with the supplier's overrides on top."""
    table = MatchPolicyVersion.__table__
    glob = session.execute(select(table.c.version, table.c.settings).where(table.c.scope == "global")
                           .order_by(table.c.version.desc()).limit(1)).first()
    settings = dict(glob.settings) if glob else {}
    version = f"global:{glob.version if glob else 0}"
    clean = {k: v for k, v in (overrides or {}).items() if k in POLICY_KEYS and v is not None}
    if supplier_id is not None and clean:  # no overrides: nothing to read (hot path)
        number = record_supplier_policy(session, supplier_id, clean, actor=SYSTEM)
        if number:
            settings.update(clean)
            version += f"+supplier:{supplier_id}:{number}"
    return policy_from_settings(settings, version)


def record_supplier_policy(session: Session, supplier_id: Any, overrides: dict[str, Any], *, actor: str,
                           only_if_known: bool = False) -> int | None:
    """The version number of a supplier's overrides, storing a new version when they changed.

    Master data may call it when a supplier's ``policy`` is saved (so every change is recorded with
    its author); decisions call it too, so a change is never missed. ``only_if_known``: record
    nothing for a supplier that never had overrides.
    """
    scope = f"supplier:{supplier_id}"
    clean = {k: v for k, v in (overrides or {}).items() if k in POLICY_KEYS and v is not None}
    latest = _latest_policy(session, scope)
    if latest is None and only_if_known:
        return None
    if latest is not None and latest.settings == _jsonable(clean):
        return latest.version
    number = (latest.version + 1) if latest else 1
    _insert_policy_version(session, scope, number, clean, actor)
    return number


def _jsonable(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in settings.items()}


def _insert_policy_version(session: Session, scope: str, number: int, settings: dict[str, Any], actor: str) -> None:
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add(MatchPolicyVersion(scope=scope, version=number, settings=_jsonable(settings), created_by=actor))
    except IntegrityError:  # another process recorded the same change first
        pass


def set_global_policy(session: Session, settings: dict[str, Any], *, actor: str) -> MatchPolicyVersion:
    """Store a new version of the global policy (every change is a new version)."""
    latest = _latest_policy(session, "global")
    row = MatchPolicyVersion(scope="global", version=(latest.version + 1) if latest else 1,
                             settings=_jsonable({k: v for k, v in settings.items() if k in POLICY_KEYS and v is not None}),
                             created_by=actor)
    session.add(row)
    session.flush()
    return row


# --- recording -----------------------------------------------------------------------------------


def _record(session: Session, invoice: Invoice, inputs: MatchInputs, decision: Decision, ctx: _Context,
            *, trigger: str) -> uuid.UUID:
    decision_id = new_id()
    session.flush()  # the invoice row exists before rows that refer to it
    session.execute(insert(MatchDecision.__table__), [{
        "id": decision_id, "invoice_id": invoice.id, "outcome": decision.outcome.value,
        "reason_codes": list(decision.reason_codes), "decision": decision_to_json(decision),
        "inputs": inputs_to_json(inputs), "order_number": ctx.order_number, "order_version": ctx.order_version,
        "policy_version": inputs.policy.version, "engine_version": decision.engine_version, "trigger": trigger,
        "actor": SYSTEM, "created_at": utcnow()}])
    state = LedgerState.approved if decision.approved else LedgerState.pending
    received_at = invoice.created_at or utcnow()
    now = utcnow()
    counted: dict[str, dict[str, Decimal]] = {}
    entries = []
    for delta in decision.ledger_delta:
        if delta.order_line_id.startswith(STANDING):
            _, rule_id, key = delta.order_line_id.split(":", 2)
            order_number, line_id = f"{STANDING}{rule_id}", key
        else:
            order_number, line_id = ctx.order_number or "", delta.order_line_id
        entries.append({"id": new_id(), "invoice_id": invoice.id, "decision_id": decision_id,
                        "order_number": order_number, "order_line_id": line_id, "quantity": delta.quantity,
                        "credit": inputs.invoice.is_credit_note, "corrected_invoice_id": ctx.corrected_invoice_id,
                        "state": state.value, "invoice_received_at": received_at, "created_at": now,
                        "updated_at": now})
        if state is LedgerState.approved or not inputs.invoice.is_credit_note:  # what counts (see _counts)
            per_line = counted.setdefault(order_number, {})
            per_line[line_id] = per_line.get(line_id, Decimal(0)) + delta.quantity
    if entries:
        session.execute(insert(LedgerEntry.__table__), entries)
    for order_number, per_line in counted.items():
        _bump(session, order_number, per_line, ctx.balances.get(order_number))
    return decision_id


def reasons_of(decision: Decision) -> list[dict[str, Any]]:
    out = []
    for c in decision.checks:
        if c.outcome is not CheckOutcome.failed:
            continue
        nl, en = c.messages()
        out.append({"code": c.code, "line_id": c.line_id, "order_line_id": c.order_line_id,
                    "check": c.name, "expected": c.expected, "actual": c.actual, "tolerance": c.tolerance,
                    "message": nl, "message_nl": nl, "message_en": en})
    return out


def _set_reasons(invoice: Invoice, decision: Decision) -> None:
    invoice.reasons = reasons_of(decision)


def _release(session: Session, invoice_id: uuid.UUID, *, delete: bool = False) -> None:
    """Rejected: the invoice's quantities stop counting (``delete``: drop pending ones, re-match)."""
    for e in session.execute(select(LedgerEntry).where(LedgerEntry.invoice_id == invoice_id)).scalars().all():
        if delete and e.state is LedgerState.approved:
            continue
        if e.state is LedgerState.released:
            continue
        if e.state is LedgerState.approved or not e.credit:
            _bump(session, e.order_number, {e.order_line_id: -e.quantity})
        if delete:
            session.delete(e)
        else:
            e.state, e.updated_at = LedgerState.released, utcnow()
            session.add(e)
    session.flush()


@on_transition
def _keep_ledger_in_step(session: Session, invoice: Invoice, event) -> None:
    """A person's approval makes pending quantities count as approved; a rejection releases them."""
    if event.from_status not in (InvoiceStatus.needs_review, InvoiceStatus.on_hold):
        return
    if event.to_status is InvoiceStatus.rejected:
        _release(session, invoice.id)
    elif event.to_status is InvoiceStatus.approved:
        now = utcnow()
        for e in session.execute(select(LedgerEntry).where(LedgerEntry.invoice_id == invoice.id,
                                                        LedgerEntry.state == LedgerState.pending)).scalars().all():
            if e.credit:  # an approved credit note gives its quantity back now
                _bump(session, e.order_number, {e.order_line_id: e.quantity})
            e.state, e.updated_at = LedgerState.approved, now
            session.add(e)
        session.flush()


__all__ = ["decide_invoice", "on_order_changed", "load_decision", "latest_decision", "gather_inputs",
           "effective_policy", "record_supplier_policy", "set_global_policy", "policy_from_settings", "period_key", "reasons_of"]
