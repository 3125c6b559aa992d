"""Matching invoices under review again when what they were matched against changed.

Master data does not call these: the layer that changed master data (the API routes and CLI
commands under service/api and service/cli) calls them in the same unit of work, right after the
change, so a re-match never sees half of a change and never runs in a transaction of its own.

- ``rematch_order``: after a new order version, a close / reopen, or a goods receipt;
- ``rematch_orders``: the same for a batch of orders (only those some invoice refers to);
- ``rematch_supplier``: after a supplier was created or changed (bank accounts, identifiers,
  tolerances), for its own invoices under review and those whose seller was unknown until now;
- ``rematch_credit_notes_for``: a new invoice releases the credit notes that were waiting for it.

Invoices are evaluated again first come, first served; one that now passes is approved by the
system ("re-match"). Cheap when nothing waits (one indexed query).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import or_, select
from sqlmodel import Session

from service import ledger
from service.decisions import lookups
from service.decisions.inputs import gather_inputs, invoice_facts, same_seller
from service.decisions.record import SYSTEM, latest_decision, record_decision
from service.en16931.model import InvoiceDocument
from service.errors import IllegalTransition
from service.lifecycle import transition
from service.masterdata import queries as masterdata
from service.masterdata.common import OrderNotFound
from service.masterdata.suppliers import resolve_supplier
from service.matching import match
from service.matching.adapter import facts_from_document
from service.matching.codec import decision_to_json
from service.models.base import utcnow
from service.models.invoices import DocumentType, Invoice, InvoiceStatus
from service.models.masterdata import Supplier
from service.models.workspace import InvoiceComment
from service.normal_forms import order_key

REMATCH = "re-match"
MANUAL = "manual re-match"  # a reviewer asked for it (rematch_by_hand)
LINKED = "order linked"  # a reviewer linked the order by hand (link_order)
_UNDER_REVIEW = (Invoice.status == InvoiceStatus.needs_review, Invoice.document_type != DocumentType.credit_note)


def rematch_order(session: Session, po_number: str) -> list[uuid.UUID]:
    """Re-match the invoices under review for ``po_number`` (also those that name it with other letter
    case or spaces, or through BT-10 without BT-13); returns the ids approved now."""
    invoices = session.execute(
        select(Invoice).where(or_(Invoice.purchase_order == po_number, Invoice.order_key == order_key(po_number)),
                              *_UNDER_REVIEW)
        .order_by(Invoice.created_at, Invoice.id)
    ).scalars().all()
    if not invoices:
        return []
    masterdata.lock_order(session, po_number)  # serialise with intake on this order (no-op when held)
    return _rematch_waiting(session, invoices)


def rematch_orders(session: Session, po_numbers: Iterable[str]) -> list[uuid.UUID]:
    """``rematch_order`` for each order some invoice refers to (BT-13), in the given order.

    A nightly sync touches thousands of orders that no invoice mentions yet: one query per 500
    numbers finds the few worth a look.
    """
    numbers = list(dict.fromkeys(po_numbers))
    referenced: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        by_key = {order_key(n): n for n in chunk}
        referenced |= set(session.execute(
            select(Invoice.purchase_order).where(Invoice.purchase_order.in_(chunk)).distinct()).scalars())
        referenced |= {by_key[k] for k in session.execute(
            select(Invoice.order_key).where(Invoice.order_key.in_(list(by_key))).distinct()).scalars()}
    approved: list[uuid.UUID] = []
    for number in numbers:
        if number in referenced:
            approved += rematch_order(session, number)
    return approved


def rematch_supplier(session: Session, supplier_id: uuid.UUID) -> list[uuid.UUID]:
    """Re-match the invoices under review that this supplier's master data decides; returns the ids
    approved now.

    Those are the supplier's own invoices (its bank accounts or tolerances may have changed) and the
    invoices whose seller was unknown (``SUPPLIER_UNKNOWN``) and whose seller key is one of the
    supplier's (electronic address, identifiers, VAT id): each is resolved again with the full rules
    and, when it is this supplier now, attributed to it.
    """
    keys = masterdata.seller_keys(session, supplier_id)
    own = session.execute(select(Invoice).where(Invoice.supplier_id == supplier_id, *_UNDER_REVIEW)).scalars().all()
    supplier = session.get(Supplier, supplier_id)
    unknown = session.execute(select(Invoice).where(  # of the supplier's organisation only
        Invoice.supplier_id.is_(None), Invoice.seller_key.in_(keys), *_UNDER_REVIEW,
        Invoice.organisation_id == supplier.organisation_id)).scalars().all() if keys and supplier else []
    candidates = sorted({i.id: i for i in [*own, *unknown]}.values(), key=lambda i: (i.created_at, i.id))
    _lock_orders(session, {i.purchase_order for i in candidates})

    def attribute(invoice: Invoice) -> bool:
        if invoice.supplier_id is None:
            if _resolved_seller(session, invoice) != supplier_id:
                return False
            invoice.supplier_id = supplier_id
        return True

    return _rematch_waiting(session, candidates, claim=attribute)


def rematch_credit_notes_for(session: Session, invoice: Invoice) -> None:
    """A credit note that arrived before the invoice it corrects (BT-25) waits as
    CREDIT_NOTE_UNMATCHED: evaluate the seller's waiting credit notes that name this invoice again."""
    # Only the id and the EN 16931 model of each waiting credit note (this runs for every invoice of
    # the seller): whole rows, original documents included, are read for the few that name this one.
    # The decision's duplicate look-up listed their ids in this transaction (none: the common case,
    # nothing more to read); read on their own otherwise.
    known = lookups.waiting_credit_notes(session, invoice)
    if known is not None and not known:
        return
    where = [Invoice.id.in_(known)] if known is not None else [
        same_seller(invoice), Invoice.status == InvoiceStatus.needs_review, Invoice.document_type == DocumentType.credit_note]
    waiting = session.execute(
        select(Invoice.id, Invoice.data).where(*where).order_by(Invoice.created_at, Invoice.id)
    ).all()
    naming = [found for cn_id, data in waiting
              if invoice.invoice_number in facts_from_document(InvoiceDocument.from_json(data or {})).preceding_invoices
              and (found := session.get(Invoice, cn_id)) is not None]
    _lock_orders(session, {cn.purchase_order for cn in naming} - {invoice.purchase_order})  # the invoice's is held
    _rematch_waiting(session, naming)


