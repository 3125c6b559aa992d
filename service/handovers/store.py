"""Assign, forward, confirm, decline; the views "assigned to me" and "waiting for others".

- ``assign``: a colleague (an active staff user of the invoice's organisation) works the invoice from
  now on; an earlier open assignment of the invoice is ``replaced``.
- ``forward``: a budget holder is asked to confirm, by a due date, that what the invoice charges for
  was delivered (a prestatieverklaring).
- ``confirm``: the confirmation counts like a goods receipt for 3-way matching. For each order line
  whose received quantity falls short of what has been invoiced on it (this invoice included), a
  receipt line of the shortfall is recorded, as goods receipt ``PV-<invoice number>-<id>`` with source
  ``prestatieverklaring``, created by the confirming person; then the invoice is matched again (a
  decision with trigger ``prestatieverklaring`` and that person as actor, in ``/decision``), and the
  system approves it when it passes now (an audit event and a change-feed entry, as any re-match).
- ``decline``: the budget holder does not confirm, with a reason; the invoice stays under review.
- ``withdraw``: who handed the invoice over (or an admin) takes an open hand-over back.

Every step is kept in its ``handovers`` row (who asked, when, who answered, when, how) and notifies
the person it concerns; the invoice page draws its trail entries from those rows in the reader's
language (a sentence stored in one language would reach the other's readers as it is). The
functions only flush: the caller's unit of work commits (mails go out after the commit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, update
from sqlmodel import Session, select

from service.decisions.inputs import gather_inputs, invoice_facts
from service.decisions.rematch import rematch_after_confirmation
from service.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from service.keys import person_of
from service.masterdata.queries import get_order
from service.masterdata.receipts import check_receipt, received_by_line, record_receipt
from service.matching import match
from service.models.base import utcnow
from service.models.handovers import Handover, HandoverKind, HandoverStatus
from service.models.invoices import Invoice, InvoiceStatus
from service.models.masterdata import DocumentSource
from service.models.organisations import StaffMembership
from service.models.workspace import StaffUser
from service.notifications.inbox import notify
from service.notifications.mail import Mailer

S = InvoiceStatus
UNDER_REVIEW = (S.needs_review, S.on_hold, S.awaiting_approval)
MAX_TEXT = 4000
SHORT_CODES = ("NOT_RECEIVED", "QUANTITY_EXCEEDS_RECEIVED")


class NoOpenHandover(Conflict):
    slug, title = "no-open-handover", "The invoice has no open request of this kind"


class NotTheAssignee(Forbidden):
    slug, title = "not-the-assignee", "Only the person the invoice was handed to may answer"


class HandoverNotFound(NotFound):
    slug, title = "handover-not-found", "Hand-over not found"


class HandoverNotOpen(Conflict):
    slug, title = "handover-not-open", "The hand-over was answered, replaced or withdrawn already"


class NotTheRequester(Forbidden):
    slug, title = "not-the-requester", "Only who handed the invoice over, or an admin, may withdraw it"


@dataclass(frozen=True)
class Notifier:
    """Where notifications go besides the in-app list: the mailer and the workspace's address."""

    mailer: Mailer | None = None
    base_url: str = ""


def colleagues(session: Session, organisation_id: uuid.UUID | None) -> list[StaffUser]:
    """The active staff users of the organisation, by name."""
    return list(session.exec(
        select(StaffUser).join(StaffMembership, StaffMembership.user_id == StaffUser.id)
        .where(StaffMembership.organisation_id == organisation_id, StaffUser.active.is_(True))
        .order_by(StaffUser.display_name, StaffUser.username)))


def colleague(session: Session, organisation_id: uuid.UUID | None, username: str, field: str = "assignee") -> StaffUser:
    """The active staff user ``username`` of the organisation, or 422 naming the field."""
    name = (username or "").strip().lower()
    user = session.exec(
        select(StaffUser).join(StaffMembership, StaffMembership.user_id == StaffUser.id)
        .where(StaffUser.username == name, StaffMembership.organisation_id == organisation_id)).first()
    if user is None or not user.active:
        raise InvalidInput(f"no active colleague {name!r} in the invoice's organisation", errors=[
            {"loc": ["body", field], "msg": "not an active staff user of this organisation", "type": "unknown_user"}])
    return user


