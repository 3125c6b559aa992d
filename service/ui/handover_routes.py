"""Workspace: hand over (assign, forward for a delivery confirmation), answer a confirmation request,
"my work" (assigned to me, waiting for others), notifications, and bulk actions from the queue.
The same service functions as the /v1 API (service/handovers, service/bulk)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service import bulk
from service.approvals.rights import approver
from service.db import SessionDep
from service.errors import InvalidInput, NotFound, ServiceError
from service.handovers import store
from service.models.handovers import Handover, HandoverKind
from service.models.invoices import Invoice
from service.notifications import inbox
from service.ui.handover_view import KIND_KEYS
from service.ui.i18n import Translator
from service.ui.routes import ERRORS, FormDep, Staff, _load, render
from service.ui.session import check_form

router = APIRouter(prefix="/ui", include_in_schema=False)

WHY = {"/problems/bulk-approval-refused": "why_bulk_approval_refused",
       "/problems/illegal-transition": "why_illegal_transition", "/problems/right-missing": "why_right_missing",
       "/problems/second-approver-required": "why_second_approver", "/problems/invoice-not-found": "why_not_found",
       "/problems/stale-invoice": "why_illegal_transition"}


def _back(inv: Invoice, **params: str) -> RedirectResponse:
    return RedirectResponse(f"/ui/invoices/{inv.id}?{urlencode(params)}#handover", status_code=303)


def _error_of(exc: ServiceError) -> str:
    if isinstance(exc, store.NoOpenHandover):
        return "no_request"
    if isinstance(exc, store.NotTheAssignee):
        return "not_assignee"
    if isinstance(exc, store.NotTheRequester):
        return "not_requester"
    if isinstance(exc, store.HandoverNotOpen):
        return "not_open"
    if isinstance(exc, InvalidInput):
        locs = {tuple(e.get("loc", ())) for e in exc.extensions.get("errors", [])}
        if ("body", "due_date") in locs:
            return "due_date"
        if ("body", "assignee") in locs:
            return "colleague"
        return "reason"
    return "illegal"


@router.post("/invoices/{invoice_id}/handover/{action}")
def hand_over(request: Request, invoice_id: str, action: str, session: SessionDep, current: Staff,
              form: FormDep) -> Response:
    if action not in ("assign", "forward", "withdraw"):
        raise NotFound("no such action")
    check_form(request, current, form, back=f"/ui/invoices/{invoice_id}")
    inv = _load(session, invoice_id, current)
    notifier = store.notifier_of(request.app.state)
    note = str(form.get("note", "") or "")
    try:
        if action == "withdraw":
            _withdraw(session, inv, str(form.get("handover", "") or ""), current, notifier)
            return _back(inv, msg="withdrawn", ref=inv.invoice_number or "")
        user = store.colleague(session, inv.organisation_id, str(form.get("assignee", "") or ""))
        if action == "assign":
            store.assign(session, inv, assignee=user, actor=current.actor, note=note, notifier=notifier)
        else:
            try:
                due = date.fromisoformat(str(form.get("due_date", "") or ""))
            except ValueError:
                raise InvalidInput("a due date is required", errors=[
                    {"loc": ["body", "due_date"], "msg": "a date", "type": "date"}]) from None
            store.forward(session, inv, assignee=user, due_date=due, actor=current.actor, note=note,
                          notifier=notifier)
    except ServiceError as exc:
        session.rollback()
        return _back(inv, error=_error_of(exc))
    return _back(inv, msg="assigned" if action == "assign" else "forwarded", ref=inv.invoice_number or "")


def _withdraw(session, inv: Invoice, raw_id: str, current, notifier: store.Notifier) -> None:
    try:
        handover = session.get(Handover, uuid.UUID(raw_id))
    except ValueError:
        handover = None
    if handover is None or handover.invoice_id != inv.id:
        raise store.HandoverNotOpen("no such hand-over of this invoice")
    store.withdraw(session, handover, actor=current.actor, admin=current.is_admin, notifier=notifier)


@router.get("/invoices/{invoice_id}/delivery/answer")
def delivery_page(request: Request, invoice_id: str, session: SessionDep, current: Staff, error: str = "") -> Response:
    """The budget holder's page: what the invoice charges for, confirm or decline."""
    t = Translator(current.user.language.value)
    inv = _load(session, invoice_id, current)
    request_ = store.open_request(session, inv.id)
    asker = store.person_name(session, request_.requested_by) if request_ else ""
    lines = (inv.data or {}).get("lines", []) if isinstance(inv.data, dict) else []
    return render(request, "delivery.html", t, inv=inv, req=request_, asker=asker, lines=lines,
                  mine=request_ is not None and request_.assignee_id == current.user.id,
                  error=t(ERRORS[error]) if error in ERRORS else "")


