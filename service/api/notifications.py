"""The caller's in-app notifications (hand-overs to them, answers, reminders): list, mark read.

Notifications belong to a person: the API serves those of the staff user who owns the calling key
(a key made with ``owner``); a key of nobody's has none to read (403 ``/problems/key-without-owner``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import Session

from service.api.deps import Reviewer
from service.db import SessionDep
from service.errors import Forbidden, InvalidInput, problem_responses
from service.models.handovers import Notification
from service.models.keys import ApiKey
from service.models.workspace import StaffUser
from service.notifications import inbox

router = APIRouter(tags=["hand-overs"])


class KeyWithoutOwner(Forbidden):
    slug, title = "key-without-owner", "The API key belongs to no staff user"


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="assigned, confirm_requested, confirmed, declined, reminder or withdrawn")
    message_nl: str = Field(description="The notification in Dutch")
    message_en: str = Field(description="The notification in English")
    message: str = Field(description="The notification in the person's own language")
    params: dict[str, Any] = Field(description="Its words: by, number, supplier, due, reason")
    invoice_id: uuid.UUID | None
    handover_id: uuid.UUID | None
    read_at: datetime | None
    created_at: datetime


class NotificationList(BaseModel):
    data: list[NotificationOut]
    unread: int = Field(description="How many of the person's notifications are unread")


class MarkRead(BaseModel):
    ids: list[uuid.UUID] | None = Field(None, max_length=200, description="The notifications to mark read; "
                                        "absent or null = every unread one")


class Marked(BaseModel):
    marked: int = Field(description="How many were unread and are read now")
    unread: int


def _owner(session: Session, key_id: uuid.UUID | None) -> StaffUser:
    key = session.get(ApiKey, key_id) if key_id else None
    user = session.get(StaffUser, key.owner_id) if key is not None and key.owner_id else None
    if user is None:
        raise KeyWithoutOwner("notifications belong to a person: use a key made with `owner` (the staff user)")
    return user


def _out(note: Notification, language: str) -> NotificationOut:
    params = note.params or {}
    nl, en = inbox.text(note.kind, params, "nl"), inbox.text(note.kind, params, "en")
    return NotificationOut(id=note.id, kind=note.kind, message_nl=nl, message_en=en,
                           message=en if language == "en" else nl, params=params, invoice_id=note.invoice_id,
                           handover_id=note.handover_id, read_at=note.read_at, created_at=note.created_at)


@router.get("/notifications", operation_id="notifications-list", response_model=NotificationList,
            responses=problem_responses(KeyWithoutOwner),
            description="The notifications of the staff user who owns the key, newest first: what the workspace "
            "lists under Notifications.")
def notifications(session: SessionDep, principal: Reviewer,
                  unread: Annotated[bool, Query(description="Only the unread ones")] = False,
                  limit: Annotated[int, Query(ge=1, le=200, description="At most this many")] = 50,
                  ) -> NotificationList:
    """The caller's notifications."""
    user = _owner(session, principal.key_id)
    notes = inbox.latest(session, user.id, limit=limit, unread_only=unread)
    return NotificationList(data=[_out(n, user.language.value) for n in notes],
                            unread=inbox.unread_count(session, user.id))


@router.post("/notifications/read", operation_id="notifications-mark-read", response_model=Marked,
             responses=problem_responses(KeyWithoutOwner, InvalidInput),
             description="Mark the person's notifications read: those named in `ids`, or every unread one. An id "
                         "of someone else's notification marks nothing.")
def mark_read(session: SessionDep, principal: Reviewer, body: MarkRead | None = None) -> Marked:
    """Mark notifications read."""
    user = _owner(session, principal.key_id)
    ids = (body or MarkRead()).ids
    if ids is None:
        marked = inbox.mark_read(session, user.id)
    else:
        marked = sum(inbox.mark_read(session, user.id, one) for one in dict.fromkeys(ids))
    return Marked(marked=marked, unread=inbox.unread_count(session, user.id))