def _text(value: str | None, field: str, *, required: bool = False) -> str | None:
    body = (value or "").strip()
    if required and not body:
        raise InvalidInput(f"{field} is required", errors=[{"loc": ["body", field], "msg": "required", "type": "missing"}])
    if len(body) > MAX_TEXT:
        raise InvalidInput(f"{field} is too long", errors=[
            {"loc": ["body", field], "msg": f"at most {MAX_TEXT} characters", "type": "string_too_long"}])
    return body or None


def person_name(session: Session, actor: str) -> str:
    """A person's name for messages ("Anna de Vries"; a person's own key is that person), else the
    actor as recorded."""
    actor = person_of(session, actor)
    if actor.startswith("user:"):
        user = session.exec(select(StaffUser).where(StaffUser.username == actor[5:])).first()
        if user is not None:
            return user.display_name or user.username
    return actor


def _params(session: Session, invoice: Invoice, actor: str, **extra: object) -> dict[str, object]:
    return {"by": person_name(session, actor), "number": invoice.invoice_number or "", "supplier": invoice.seller_name or "",
            **{k: v for k, v in extra.items() if v is not None}}


def _requester(session: Session, handover: Handover) -> StaffUser | None:
    """The person who asked (also through their own key); None for a key of nobody's."""
    requester = person_of(session, handover.requested_by)
    if requester.startswith("user:"):
        return session.exec(select(StaffUser).where(StaffUser.username == requester[5:])).first()
    return None


def _close_open(session: Session, invoice_id: uuid.UUID, kind: HandoverKind, actor: str) -> None:
    table = Handover.__table__
    session.execute(update(table).where(table.c.invoice_id == invoice_id, table.c.kind == kind,
                                        table.c.status == HandoverStatus.open)
                    .values(status=HandoverStatus.replaced, resolved_by=actor, resolved_at=utcnow()))


def _under_review(invoice: Invoice, doing: str, allowed: tuple[InvoiceStatus, ...] = UNDER_REVIEW) -> None:
    if invoice.status not in allowed:
        raise IllegalTransition(f"only an invoice under review can be {doing} (it is {invoice.status.value})",
                                current_status=invoice.status.value)


def assign(session: Session, invoice: Invoice, *, assignee: StaffUser, actor: str, note: str | None = None,
           notifier: Notifier = Notifier()) -> Handover:
    """``assignee`` works the invoice from now on (an earlier open assignment is replaced)."""
    _under_review(invoice, "assigned")
    text = _text(note, "note")
    _close_open(session, invoice.id, HandoverKind.assign, actor)
    handover = Handover(invoice_id=invoice.id, organisation_id=invoice.organisation_id, kind=HandoverKind.assign,
                        assignee_id=assignee.id, requested_by=actor, note=text)
    session.add(handover)
    session.flush()
    if f"user:{assignee.username}" != actor:
        notify(session, assignee, "assigned", params=_params(session, invoice, actor), invoice_id=invoice.id,
               handover_id=handover.id, mailer=notifier.mailer, base_url=notifier.base_url)
    session.flush()
    return handover


def forward(session: Session, invoice: Invoice, *, assignee: StaffUser, due_date: date, actor: str,
            note: str | None = None, notifier: Notifier = Notifier()) -> Handover:
    """Ask ``assignee`` (a budget holder) to confirm the delivery by ``due_date``."""
    _under_review(invoice, "forwarded", (S.needs_review, S.on_hold))
    text = _text(note, "note")
    if due_date < utcnow().date():
        raise InvalidInput("the due date lies in the past", errors=[
            {"loc": ["body", "due_date"], "msg": "today or later", "type": "date_past"}])
    _close_open(session, invoice.id, HandoverKind.confirm, actor)
    handover = Handover(invoice_id=invoice.id, organisation_id=invoice.organisation_id, kind=HandoverKind.confirm,
                        assignee_id=assignee.id, requested_by=actor, note=text, due_date=due_date)
    session.add(handover)
    session.flush()
    notify(session, assignee, "confirm_requested", params=_params(session, invoice, actor, due=due_date.isoformat()),
           invoice_id=invoice.id, handover_id=handover.id, mailer=notifier.mailer, base_url=notifier.base_url)
    session.flush()
    return handover


def open_request(session: Session, invoice_id: uuid.UUID, kind: HandoverKind = HandoverKind.confirm) -> Handover | None:
    return session.exec(select(Handover).where(Handover.invoice_id == invoice_id, Handover.kind == kind,
                                               Handover.status == HandoverStatus.open)).first()


