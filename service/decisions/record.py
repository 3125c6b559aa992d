"""Storing a decision: the decision row with its inputs (for replay), the ledger entries, the
reasons on the invoice; and reading decisions back."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select
from sqlmodel import Session

from service import ledger
from service.db import Prepared
from service.decisions.inputs import Context
from service.matching import Decision, MatchInputs
from service.matching.codec import decision_from_json, decision_to_json, inputs_to_json
from service.matching.types import CheckOutcome
from service.models.base import new_id, utcnow
from service.models.invoices import Invoice
from service.models.matching import MatchDecision
from service.reasons import Reason

SYSTEM = "system"


def record_decision(session: Session, invoice: Invoice, inputs: MatchInputs, decision: Decision, ctx: Context,
                    *, trigger: str, actor: str = SYSTEM) -> uuid.UUID:
    """Store the decision and its ledger entries, and put its failed checks on the invoice."""
    decision_id = new_id()
    session.flush()  # the invoice row exists before rows that refer to it
    write_decision(session, invoice, inputs, decision, ctx, decision_id=decision_id, trigger=trigger, actor=actor)
    invoice.reasons = reasons_of(decision)
    return decision_id


def write_decision(session: Session, invoice: Invoice, inputs: MatchInputs, decision: Decision, ctx: Context,
                   *, decision_id: uuid.UUID, trigger: str, actor: str = SYSTEM) -> None:
    """The decision row and its ledger entries, for an invoice whose row is stored (their FK)."""
    _INSERT_DECISION.execute(session, {
        "id": decision_id, "invoice_id": invoice.id, "outcome": decision.outcome.value,
        "reason_codes": list(decision.reason_codes), "decision": decision_to_json(decision),
        "inputs": inputs_to_json(inputs), "order_number": ctx.order_number, "order_version": ctx.order_version,
        "policy_version": inputs.policy.version, "engine_version": decision.engine_version, "trigger": trigger,
        "actor": actor, "created_at": utcnow()})
    ledger.record_deltas(session, invoice=invoice, decision_id=decision_id, deltas=decision.ledger_delta,
                         order_number=ctx.order_number, credit=inputs.invoice.is_credit_note,
                         corrected_invoice_id=ctx.corrected_invoice_id, approved=decision.approved,
                         known=ctx.balances)


_INSERT_DECISION = Prepared(insert(MatchDecision.__table__))


def reasons_of(decision: Decision) -> list[Reason]:
    """The failed checks as the invoice's reasons."""
    return [c.reason() for c in decision.checks if c.outcome is CheckOutcome.failed and c.code is not None]


def latest_decision(session: Session, invoice_id: uuid.UUID) -> MatchDecision | None:
    return session.execute(
        select(MatchDecision).where(MatchDecision.invoice_id == invoice_id)
        .order_by(MatchDecision.created_at.desc(), MatchDecision.id.desc()).limit(1)
    ).scalars().first()


def decision_history(session: Session, invoice_id: uuid.UUID) -> list[MatchDecision]:
    """Every decision on the invoice, newest first."""
    return list(session.execute(
        select(MatchDecision).where(MatchDecision.invoice_id == invoice_id)
        .order_by(MatchDecision.created_at.desc(), MatchDecision.id.desc())
    ).scalars().all())


def load_decision(session: Session, invoice_id: uuid.UUID) -> Decision | None:
    """The engine's latest Decision for an invoice (checks incl. passed ones, pairing), or None."""
    row = latest_decision(session, invoice_id)
    return decision_from_json(row.decision) if row is not None else None
