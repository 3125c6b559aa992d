"""What the invoice page shows about hand-overs: the colleagues to hand to, what is open, the history."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from service.handovers import store
from service.keys import person_of
from service.models.handovers import Handover, HandoverKind, HandoverStatus
from service.models.invoices import Invoice
from service.models.workspace import StaffUser
from service.ui.session import StaffSession

STATUS_KEYS = {s.value: f"hs_{s.value}" for s in HandoverStatus}
KIND_KEYS = {k.value: f"kind_{k.value}" for k in HandoverKind}


@dataclass
class HandoverRow:
    handover: Handover
    assignee: str  # display name
    status_key: str
    kind_key: str


@dataclass
class HandoverPanel:
    colleagues: list[tuple[str, str]] = field(default_factory=list)  # (username, display name)
    open_assign: HandoverRow | None = None
    open_confirm: HandoverRow | None = None
    history: list[HandoverRow] = field(default_factory=list)
    can_hand_over: bool = False
    can_forward: bool = False
    may_answer: bool = False  # the current user was asked to confirm the delivery
    may_withdraw_assign: bool = False  # the current user made the open assignment, or is an admin
    may_withdraw_confirm: bool = False


def _row(handover: Handover, names: dict) -> HandoverRow:
    return HandoverRow(handover, names.get(handover.assignee_id, "?"), STATUS_KEYS[handover.status.value],
                       KIND_KEYS[handover.kind.value])


def handover_panel(session: Session, invoice: Invoice, current: StaffSession) -> HandoverPanel:
    people = store.colleagues(session, invoice.organisation_id)
    names = {u.id: u.display_name or u.username for u in people}
    rows = store.handovers_of(session, invoice.id)
    for h in rows:  # someone who left the organisation since: still named in the history
        if h.assignee_id not in names and (gone := session.get(StaffUser, h.assignee_id)) is not None:
            names[gone.id] = gone.display_name or gone.username
    panel = HandoverPanel(colleagues=[(u.username, u.display_name or u.username) for u in people])
    for h in rows:
        if h.status is HandoverStatus.open and h.kind is HandoverKind.assign:
            panel.open_assign = _row(h, names)
        elif h.status is HandoverStatus.open and h.kind is HandoverKind.confirm:
            panel.open_confirm = _row(h, names)
        else:
            panel.history.append(_row(h, names))
    status = invoice.status.value
    panel.can_hand_over = status in ("needs_review", "on_hold", "awaiting_approval")
    panel.can_forward = status in ("needs_review", "on_hold")
    panel.may_answer = panel.open_confirm is not None and panel.open_confirm.handover.assignee_id == current.user.id
    for row, flag in ((panel.open_assign, "may_withdraw_assign"), (panel.open_confirm, "may_withdraw_confirm")):
        # who made it (also through one of their own keys) or an admin
        setattr(panel, flag, row is not None and (
            current.is_admin or person_of(session, row.handover.requested_by) == current.actor))
    return panel
