"""The intake's hand-over: decide a new invoice that passed validation and was stored."""

from __future__ import annotations

from sqlmodel import Session

from service.decisions import lookups
from service.decisions.inputs import gather_inputs, invoice_facts
from service.decisions.record import SYSTEM, record_decision
from service.decisions.rematch import rematch_credit_notes_for
from service.en16931.model import InvoiceDocument
from service.lifecycle import transition
from service.matching import Decision, InvoiceFacts, match
from service.models.invoices import Invoice, InvoiceStatus


def decide_invoice(session: Session, invoice: Invoice, document: InvoiceDocument,
                   facts: InvoiceFacts | None = None) -> Decision:
    """Match ``invoice`` (status ``received``) and move it to approved or needs_review.

    In the caller's transaction: the order is locked, the decision stored with its inputs, the
    ledger written, the status changed (flush, never commit). Credit notes of the seller that were
    waiting for this invoice (BT-25) are evaluated again. ``facts``: the engine's view the caller
    already built, and gave the invoice its look-up keys from before storing it (``prepare``), so
    the INSERT carries them and no UPDATE follows.
    """
    if facts is None:
        facts = invoice_facts(invoice, document)
        lookups.set_keys(invoice, facts)
    inputs, ctx = gather_inputs(session, invoice, facts, lock=True)
    lookups.tie_to_order(invoice, inputs)
    decision = match(inputs)
    decision_id = record_decision(session, invoice, inputs, decision, ctx, trigger="intake")
    to = InvoiceStatus.approved if decision.approved else InvoiceStatus.needs_review
    transition(session, invoice, to, actor=SYSTEM, reason_codes=list(decision.reason_codes),
               comment=f"matching {decision.engine_version}, decision {decision_id}")
    if not facts.is_credit_note and invoice.invoice_number:
        rematch_credit_notes_for(session, invoice)
    return decision


def prepare(invoice: Invoice, document: InvoiceDocument) -> InvoiceFacts:
    """The engine's view of a new invoice not yet stored, and its look-up keys set on it (they are
    written with the row); pass the result to ``decide_invoice`` after storing it."""
    facts = invoice_facts(invoice, document)
    lookups.set_keys(invoice, facts)
    return facts
