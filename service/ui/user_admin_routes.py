"""Workspace: user administration for the admins of an organisation (service/ui/user_admin.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.db import SessionDep
from service.errors import InvalidInput, NotFound
from service.ui import user_admin
from service.ui.i18n import Translator
from service.ui.routes import FormDep, Staff, render
from service.ui.session import StaffSession, check_form

router = APIRouter(prefix="/ui/admin", include_in_schema=False)

MESSAGES = {"created": "msg_user_created", "saved": "msg_user_saved"}
ERRORS = {"username": "err_user_username", "password": "err_user_password", "email": "err_user_email",
          "approval_limit": "err_user_limit", "active": "err_user_self", "role": "err_user_role"}
CHANGE_KEYS = {"created": "sc_created", "updated": "sc_updated", "deactivated": "sc_deactivated",
               "reactivated": "sc_reactivated"}


def _admin(current: StaffSession) -> None:
    if current.user.role.value != "admin":  # not there for anyone else
        raise NotFound("no such page")


def _field(exc: InvalidInput) -> str:
    errors = exc.extensions.get("errors") or [{}]
    loc = errors[0].get("loc") or ["", ""]
    return str(loc[-1])


@router.get("/users")
def users_page(request: Request, session: SessionDep, current: Staff, msg: str = "", ref: str = "",
               error: str = "") -> Response:
    _admin(current)
    t = Translator(current.user.language.value)
    users = user_admin.staff_of(session, current.organisation_id)
    settings = request.app.state.settings
    return render(request, "users.html", t, users=users, rights=user_admin.RIGHTS,
                  sso_provider=settings.oidc_provider_name, sso_email_claim=settings.oidc_email_claim,
                  effective={u.id: user_admin.snapshot(u)["rights"] for u in users},
                  changes=user_admin.changes_of(session, current.organisation_id), change_keys=CHANGE_KEYS,
                  flash=t(MESSAGES[msg], ref=ref) if msg in MESSAGES else "",
                  error=t(ERRORS[error]) if error in ERRORS else "")


@router.post("/users")
def create_user(request: Request, session: SessionDep, current: Staff, form: FormDep) -> Response:
    _admin(current)
    check_form(request, current, form)
    try:
        user = user_admin.create(session, organisation_id=current.organisation_id, actor=current.actor,
                                 username=str(form.get("username", "")), display_name=str(form.get("display_name", "")),
                                 email=str(form.get("email", "")), role=str(form.get("role", "reviewer")),
                                 language=str(form.get("language", "nl")), password=str(form.get("password", "")))
    except InvalidInput as exc:
        session.rollback()
        return RedirectResponse(f"/ui/admin/users?{urlencode({'error': _field(exc)})}", status_code=303)
    return RedirectResponse(f"/ui/admin/users?{urlencode({'msg': 'created', 'ref': user.username})}", status_code=303)


@router.post("/users/{username}")
def update_user(request: Request, username: str, session: SessionDep, current: Staff, form: FormDep) -> Response:
    _admin(current)
    check_form(request, current, form)
    try:
        user = user_admin.update(session, organisation_id=current.organisation_id, actor=current.actor,
                                 username=username, role=str(form.get("role", "")),
                                 rights=[str(r) for r in form.getlist("rights")],
                                 approval_limit=str(form.get("approval_limit", "")), email=str(form.get("email", "")),
                                 active=form.get("active") == "yes")
    except InvalidInput as exc:
        session.rollback()
        return RedirectResponse(f"/ui/admin/users?{urlencode({'error': _field(exc)})}", status_code=303)
    return RedirectResponse(f"/ui/admin/users?{urlencode({'msg': 'saved', 'ref': user.username})}", status_code=303)
