"""Bulk actions on several invoices at once (issue #17): hold, assign or approve, with one reason.

Each invoice is acted on in a savepoint of its own, so one refusal leaves the others done, and each
gets its own result: ``done`` with the status it has now, or ``refused`` with the problem (its type,
as the single-invoice endpoints answer it, and a sentence). Approval in bulk goes only where no
control forbids it: it is refused where a four-eyes rule covers the invoice as a first approval
(that needs a person's deliberate approval of this invoice), where it has a risky open reason
(unknown bank account or supplier, other currency), where the person lacks the right, and where
they gave the first of two approvals themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from service import review
from service.approvals.rights import Approver, Right
from service.approvals.rule_versions import rules_in_force
from service.approvals.rules import DEFAULT_REASON_CODES, second_person_needed
from service.errors import Conflict, InvalidInput, InvoiceNotFound, ServiceError
from service.models.invoices import Invoice, InvoiceStatus
from service.models.workspace import StaffUser

MAX_INVOICES = 200
RISKY_CODES = frozenset(DEFAULT_REASON_CODES)


class BulkAction(StrEnum):
    hold = "hold"
    assign = "assign"
    approve = "approve"


class RiskyReasons(Conflict):
    slug, title = "bulk-approval-refused", "This invoice needs a person's own approval, not one in bulk"


@dataclass(frozen=True)
class BulkResult:
    invoice_id: uuid.UUID
    invoice_number: str | None
    outcome: str  # done | refused
    status: str | None  # the invoice's status now (None: not found)
    problem_type: str | None = None
    detail: str | None = None


def run(session: Session, invoice_ids: Sequence[uuid.UUID], action: BulkAction, *, actor: str, reason: str,
        approver: Approver, organisation_id: uuid.UUID | None,
        assign: Callable[[Invoice, str], object] | None = None) -> list[BulkResult]:
    """Act on each invoice (of ``organisation_id``; None: any) and say what happened to it.

    ``assign(invoice, note)`` hands one invoice over (the caller resolved the colleague)."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("a reason is required", errors=[{"loc": ["body", "reason"], "msg": "required",
                                                           "type": "missing"}])
    if len(text) > review.MAX_TEXT:
        raise InvalidInput("the reason is too long", errors=[
            {"loc": ["body", "reason"], "msg": f"at most {review.MAX_TEXT} characters", "type": "string_too_long"}])
    ids = list(dict.fromkeys(invoice_ids))
    if not ids or len(ids) > MAX_INVOICES:
        raise InvalidInput(f"choose 1 to {MAX_INVOICES} invoices", errors=[
            {"loc": ["body", "invoice_ids"], "msg": f"1 to {MAX_INVOICES} invoices", "type": "too_long"}])
    if action is BulkAction.assign and assign is None:
        raise InvalidInput("assigning needs a colleague", errors=[
            {"loc": ["body", "assignee"], "msg": "required for assign", "type": "missing"}])
    results = []
    for invoice_id in ids:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None or (organisation_id is not None and invoice.organisation_id != organisation_id):
            results.append(BulkResult(invoice_id, None, "refused", None, InvoiceNotFound.type_uri(),
                                      f"no invoice {invoice_id}"))
            continue
        savepoint = session.begin_nested()
        try:
            _act(session, invoice, action, actor=actor, text=text, approver=approver, assign=assign)
            savepoint.commit()
        except ServiceError as exc:
            savepoint.rollback()
            session.refresh(invoice)
            results.append(BulkResult(invoice.id, invoice.invoice_number, "refused", invoice.status.value,
                                      exc.type_uri(), exc.detail or exc.title))
            continue
        results.append(BulkResult(invoice.id, invoice.invoice_number, "done", invoice.status.value))
    return results


def _act(session: Session, invoice: Invoice, action: BulkAction, *, actor: str, text: str, approver: Approver,
         assign: Callable[[Invoice, str], object] | None) -> None:
    if action is BulkAction.hold:
        review.hold(session, invoice.id, actor=actor, comment=text)
    elif action is BulkAction.assign:
        assert assign is not None
        assign(invoice, text)
    else:
        _approvable(session, invoice, approver)
        review.approve(session, invoice.id, actor=actor, comment=text, approver=approver)


def _approvable(session: Session, invoice: Invoice, approver: Approver) -> None:
    """Refuse what a person must approve on the invoice itself (see the module's docstring)."""
    codes = review.current_codes(invoice)
    risky = sorted(RISKY_CODES.intersection(codes))
    if risky:
        raise RiskyReasons("open risky reasons (" + ", ".join(risky) + "): approve it on its own page",
                           reason_codes=risky)
    if invoice.status is InvoiceStatus.awaiting_approval:
        return  # completing another person's approval: four_eyes checks who and the right
    approver.require(Right.review, "approving an invoice")
    triggers = second_person_needed(rules_in_force(session, invoice.organisation_id), reason_codes=codes,
                                    payable_amount=invoice.payable_amount, currency=invoice.currency,
                                    approver_limit=approver.approval_limit)
    if triggers:
        raise RiskyReasons("a four-eyes rule covers this invoice (" + ", ".join(triggers)
                           + "): approve it on its own page", triggers=list(triggers))


def colleague_assigner(session: Session, staff: StaffUser, *, actor: str,
                       notifier: object) -> Callable[[Invoice, str], object]:
    """``assign`` for ``run``: hands each invoice to ``staff`` (notifying them)."""
    from service.handovers import store

    assert isinstance(notifier, store.Notifier)

    def assign(invoice: Invoice, note: str) -> object:
        return store.assign(session, invoice, assignee=staff, actor=actor, note=note, notifier=notifier)

    return assign
