"""A person's approval under the four-eyes rules (called by ``service.review.approve``; only flushes).

- No rule covers the invoice: it is approved (step ``single``).
- A rule covers it: it moves to ``awaiting_approval`` (reason ``SECOND_APPROVAL_REQUIRED``, step
  ``first``) and records which rule version and triggers applied.
- ``awaiting_approval``: a *different* person completes it (step ``second``); the first approver
  gets ``SecondApproverRequired`` (409). The rule of the first approval stays the one that applies.

The caller holds the invoice row lock (``review._load``: FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE
on SQLite), so two people approving at the same moment are serialised: the second sees the first's
result (a completed approval, or its own second-person check).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from service.approvals.rights import Approver, Right
from service.approvals.rule_versions import rules_in_force
from service.approvals.rules import second_person_needed
from service.errors import Conflict
from service.keys import same_person
from service.lifecycle import transition
from service.models.approvals import ApprovalStep, InvoiceApproval
from service.models.invoices import AuditEvent, Invoice, InvoiceStatus

SECOND_APPROVAL_REQUIRED = "SECOND_APPROVAL_REQUIRED"


class SecondApproverRequired(Conflict):
    slug, title = "second-approver-required", "A different person must complete this approval"


def approve(session: Session, invoice: Invoice, *, approver: Approver, comment: str | None,
            open_codes: Sequence[str], organisation_id: uuid.UUID | None = None) -> AuditEvent:
    """Approve ``invoice`` (locked by the caller) as ``approver``; returns the audit event.

    Approving alone or first needs the right ``review``, completing another's approval the right
    ``second_approval``; a personal approval limit below the amount makes it a four-eyes case.
    """
    actor = approver.actor
    if invoice.status is InvoiceStatus.awaiting_approval:
        return _complete(session, invoice, approver=approver, comment=comment)
    approver.require(Right.review, "approving an invoice")
    rules = rules_in_force(session, organisation_id or invoice.organisation_id)
    triggers = second_person_needed(rules, reason_codes=open_codes, payable_amount=invoice.payable_amount,
                                    currency=invoice.currency, approver_limit=approver.approval_limit)
    step = ApprovalStep.first if triggers else ApprovalStep.single
    approval = {"step": step.value, "rule_version": rules.version, "triggers": triggers, "first_approver": None}
    event = transition(session, invoice, InvoiceStatus.awaiting_approval if triggers else InvoiceStatus.approved,
                       actor=actor, comment=comment, approval=approval,
                       reason_codes=[SECOND_APPROVAL_REQUIRED] if triggers else ())
    _record(session, invoice, event, step, rules.version, triggers, open_codes)
    return event


def first_approval(session: Session, invoice_id: uuid.UUID) -> InvoiceApproval | None:
    """The approval an ``awaiting_approval`` invoice waits to have completed (the latest first step)."""
    return session.execute(select(InvoiceApproval).where(
        InvoiceApproval.invoice_id == invoice_id, InvoiceApproval.step == ApprovalStep.first)
        .order_by(InvoiceApproval.at.desc(), InvoiceApproval.id).limit(1)).scalars().first()


def approvals_of(session: Session, invoice_id: uuid.UUID) -> list[InvoiceApproval]:
    """Every approval action on the invoice, oldest first."""
    return list(session.execute(select(InvoiceApproval).where(InvoiceApproval.invoice_id == invoice_id)
                                .order_by(InvoiceApproval.at, InvoiceApproval.id)).scalars())


def _complete(session: Session, invoice: Invoice, *, approver: Approver, comment: str | None) -> AuditEvent:
    actor = approver.actor
    first = first_approval(session, invoice.id)
    if first is None:  # cannot happen through this module; refuse rather than approve alone
        raise SecondApproverRequired("the first approval of this invoice is missing; approve it again from review")
    if same_person(session, first.actor, actor):  # a person's own key and account are one person
        raise SecondApproverRequired(
            "you gave the first approval; a different person must give the second",
            first_approver=first.actor, rule_version=first.rule_version, triggers=list(first.triggers),
        )
    approver.require(Right.second_approval, "completing another person's approval")
    approval = {"step": ApprovalStep.second.value, "rule_version": first.rule_version,
                "triggers": list(first.triggers), "first_approver": first.actor}
    event = transition(session, invoice, InvoiceStatus.approved, actor=actor, comment=comment, approval=approval)
    _record(session, invoice, event, ApprovalStep.second, first.rule_version, list(first.triggers),
            list(first.overridden), first_approver=first.actor)
    return event


def _record(session: Session, invoice: Invoice, event: AuditEvent, step: ApprovalStep, rule_version: str,
            triggers: list[str], overridden: Sequence[str], first_approver: str | None = None) -> None:
    session.add(InvoiceApproval(
        invoice_id=invoice.id, audit_event_id=event.id, step=step, actor=event.actor, comment=event.comment,
        rule_version=rule_version, triggers=list(triggers),
        overridden=[c for c in overridden if c != SECOND_APPROVAL_REQUIRED],
        payable_amount=invoice.payable_amount, currency=invoice.currency, first_approver=first_approver,
        at=event.at,
    ))
    session.flush()
