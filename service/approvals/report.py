"""The auditor's report: every manual approval that released an invoice in a period.

One row per completed approval (``single``: one person sufficed; ``second``: the second person
completed a four-eyes approval), with who and when, the reasons the approval overrode, the first
approver of a four-eyes approval and the rule version that applied. Keyset-paged on (at, id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from service.models.approvals import ApprovalStep, InvoiceApproval
from service.models.invoices import Invoice


@dataclass(frozen=True)
class ReportRow:
    approval_id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_number: str | None
    supplier: str | None
    payable_amount: Decimal | None
    currency: str | None
    approved_by: str
    approved_at: datetime
    step: str
    first_approver: str | None
    first_approved_at: datetime | None
    overridden: list[str]
    rule_version: str
    triggers: list[str]
    comment: str | None


def manual_approvals(session: Session, *, start: datetime, end: datetime, after: tuple[datetime, uuid.UUID] | None,
                     limit: int, organisation_id: uuid.UUID | None = None) -> list[ReportRow]:
    """Completed manual approvals with ``start <= at < end``, oldest first, after the keyset position
    (of one organisation's invoices when ``organisation_id`` is given)."""
    a = InvoiceApproval
    stmt = (select(a, Invoice.invoice_number, Invoice.seller_name)
            .join(Invoice, Invoice.id == a.invoice_id)
            .where(a.step.in_([ApprovalStep.single, ApprovalStep.second]), a.at >= start, a.at < end))
    if organisation_id is not None:
        stmt = stmt.where(Invoice.organisation_id == organisation_id)
    if after is not None:
        stmt = stmt.where(or_(a.at > after[0], and_(a.at == after[0], a.id > after[1])))
    rows = session.execute(stmt.order_by(a.at, a.id).limit(limit)).all()
    firsts = _first_approvals(session, [r[0] for r in rows if r[0].step is ApprovalStep.second])
    return [ReportRow(
        approval_id=ap.id, invoice_id=ap.invoice_id, invoice_number=number, supplier=seller,
        payable_amount=ap.payable_amount, currency=ap.currency, approved_by=ap.actor, approved_at=ap.at,
        step=ap.step.value, first_approver=ap.first_approver, first_approved_at=firsts.get(ap.id),
        overridden=list(ap.overridden), rule_version=ap.rule_version, triggers=list(ap.triggers), comment=ap.comment,
    ) for ap, number, seller in rows]


def _first_approvals(session: Session, seconds: list[InvoiceApproval]) -> dict[uuid.UUID, datetime]:
    """For each second approval, when the first approval it completed was given (the latest before it)."""
    if not seconds:
        return {}
    firsts = session.execute(select(InvoiceApproval.invoice_id, InvoiceApproval.at).where(
        InvoiceApproval.invoice_id.in_({s.invoice_id for s in seconds}),
        InvoiceApproval.step == ApprovalStep.first)).all()
    out: dict[uuid.UUID, datetime] = {}
    for second in seconds:
        earlier = [at for invoice_id, at in firsts if invoice_id == second.invoice_id and at <= second.at]
        if earlier:
            out[second.id] = max(earlier)
    return out
