"""The intake's hand-over: decide a new invoice that passed validation, and store it with its decision."""

from __future__ import annotations

from sqlmodel import Session

from service.decisions import lookups
from service.decisions.inputs import gather_inputs, invoice_facts
from service.decisions.record import SYSTEM, reasons_of, write_decision
from service.decisions.rematch import rematch_credit_notes_for
from service.en16931.model import InvoiceDocument
from service.lifecycle import AlreadyStored, Step, store_new
from service.matching import Decision, InvoiceFacts, match
from service.models.base import new_id
from service.models.invoices import Invoice, InvoiceStatus


def decide_invoice(session: Session, invoice: Invoice, document: InvoiceDocument,
                   facts: InvoiceFacts | None = None, *, received: Step) -> Decision:
    """Match ``invoice`` (new, not stored yet) and store it once, decided: approved or needs_review.

    In the caller's transaction: the order is locked, the engine decides, then the invoice's row is
    written in its decided status with the decision's reasons (``lifecycle.store_new``: the audit
    events ``received`` (the step ``received``) and the decision, each with its consequences), then
    the decision row with its inputs and the ledger entries (both refer to the invoice's row); flush,
    never commit. Matching reads no row of the invoice itself (its duplicate and credit-note
    look-ups leave its own id out). Credit notes of the seller that were waiting for this invoice
    (BT-25) are evaluated again. Raises ``AlreadyStored`` with nothing of the invoice written when a
    stored invoice holds one of its unique values (another process was quicker). ``facts``: the
    engine's view the caller already built (``prepare``), which gave the invoice its look-up keys.
    """
    if facts is None:
        facts = prepare(invoice, document)
    inputs, ctx = gather_inputs(session, invoice, facts, lock=True)
    as_written = invoice.purchase_order
    lookups.tie_to_order(invoice, inputs)
    decision = match(inputs)
    decision_id = new_id()  # named by the decision's audit event, which is written before its row
    invoice.reasons = reasons_of(decision)
    to = InvoiceStatus.approved if decision.approved else InvoiceStatus.needs_review
    try:
        store_new(session, invoice, [received, Step(
            to, SYSTEM, list(decision.reason_codes), f"matching {decision.engine_version}, decision {decision_id}")],
                  if_absent=True)
    except AlreadyStored:
        invoice.purchase_order = as_written  # the caller stores what was received (a duplicate)
        raise
    write_decision(session, invoice, inputs, decision, ctx, decision_id=decision_id, trigger="intake")
    if not facts.is_credit_note and invoice.invoice_number:
        rematch_credit_notes_for(session, invoice)
    return decision


def prepare(invoice: Invoice, document: InvoiceDocument) -> InvoiceFacts:
    """The engine's view of a new invoice not yet stored, and its look-up keys set on it (they are
    written with the row); pass the result to ``decide_invoice``."""
    facts = invoice_facts(invoice, document)
    lookups.set_keys(invoice, facts)
    return facts