def _lock_orders(session: Session, po_numbers: set[str | None]) -> None:
    """Lock several orders in one order (by number): intake and order changes lock one order each,
    so no lock cycle can form."""
    for po in sorted(n for n in po_numbers if n):
        masterdata.lock_order(session, po)


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


def _resolved_seller(session: Session, invoice: Invoice) -> uuid.UUID | None:
    """The supplier the invoice's seller (BT-34, BT-29/BT-30, BT-31) resolves to now."""
    seller = InvoiceDocument.from_json(invoice.data or {}).seller
    address = seller.electronic_address
    found = resolve_supplier(
        session,
        electronic_address=(address.scheme, address.value) if address else None,
        identifiers=[(i.scheme, i.value) for i in seller.all_identifiers()],
        vat_id=seller.vat_id,
        organisation_id=invoice.organisation_id,
    )
    return found.id if found is not None else None


def rematch_by_hand(session: Session, invoice: Invoice, *, actor: str) -> bool:
    """A reviewer has the invoice matched again now (after master data changed elsewhere, or to see
    today's answer). Always recorded as a decision (trigger ``manual re-match``, the reviewer as its
    actor); the system approves it when it passes, as any re-match. True when approved now."""
    _lock_orders(session, {invoice.purchase_order})
    session.refresh(invoice)  # read again under the lock
    if invoice.status is not InvoiceStatus.needs_review or invoice.document_type is DocumentType.credit_note:
        raise IllegalTransition(f"only an invoice under review can be matched again (it is {invoice.status.value})",
                                current_status=invoice.status.value)
    return _rematch(session, invoice, trigger=MANUAL, actor=actor, force=True)


def link_order(session: Session, invoice: Invoice, number: str, *, actor: str) -> bool:
    """A reviewer ties an invoice under review to an order (it named none, or the wrong one): from
    now on matching uses that order instead of BT-13, this time and on every later re-match. The
    change is a comment in the invoice's trail and a decision with trigger ``order linked``. True
    when the invoice passes (and is approved) now."""
    number = number.strip()[:200]
    if not number or masterdata.get_order(session, number) is None:
        raise OrderNotFound(f"no purchase order {number!r}", order_number=number)
    _lock_orders(session, {invoice.purchase_order, number})  # the old and the new order, in one order
    session.refresh(invoice)
    if invoice.status is not InvoiceStatus.needs_review or invoice.document_type is DocumentType.credit_note:
        raise IllegalTransition(f"only an invoice under review can be linked to an order (it is {invoice.status.value})",
                                current_status=invoice.status.value)
    previous = invoice.purchase_order
    invoice.linked_order = invoice.purchase_order = number
    invoice.order_key = order_key(number)[:200]
    session.add(InvoiceComment(invoice_id=invoice.id, actor=actor, text=f"order: {previous or '–'} → {number}"))
    return _rematch(session, invoice, trigger=LINKED, actor=actor, force=True)


def _rematch(session: Session, invoice: Invoice, *, trigger: str = REMATCH, actor: str = SYSTEM,
             force: bool = False) -> bool:
    inputs, ctx = gather_inputs(session, invoice, invoice_facts(invoice), lock=False, rematch=True)
    decision = match(inputs)
    previous = latest_decision(session, invoice.id)
    if not force and previous is not None and not decision.approved \
            and list(decision.reason_codes) == previous.reason_codes \
            and previous.decision.get("ledger_delta") == decision_to_json(decision)["ledger_delta"]:
        return False  # nothing changed for this invoice
    ledger.release(session, invoice.id, delete=True)
    lookups.tie_to_order(invoice, inputs)
    record_decision(session, invoice, inputs, decision, ctx, trigger=trigger, actor=actor)
    if decision.approved:
        comment = trigger if actor == SYSTEM else f"{trigger} ({actor})"
        transition(session, invoice, InvoiceStatus.approved, actor=SYSTEM, reason_codes=[], comment=comment)
        return True
    invoice.version = (invoice.version or 0) + 1
    invoice.updated_at = utcnow()
    session.add(invoice)
    session.flush()
    return False


CONFIRMED = "prestatieverklaring"  # a budget holder confirmed the delivery (service/handovers)


def rematch_after_confirmation(session: Session, invoice: Invoice, *, actor: str) -> bool:
    """A budget holder confirmed the delivery of ``invoice`` (a receipt was recorded for it): match it
    again now, recorded as a decision with trigger ``prestatieverklaring`` and the confirming person as
    its actor, then the other invoices waiting on the same order. True when ``invoice`` is approved now;
    an invoice no longer under review (on hold, decided) is left alone."""
    _lock_orders(session, {invoice.purchase_order})
    session.refresh(invoice)
    approved = False
    if invoice.status is InvoiceStatus.needs_review and invoice.document_type is not DocumentType.credit_note:
        approved = _rematch(session, invoice, trigger=CONFIRMED, actor=actor, force=True)
    if invoice.purchase_order:
        rematch_order(session, invoice.purchase_order)
    return approved