def _answerable(session: Session, invoice: Invoice, *, actor: str, user: StaffUser | None) -> Handover:
    handover = open_request(session, invoice.id)
    if handover is None:
        raise NoOpenHandover("nobody was asked to confirm the delivery of this invoice (or it was answered)")
    if user is not None and user.id != handover.assignee_id:
        raise NotTheAssignee("only the person asked may confirm or decline the delivery")
    return handover


def confirm(session: Session, invoice: Invoice, *, actor: str, user: StaffUser | None = None,
            note: str | None = None, notifier: Notifier = Notifier()) -> Handover:
    """The delivery is confirmed: a receipt of what was short, then the invoice is matched again.

    ``user``: the person confirming in the workspace (must be the one asked); None for an API key."""
    handover = _answerable(session, invoice, actor=actor, user=user)
    text = _text(note, "note")
    handover.receipt_id = _record_delivery(session, invoice, handover, actor)
    handover.status, handover.resolution = HandoverStatus.confirmed, text
    handover.resolved_by, handover.resolved_at = actor, utcnow()
    session.add(handover)
    session.flush()
    rematch_after_confirmation(session, invoice, actor=actor)
    requester = _requester(session, handover)
    if requester is not None:
        notify(session, requester, "confirmed", params=_params(session, invoice, actor), invoice_id=invoice.id,
               handover_id=handover.id, mailer=notifier.mailer, base_url=notifier.base_url)
    session.flush()
    return handover


def decline(session: Session, invoice: Invoice, *, actor: str, reason: str, user: StaffUser | None = None,
            notifier: Notifier = Notifier()) -> Handover:
    """The delivery is not confirmed (reason required); the invoice stays as it is."""
    text = _text(reason, "reason", required=True)
    handover = _answerable(session, invoice, actor=actor, user=user)
    handover.status, handover.resolution = HandoverStatus.declined, text
    handover.resolved_by, handover.resolved_at = actor, utcnow()
    session.add(handover)
    session.flush()
    requester = _requester(session, handover)
    if requester is not None:
        notify(session, requester, "declined", params=_params(session, invoice, actor, reason=text),
               invoice_id=invoice.id, handover_id=handover.id, mailer=notifier.mailer, base_url=notifier.base_url)
    session.flush()
    return handover


def withdraw(session: Session, handover: Handover, *, actor: str, admin: bool = False, note: str | None = None,
             notifier: Notifier = Notifier()) -> Handover:
    """Take an open hand-over back: by who made it (the same person: their account or one of their
    own keys) or an ``admin``. Kept in its row (who, when, why), drawn in the invoice's trail; the
    person it was handed to is told."""
    if not admin and handover.requested_by != actor \
            and person_of(session, handover.requested_by) != person_of(session, actor):
        raise NotTheRequester("only who handed the invoice over, or an admin, may withdraw it")
    text = _text(note, "note")
    table = Handover.__table__
    # the row changes only while it is still open: an answer given meanwhile wins
    done = session.execute(update(table).where(table.c.id == handover.id, table.c.status == HandoverStatus.open)
                           .values(status=HandoverStatus.withdrawn, resolution=text, resolved_by=actor,
                                   resolved_at=utcnow())).rowcount
    if done != 1:
        raise HandoverNotOpen(f"the hand-over is {handover.status.value}, not open")
    session.refresh(handover)
    invoice = session.get(Invoice, handover.invoice_id)
    assignee = session.get(StaffUser, handover.assignee_id)
    if invoice is not None and assignee is not None and f"user:{assignee.username}" != actor:
        notify(session, assignee, "withdrawn", params=_params(session, invoice, actor, reason=text),
               invoice_id=invoice.id, handover_id=handover.id, mailer=notifier.mailer, base_url=notifier.base_url)
    session.flush()
    return handover


def _record_delivery(session: Session, invoice: Invoice, handover: Handover, actor: str) -> str | None:
    """Record the receipt the confirmation amounts to; its id, or None when nothing was short."""
    po = invoice.purchase_order
    if not po or get_order(session, po) is None:
        return None
    inputs, _ = gather_inputs(session, invoice, invoice_facts(invoice), lock=False, rematch=True)
    decision = match(inputs)
    delta = {d.order_line_id: d.quantity for d in decision.ledger_delta}
    short = {c.order_line_id for c in decision.failed() if c.code in SHORT_CODES and c.order_line_id}
    received = received_by_line(session, po).quantities
    lines = []
    for line_id in sorted(short):
        needed = inputs.ledger.invoiced.get(line_id, Decimal(0)) + delta.get(line_id, Decimal(0)) \
            - received.get(line_id, Decimal(0))
        if needed > 0:
            lines.append({"po_line_id": line_id, "quantity": str(needed)})
    if not lines:
        return None
    receipt_id = f"PV-{(invoice.invoice_number or '')[:100]}-{handover.id.hex[:8]}"
    data, order = check_receipt(session, {"receipt_id": receipt_id, "po_number": po,
                                          "date": utcnow().date().isoformat(), "lines": lines}, None,
                                organisation_id=invoice.organisation_id)
    receipt, _ = record_receipt(session, data, order, actor=actor, source=DocumentSource.prestatieverklaring)
    return receipt.receipt_id


