"""The in-app notification list of a staff user, and the mail that goes with each notification."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from babel.dates import format_date
from sqlalchemy import func, update
from sqlmodel import Session, select

from service.models.base import utcnow
from service.models.handovers import Notification
from service.models.workspace import StaffUser
from service.notifications.mail import Mail, Mailer, send_after_commit
from service.notifications.texts import NOTIFICATION_TEXTS

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def text(kind: str, params: dict[str, Any], language: str) -> str:
    """The notification in ``language`` (nl, en): dates in that language's form."""
    nl, en = NOTIFICATION_TEXTS[f"notify_{kind}"]
    words = dict(params)
    if words.get("due"):
        words["due"] = format_date(date.fromisoformat(str(words["due"])), "long", locale=LOCALES.get(language, "nl_NL"))
    template = en if language == "en" else nl
    names = ("by", "number", "supplier", "due", "reason")
    return template.format(**{n: words.get(n) or "–" for n in names})


def notify(session: Session, user: StaffUser, kind: str, *, params: dict[str, Any],
           invoice_id: uuid.UUID | None = None, handover_id: uuid.UUID | None = None,
           mailer: Mailer | None = None, base_url: str = "") -> Notification:
    """Tell ``user`` (in the workspace, and by mail when they have an address and SMTP is set up)."""
    note = Notification(user_id=user.id, kind=kind, params=params, invoice_id=invoice_id, handover_id=handover_id)
    session.add(note)
    if user.email and user.active and mailer is not None and mailer.enabled:
        send_after_commit(session, mailer, [compose(user, kind, params, invoice_id, base_url)])
    return note


def compose(user: StaffUser, kind: str, params: dict[str, Any], invoice_id: uuid.UUID | None, base_url: str) -> Mail:
    lang = user.language.value
    pick = 1 if lang == "en" else 0
    base = base_url.rstrip("/")
    lines = [text(kind, params, lang), ""]
    if invoice_id is not None:
        lines.append(NOTIFICATION_TEXTS["mail_open"][pick].format(url=f"{base}/ui/invoices/{invoice_id}"))
        lines.append("")
    lines.append(NOTIFICATION_TEXTS["mail_footer"][pick].format(inbox=f"{base}/ui/notifications"))
    subject = NOTIFICATION_TEXTS["mail_subject"][pick].format(number=params.get("number") or "–")
    assert user.email is not None
    return Mail(to=user.email, subject=subject, body="\n".join(lines) + "\n", language=lang)


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    return session.execute(select(func.count()).select_from(Notification)
                           .where(Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


def latest(session: Session, user_id: uuid.UUID, limit: int = 100, *, unread_only: bool = False) -> list[Notification]:
    """The user's notifications, newest first (unread and read, or only the unread)."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.exec(query.order_by(Notification.created_at.desc(), Notification.id).limit(limit)))


def mark_read(session: Session, user_id: uuid.UUID, notification_id: uuid.UUID | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user read; returns how many."""
    table = Notification.__table__
    stmt = update(table).where(table.c.user_id == user_id, table.c.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(table.c.id == notification_id)
    return session.execute(stmt.values(read_at=utcnow())).rowcount or 0
