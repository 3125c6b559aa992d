"""Resolving one invoice line by hand (#17): pair it with an order line, or accept a variance.

Both are reviewer actions on an invoice under review, in the caller's unit of work (they only
flush). Each stores a ``LineResolution`` (who, when, what, why), adds a line to the invoice's trail
and matches the invoice again with the resolutions as input (``inputs.resolved_by_hand``): a
decision with trigger ``line paired`` / ``variance accepted`` and the person as its actor, so it
shows in ``/decision`` and its history.

- A pairing is honoured by matching on this and every later re-match; the system approves the
  invoice when everything passes then, as any re-match.
- An accepted variance stays a failed check, marked as accepted: the machine never approves it.
  When every failed check is accepted, the accepting person's approval follows at once, through
  the four-eyes rules (service/approvals): ``approved``, or ``awaiting_approval`` when a rule
  covers the invoice or the amount is above the person's approval limit.
"""

from __future__ import annotations

from sqlmodel import Session

from service.approvals import four_eyes
from service.approvals.rights import Approver, Right
from service.decisions.inputs import PAIRING, VARIANCE, invoice_facts
from service.decisions.record import load_decision
from service.decisions.rematch import _lock_orders, _rematch
from service.errors import IllegalTransition, InvalidInput
from service.masterdata import queries as masterdata
from service.matching import ACCEPTABLE_VARIANCES
from service.models.invoices import DocumentType, Invoice, InvoiceStatus
from service.models.workspace import InvoiceComment, LineResolution

PAIRED = "line paired"
ACCEPTED = "variance accepted"
MAX_REASON = 4000


def order_line_choices(session: Session, invoice: Invoice) -> list[tuple[str, str]]:
    """(line id, item name) of the order the invoice is matched with: what a line may be paired with."""
    if not invoice.purchase_order:
        return []
    order = masterdata.get_order(session, invoice.purchase_order)
    if order is None or order.organisation_id != invoice.organisation_id:
        return []
    return [(ol.line_id, ol.item_name or "") for ol in order.lines]


def _under_review(session: Session, invoice: Invoice, what: str) -> None:
    _lock_orders(session, {invoice.purchase_order})
    session.refresh(invoice)  # read again under the lock
    if invoice.status is not InvoiceStatus.needs_review or invoice.document_type is DocumentType.credit_note:
        raise IllegalTransition(f"only an invoice under review can have {what} (it is {invoice.status.value})",
                                current_status=invoice.status.value)


def _line(invoice: Invoice, line_id: str) -> str:
    line_id = line_id.strip()
    if line_id not in {ln.line_id for ln in invoice_facts(invoice).lines}:
        raise InvalidInput(f"the invoice has no line {line_id!r}",
                           errors=[{"loc": ["path", "line_id"], "msg": "unknown invoice line", "type": "value_error"}])
    return line_id


def pair_line(session: Session, invoice: Invoice, line_id: str, order_line_id: str, *, actor: str) -> bool:
    """Pair invoice line ``line_id`` with ``order_line_id`` of the invoice's order; True when the
    invoice passes (and is approved by the system) now."""
    _under_review(session, invoice, "a line paired")
    line_id = _line(invoice, line_id)
    order_line_id = order_line_id.strip()
    if order_line_id not in {ol for ol, _ in order_line_choices(session, invoice)}:
        raise InvalidInput(f"order {invoice.purchase_order or '-'} has no line {order_line_id!r}",
                           errors=[{"loc": ["body", "order_line_id"], "msg": "not a line of the invoice's order",
                                    "type": "value_error"}])
    session.add(LineResolution(invoice_id=invoice.id, kind=PAIRING, line_id=line_id, order_line_id=order_line_id,
                               actor=actor))
    session.add(InvoiceComment(invoice_id=invoice.id, actor=actor,
                               text=f"regel {line_id} → orderregel {order_line_id} / "
                                    f"line {line_id} → order line {order_line_id}"))
    session.flush()
    return _rematch(session, invoice, trigger=PAIRED, actor=actor, force=True)


def accept_variance(session: Session, invoice: Invoice, line_id: str, code: str, reason: str, *,
                    approver: Approver) -> InvoiceStatus:
    """Accept the variance ``code`` on invoice line ``line_id`` with a reason; returns the status after
    (``approved`` / ``awaiting_approval`` when nothing else is open, else ``needs_review``)."""
    approver.require(Right.review, "accepting a variance")  # it leads to the person's approval
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("a reason is required (at most 4000 characters)",
                           errors=[{"loc": ["body", "reason"], "msg": "required", "type": "missing"}])
    if code not in ACCEPTABLE_VARIANCES:
        raise InvalidInput(f"only {', '.join(ACCEPTABLE_VARIANCES)} can be accepted",
                           errors=[{"loc": ["body", "code"], "msg": "not an acceptable variance", "type": "enum"}])
    _under_review(session, invoice, "a variance accepted")
    line_id = _line(invoice, line_id)
    open_here = [r for r in invoice.reasons if r.code == code
                 and line_id in {p.strip() for p in str(r.get("line_id") or "").split(",")}]
    if not open_here:
        raise InvalidInput(f"line {line_id} has no open {code}",
                           errors=[{"loc": ["body", "code"], "msg": "no such open variance on this line",
                                    "type": "value_error"}])
    actor = approver.actor
    session.add(LineResolution(invoice_id=invoice.id, kind=VARIANCE, line_id=line_id, code=code, reason=reason,
                               actor=actor))
    session.add(InvoiceComment(invoice_id=invoice.id, actor=actor,
                               text=f"{code} regel/line {line_id} geaccepteerd/accepted: {reason}"))
    session.flush()
    if _rematch(session, invoice, trigger=ACCEPTED, actor=actor, force=True):
        return invoice.status
    decision = load_decision(session, invoice.id)
    if decision is not None and decision.all_accepted():
        four_eyes.approve(session, invoice, approver=approver, comment=reason,
                          open_codes=list(decision.reason_codes), organisation_id=invoice.organisation_id)
    return invoice.status