def handovers_of(session: Session, invoice_id: uuid.UUID) -> list[Handover]:
    """Every hand-over of the invoice, oldest first."""
    return list(session.exec(select(Handover).where(Handover.invoice_id == invoice_id)
                             .order_by(Handover.created_at, Handover.id)))


def assigned_to(session: Session, user_id: uuid.UUID, organisation_id: uuid.UUID | None,
                limit: int = 200) -> list[tuple[Handover, Invoice]]:
    """Open hand-overs to the person (assignments and confirmation requests), oldest due first."""
    rows = session.exec(
        select(Handover, Invoice).join(Invoice, Invoice.id == Handover.invoice_id)
        .where(Handover.assignee_id == user_id, Handover.status == HandoverStatus.open,
               Handover.organisation_id == organisation_id,
               Invoice.status.in_(UNDER_REVIEW))
        .order_by(Handover.due_date.is_(None), Handover.due_date, Handover.created_at).limit(limit)).all()
    return [(h, i) for h, i in rows]


def waiting_for_others(session: Session, actor: str, organisation_id: uuid.UUID | None,
                       limit: int = 200) -> list[tuple[Handover, Invoice, StaffUser]]:
    """Open hand-overs the person made to someone else, oldest due first."""
    rows = session.exec(
        select(Handover, Invoice, StaffUser).join(Invoice, Invoice.id == Handover.invoice_id)
        .join(StaffUser, StaffUser.id == Handover.assignee_id)
        .where(Handover.requested_by == actor, Handover.status == HandoverStatus.open,
               Handover.organisation_id == organisation_id, StaffUser.username != actor.removeprefix("user:"),
               Invoice.status.in_(UNDER_REVIEW))
        .order_by(Handover.due_date.is_(None), Handover.due_date, Handover.created_at).limit(limit)).all()
    return [(h, i, u) for h, i, u in rows]


def send_reminders(session: Session, *, today: date, notifier: Notifier = Notifier()) -> int:
    """Remind the budget holders of open confirmation requests past their due date: one reminder per
    request per day, however often this runs (and from however many processes). Returns how many."""
    table = Handover.__table__
    overdue = session.exec(
        select(Handover).join(Invoice, Invoice.id == Handover.invoice_id)
        .where(Handover.kind == HandoverKind.confirm, Handover.status == HandoverStatus.open,
               Handover.due_date < today,
               or_(Handover.reminded_on.is_(None), Handover.reminded_on < today),
               Invoice.status.in_(UNDER_REVIEW))
        .order_by(Handover.due_date, Handover.id)).all()
    sent = 0
    for handover in overdue:
        # claim today's reminder in the row itself: a second run (or process) finds it taken
        claimed = session.execute(update(table).where(
            table.c.id == handover.id, or_(table.c.reminded_on.is_(None), table.c.reminded_on < today))
            .values(reminded_on=today)).rowcount
        if claimed != 1:
            continue
        invoice = session.get(Invoice, handover.invoice_id)
        assignee = session.get(StaffUser, handover.assignee_id)
        if invoice is None or assignee is None or not assignee.active:
            continue
        assert handover.due_date is not None
        notify(session, assignee, "reminder", params=_params(session, invoice, handover.requested_by,
                                                             due=handover.due_date.isoformat()),
               invoice_id=invoice.id, handover_id=handover.id, mailer=notifier.mailer, base_url=notifier.base_url)
        sent += 1
    session.flush()
    return sent


def notifier_of(state: object) -> Notifier:
    """The app's notifier (``app.state``: its settings), made once."""
    found = getattr(state, "notifier", None)
    if found is None:
        settings = state.settings
        found = Notifier(Mailer(settings), str(settings.public_base_url))
        state.notifier = found
    return found
