"""Workspace: resolve an invoice line by hand (pair it with an order line, accept a variance with a
reason); the same functions as the /v1 API (service/decisions/resolve.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.approvals.rights import approver
from service.db import SessionDep
from service.decisions.resolve import accept_variance, pair_line
from service.errors import InvalidInput, NotFound, ServiceError
from service.ui import queue
from service.ui.routes import FormDep, Staff, _error_code, _error_redirect, _load
from service.ui.session import check_form

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.post("/invoices/{invoice_id}/lines/{line_id}/{action}")
def resolve_line(request: Request, invoice_id: str, line_id: str, action: str, session: SessionDep,
                 current: Staff, form: FormDep) -> Response:
    if action not in ("pair", "accept"):
        raise NotFound("no such action")
    check_form(request, current, form, back=f"/ui/invoices/{invoice_id}")
    inv = _load(session, invoice_id, current)
    flt = queue.QueueFilter.from_params(form, actor=current.actor)
    flt.organisation_id = current.organisation_id
    try:
        if action == "pair":
            passed = pair_line(session, inv, line_id, str(form.get("order_line_id", "") or ""), actor=current.actor)
            msg = "line_paired_approved" if passed else "line_paired"
        else:
            user = current.user
            status = accept_variance(session, inv, line_id, str(form.get("code", "") or ""),
                                     str(form.get("accept_reason", "") or ""),
                                     approver=approver(current.actor, user.role.value, user.rights,
                                                       user.approval_limit))
            msg = "variance_accepted" if status.value == "needs_review" else f"variance_accepted_{status.value}"
    except InvalidInput:
        return _error_redirect(session, inv.id, flt, "resolve")
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        return _error_redirect(session, inv.id, flt, _error_code(exc))
    params = {**flt.query_params(), "msg": msg, "ref": inv.invoice_number or ""}
    return RedirectResponse(f"/ui/invoices/{inv.id}?{urlencode(params)}#h-lines", status_code=303)
