"""Reminders from inside `einvoice serve`: the app's reminder thread mails the budget holder of an
overdue confirmation through the real SMTP server without cron, once, however often it looks; two
processes that look at the same moment send each due reminder once (the claim in the row)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from service.config import Settings
from service.db import make_engine
from service.handovers.reminders import ReminderWorker
from service.handovers.store import send_reminders
from service.models.handovers import Handover, Notification
from tests.handovers.test_handover_api import _not_received
from tests.matching.test_api import world  # noqa: F401  (fixture)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"reminders_in_serve": True, "reminders_interval_seconds": 0.2})


def _forward(world, number: str, due: date) -> str:  # noqa: F811
    inv = _not_received(world, number)
    r = world.client.post(f"/v1/invoices/{inv['id']}/forward", headers=world.reviewer,
                          json={"assignee": "bert", "due_date": due.isoformat()})
    assert r.status_code == 201, r.text
    return inv["id"]


def _overdue(engine, days: int = 1) -> None:
    """Every open request fell due ``days`` ago (the API accepts no due date in the past)."""
    with Session(engine) as s:
        s.execute(update(Handover).values(due_date=date.today() - timedelta(days=days)))
        s.commit()


def _reminders(engine) -> list[Notification]:
    with Session(engine) as s:
        return list(s.exec(select(Notification).where(Notification.kind == "reminder")).all())


def test_the_server_reminds_an_overdue_confirmation_once_without_cron(world, staff, smtp, engine):  # noqa: F811
    assert [w.name for w in world.client.app.state.background] == ["handover-reminders"]
    _forward(world, "F-SV-1", date.today())
    assert len(smtp.messages(wait_for=1)) == 1  # the request; not due yet, so no reminder
    _overdue(engine)
    mails = smtp.messages(wait_for=2)
    assert [m["To"] for m in mails] == ["bert@gemeente.example"] * 2
    assert "Reminder: your confirmation of the delivery of invoice F-SV-1" in mails[-1].get_payload(decode=True).decode()
    # many rounds later (every 0.2 s) still one reminder today
    rounds_seen = time.monotonic() + 1.5
    while time.monotonic() < rounds_seen:
        time.sleep(0.1)
    assert len(smtp.messages()) == 2 and len(_reminders(engine)) == 1


def test_two_processes_looking_at_once_send_each_reminder_once(world, staff, smtp, engine, db_url, settings):  # noqa: F811
    world.client.app.state.background[0].stop_event.set()  # this test's own two "processes" only
    world.client.app.state.background[0].thread.join(timeout=10)
    for n in range(3):
        _forward(world, f"F-SV-{n + 10}", date.today() + timedelta(days=1))
    smtp.messages(wait_for=3)
    _overdue(engine)
    other_engine = make_engine(db_url)
    first, second = ReminderWorker(engine, settings), ReminderWorker(other_engine, settings)
    try:
        answers: list[int] = []
        with Session(engine, expire_on_commit=False) as s:
            # the first process has claimed and notified, not yet committed; the second looks meanwhile
            sent_first = send_reminders(s, today=date.today(), notifier=first.notifier)
            late = threading.Thread(target=lambda: answers.append(second.run_once()))
            late.start()
            late.join(timeout=1.0)  # it waits on the first one's claim (PostgreSQL row locks, SQLite write lock)
            s.commit()
        late.join(timeout=30)
        assert sent_first == 3 and answers == [0]
        assert first.run_once() == 0 and second.run_once() == 0
        tomorrow = date.today() + timedelta(days=1)
        assert second.run_once(today=tomorrow) == 3 and first.run_once(today=tomorrow) == 0
    finally:
        other_engine.dispose()
    mails = smtp.messages(wait_for=9)
    reminded = sorted(m["Subject"] for m in mails if "Reminder" in m.get_payload(decode=True).decode())
    assert reminded == sorted(["E-invoices: invoice F-SV-10", "E-invoices: invoice F-SV-11",
                               "E-invoices: invoice F-SV-12"] * 2)
    assert len(_reminders(engine)) == 6


def test_the_off_switch_starts_no_reminder_thread(settings, engine, validation):
    from fastapi.testclient import TestClient

    from service.main import create_app

    app = create_app(settings.model_copy(update={"reminders_in_serve": False}), engine=engine, validation=validation)
    with TestClient(app):
        assert app.state.background is None