@router.post("/invoices/{invoice_id}/delivery/{action}")
def answer_delivery(request: Request, invoice_id: str, action: str, session: SessionDep, current: Staff,
                    form: FormDep) -> Response:
    if action not in ("confirm", "decline"):
        raise NotFound("no such action")
    check_form(request, current, form, back=f"/ui/invoices/{invoice_id}/delivery/answer")
    inv = _load(session, invoice_id, current)
    notifier = store.notifier_of(request.app.state)
    try:
        if action == "confirm":
            store.confirm(session, inv, actor=current.actor, user=current.user, note=str(form.get("note", "") or ""),
                          notifier=notifier)
            msg = "confirmed_approved" if inv.status.value == "approved" else "confirmed"
        else:
            store.decline(session, inv, actor=current.actor, user=current.user,
                          reason=str(form.get("reason", "") or ""), notifier=notifier)
            msg = "declined"
    except ServiceError as exc:
        session.rollback()
        code = _error_of(exc)
        return RedirectResponse(f"/ui/invoices/{inv.id}/delivery/answer?error={code}", status_code=303)
    return _back(inv, msg=msg, ref=inv.invoice_number or "")


@dataclass(frozen=True)
class WorkRow:
    """A line of "my work": the hand-over, its invoice, where the link goes, the other person's name."""

    handover: Handover
    invoice: Invoice
    href: str
    person: str


@router.get("/work")
def my_work(request: Request, session: SessionDep, current: Staff) -> Response:
    """Assigned to me, and waiting for others."""
    t = Translator(current.user.language.value)
    mine = [WorkRow(h, inv, f"/ui/invoices/{inv.id}/delivery/answer" if h.kind is HandoverKind.confirm
                    else f"/ui/invoices/{inv.id}", store.person_name(session, h.requested_by))
            for h, inv in store.assigned_to(session, current.user.id, current.organisation_id)]
    others = [WorkRow(h, inv, f"/ui/invoices/{inv.id}", person.display_name or person.username)
              for h, inv, person in store.waiting_for_others(session, current.actor, current.organisation_id)]
    return render(request, "my_work.html", t, mine=mine, others=others, kind_keys=KIND_KEYS)


@router.get("/notifications")
def notifications_page(request: Request, session: SessionDep, current: Staff) -> Response:
    t = Translator(current.user.language.value)
    notes = inbox.latest(session, current.user.id)
    return render(request, "notifications.html", t, notes=notes,
                  text=lambda n: inbox.text(n.kind, n.params or {}, t.lang))


@router.post("/notifications/read")
def mark_read(request: Request, session: SessionDep, current: Staff, form: FormDep) -> Response:
    check_form(request, current, form)
    raw = str(form.get("notification", "") or "")
    try:
        one = uuid.UUID(raw) if raw else None
    except ValueError:
        one = None
    inbox.mark_read(session, current.user.id, one)
    return RedirectResponse("/ui/notifications", status_code=303)


@router.post("/bulk")
def bulk_action(request: Request, session: SessionDep, current: Staff, form: FormDep) -> Response:
    """Hold, assign or approve the invoices selected in the queue, with one reason; a result per invoice."""
    check_form(request, current, form)
    t = Translator(current.user.language.value)
    ids = []
    for raw in form.getlist("invoice"):
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    try:
        action = bulk.BulkAction(str(form.get("action", "")))
    except ValueError:
        raise NotFound("no such action") from None
    user = current.user
    try:
        assign = None
        if action is bulk.BulkAction.assign:
            colleague = store.colleague(session, current.organisation_id, str(form.get("assignee", "") or ""))
            assign = bulk.colleague_assigner(session, colleague, actor=current.actor,
                                             notifier=store.notifier_of(request.app.state))
        results = bulk.run(session, ids, action, actor=current.actor, reason=str(form.get("reason", "") or ""),
                           approver=approver(current.actor, user.role.value, user.rights, user.approval_limit),
                           organisation_id=current.organisation_id, assign=assign)
    except InvalidInput as exc:
        session.rollback()
        key = {"invoice_ids": "bulk_none_selected", "assignee": "err_colleague"}.get(
            next((str(e["loc"][-1]) for e in exc.extensions.get("errors", []) if e.get("loc")), ""), "err_reason_required")
        return render(request, "bulk_result.html", t, status_code=422, results=[], error=t(key), why=WHY,
                      summary="")
    done = sum(r.outcome == "done" for r in results)
    return render(request, "bulk_result.html", t, results=results, why=WHY,
                  summary=t("bulk_summary", done=done, refused=len(results) - done))
