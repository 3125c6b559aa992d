"""Saved views of the find list, per staff member: save the current search, status and sort under a
name, open it from the list, delete it (#17)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from service.db import SessionDep
from service.models.workspace import SavedView
from service.ui import find
from service.ui.routes import FormDep, Staff
from service.ui.session import check_form

router = APIRouter(prefix="/ui", include_in_schema=False)

MAX_VIEWS = 50  # per person
NAME_LENGTH = 100


def views_of(session: Session, user_id: uuid.UUID) -> list[SavedView]:
    return list(session.exec(select(SavedView).where(SavedView.user_id == user_id)
                             .order_by(SavedView.name).limit(MAX_VIEWS)))


def save(session: Session, user_id: uuid.UUID, name: str, flt: find.FindFilter) -> SavedView | None:
    """Store ``flt`` (without its page) under ``name``; the same name again replaces the query.
    None when the name is empty or the person has MAX_VIEWS already."""
    name = " ".join(name.split())[:NAME_LENGTH]
    if not name:
        return None
    query = urlencode(flt.query_params(page=""))[:1000]
    view = session.exec(select(SavedView).where(SavedView.user_id == user_id, SavedView.name == name)).first()
    if view is None:
        if len(views_of(session, user_id)) >= MAX_VIEWS:
            return None
        view = SavedView(user_id=user_id, name=name, query=query)
    view.query = query
    session.add(view)
    session.flush()
    return view


@router.post("/search/views")
def save_view(request: Request, session: SessionDep, current: Staff, form: FormDep) -> Response:
    check_form(request, current, form, back="/ui/search")
    flt = find.FindFilter.from_params(form)
    view = save(session, current.user.id, str(form.get("view_name", "") or ""), flt)
    params = flt.query_params(page="")
    params["view"] = "saved" if view is not None else "refused"
    return RedirectResponse(f"/ui/search?{urlencode(params)}", status_code=303)


@router.post("/search/views/{view_id}/delete")
def delete_view(request: Request, view_id: str, session: SessionDep, current: Staff, form: FormDep) -> Response:
    check_form(request, current, form, back="/ui/search")
    try:
        view = session.get(SavedView, uuid.UUID(view_id))
    except ValueError:
        view = None
    if view is not None and view.user_id == current.user.id:  # another person's view: as if it did not exist
        session.delete(view)
        session.flush()
    return RedirectResponse("/ui/search?view=deleted", status_code=303)
