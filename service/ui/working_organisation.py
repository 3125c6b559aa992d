"""The organisation a staff member works on in the workspace, and switching between theirs.

A person may work for several organisations (``staff_user_organisations``); the one they work on
now is kept in a cookie and checked against their memberships on every request, so a stale or
forged cookie can only ever choose one of their own. On an instance with one organisation nobody
needs a membership: everyone works for that one.
"""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session, select

from service.models.organisations import Organisation, StaffMembership

ORGANISATION_COOKIE = "einvoice_organisation"
NO_ORGANISATION = uuid.UUID(int=0)  # a person who works for no organisation sees no invoice


def working_organisation(request: Request, session: Session,
                         user_id: uuid.UUID) -> tuple[tuple[tuple[uuid.UUID, str], ...], uuid.UUID]:
    """(the person's organisations as (id, name), the one they work on now)."""
    rows = session.exec(select(Organisation.id, Organisation.name).join(
        StaffMembership, StaffMembership.organisation_id == Organisation.id).where(
        StaffMembership.user_id == user_id).order_by(Organisation.name, Organisation.id)).all()
    if not rows:
        every = session.exec(select(Organisation.id, Organisation.name).limit(2)).all()
        if len(every) == 1:
            rows = every
    mine = tuple((org_id, name) for org_id, name in rows)
    chosen = request.cookies.get(ORGANISATION_COOKIE, "")
    for org_id, _ in mine:
        if str(org_id) == chosen:
            return mine, org_id
    return mine, mine[0][0] if mine else NO_ORGANISATION


def remember_organisation(request: Request, response: Response, organisation: str) -> None:
    secure = str(request.app.state.settings.public_base_url).startswith("https://")
    response.set_cookie(ORGANISATION_COOKIE, organisation, max_age=30 * 24 * 3600, httponly=True,
                        samesite="lax", secure=secure, path="/ui")
