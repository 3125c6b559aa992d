"""User administration by an organisation's admins in the workspace: list, create, change role,
rights, approval limit and e-mail, deactivate. Every change is a ``StaffChange`` (who, whom, when,
before and after); rights and limits go through ``service.approvals.grants`` as on the command line."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, select

from service.approvals.grants import grant_user
from service.approvals.rights import Right, effective_rights
from service.config import valid_mail_address
from service.errors import InvalidInput, NotFound
from service.models.handovers import StaffChange
from service.models.organisations import StaffMembership
from service.models.workspace import Language, StaffRole, StaffUser
from service.organisations.staff import join_organisations
from service.ui.accounts import AccountError, create_user

RIGHTS = tuple(r.value for r in Right)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"loc": ["body", field], "msg": message, "type": "value_error"}])


def snapshot(user: StaffUser) -> dict[str, Any]:
    return {"display_name": user.display_name, "email": user.email, "role": user.role.value,
            "rights": sorted(r.value for r in effective_rights(user.role.value, user.rights)),
            "approval_limit": str(user.approval_limit) if user.approval_limit is not None else None,
            "active": user.active}


def staff_of(session: Session, organisation_id: uuid.UUID | None) -> list[StaffUser]:
    """Every staff user of the organisation, active or not, by username."""
    return list(session.exec(select(StaffUser).join(StaffMembership, StaffMembership.user_id == StaffUser.id)
                             .where(StaffMembership.organisation_id == organisation_id).order_by(StaffUser.username)))


def _member(session: Session, organisation_id: uuid.UUID | None, username: str) -> StaffUser:
    user = next((u for u in staff_of(session, organisation_id) if u.username == username.strip().lower()), None)
    if user is None:
        raise NotFound(f"no staff user {username} in this organisation")
    return user


def _limit(text: str) -> Decimal | None:
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text.replace(",", ""))
    except InvalidOperation:
        raise _invalid("approval_limit", "an amount such as 25000 or 25000,00") from None
    if value < 0 or not value.is_finite():
        raise _invalid("approval_limit", "an amount of 0 or more")
    return value


def _email(text: str) -> str | None:
    text = (text or "").strip()
    if text and not valid_mail_address(text):
        raise _invalid("email", "an e-mail address such as anna@gemeente.nl")
    return text or None


def create(session: Session, *, organisation_id: uuid.UUID | None, actor: str, username: str, display_name: str,
           email: str, role: str, language: str, password: str) -> StaffUser:
    if role not in StaffRole.__members__:
        raise _invalid("role", "reviewer or admin")
    address = _email(email)
    try:
        user = create_user(session, username=username, password=password, role=StaffRole(role),
                           display_name=display_name, language=Language(language if language in ("nl", "en") else "nl"))
    except AccountError as exc:
        raise _invalid("password" if "password" in str(exc) else "username", str(exc)) from None
    user.email, user.email_source = address, "admin" if address else None
    join_organisations(session, user.id, [str(organisation_id)] if organisation_id else [])
    session.add(StaffChange(user_id=user.id, organisation_id=organisation_id, actor=actor, change="created",
                            before={}, after=snapshot(user)))
    session.flush()
    return user


def update(session: Session, *, organisation_id: uuid.UUID | None, actor: str, username: str, role: str,
           rights: list[str], approval_limit: str, email: str, active: bool) -> StaffUser:
    user = _member(session, organisation_id, username)
    if role not in StaffRole.__members__:
        raise _invalid("role", "reviewer or admin")
    if actor == f"user:{user.username}" and (not active or role != user.role.value):
        raise _invalid("active", "you cannot deactivate yourself or change your own role")
    before = snapshot(user)
    limit, address = _limit(approval_limit), _email(email)
    user.role = StaffRole(role)
    grant_user(session, user.username, [r for r in rights if r in RIGHTS], limit)
    if address != user.email:
        user.email, user.email_source = address, "admin" if address else None
    if user.active and not active:
        user.session_epoch += 1  # signed out everywhere at once
    user.active = active
    session.add(user)
    after = snapshot(user)
    if after != before:
        change = "deactivated" if before["active"] and not active else (
            "reactivated" if active and not before["active"] else "updated")
        session.add(StaffChange(user_id=user.id, organisation_id=organisation_id, actor=actor, change=change,
                                before=before, after=after))
    session.flush()
    return user


def changes_of(session: Session, organisation_id: uuid.UUID | None, limit: int = 50) -> list[tuple[StaffChange, str]]:
    """The latest changes to the organisation's accounts, newest first, with the account's username."""
    rows = session.exec(select(StaffChange, StaffUser.username).join(StaffUser, StaffUser.id == StaffChange.user_id)
                        .where(StaffChange.organisation_id == organisation_id)
                        .order_by(StaffChange.at.desc()).limit(limit)).all()
    return [(c, name) for c, name in rows]
