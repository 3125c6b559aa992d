"""Reminders of overdue delivery confirmations: `einvoice reminders send` (a real process) mails the
budget holder through the real SMTP server once per day, however often it runs; bad SMTP settings
stop the command with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from service.models.handovers import Notification
from tests.handovers.test_handover_api import _not_received
from tests.matching.test_api import world  # noqa: F401  (fixture)

EINVOICE = str(Path(sys.executable).with_name("einvoice"))


def _run(args: list[str], db_url: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EINVOICE_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": db_url, **extra})
    return subprocess.run([EINVOICE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_an_overdue_confirmation_is_reminded_once_a_day(world, staff, smtp, engine, db_url):  # noqa: F811
    inv = _not_received(world, "F-RM-1")
    due = date.today() + timedelta(days=2)
    assert world.client.post(f"/v1/invoices/{inv['id']}/forward", headers=world.reviewer,
                             json={"assignee": "bert", "due_date": due.isoformat()}).status_code == 201
    assert len(smtp.messages(wait_for=1)) == 1  # the request itself
    mail_env = {"EINVOICE_SMTP_HOST": "127.0.0.1", "EINVOICE_SMTP_PORT": str(smtp.port),
                "EINVOICE_SMTP_SECURITY": "none", "EINVOICE_SMTP_FROM": "efacturen@gemeente.example"}
    on_due_day = _run(["reminders", "send", "--today", due.isoformat()], db_url, **mail_env)
    assert on_due_day.returncode == 0 and "sent 0 reminder(s)" in on_due_day.stdout, on_due_day.stderr
    late = (due + timedelta(days=1)).isoformat()
    first = _run(["reminders", "send", "--today", late], db_url, **mail_env)
    again = _run(["reminders", "send", "--today", late], db_url, **mail_env)
    assert "sent 1 reminder(s)" in first.stdout and "sent 0 reminder(s)" in again.stdout, (first.stderr, again.stderr)
    mails = smtp.messages(wait_for=2)
    assert [m["To"] for m in mails] == ["bert@gemeente.example"] * 2
    body = mails[-1].get_payload(decode=True).decode()
    assert "Reminder: your confirmation of the delivery of invoice F-RM-1" in body
    assert f"was due on {due.day} {due.strftime('%B')} {due.year}" in body
    next_day = _run(["reminders", "send", "--today", (due + timedelta(days=2)).isoformat()], db_url, **mail_env)
    assert "sent 1 reminder(s)" in next_day.stdout
    with Session(engine) as s:
        kinds = [n.kind for n in s.exec(select(Notification).order_by(Notification.created_at)).all()]
    assert kinds == ["confirm_requested", "reminder", "reminder"]


def test_bad_smtp_settings_are_one_line(db_url):
    r = _run(["reminders", "send"], db_url, EINVOICE_SMTP_HOST="smtp.gemeente.example", EINVOICE_SMTP_FROM="nobody")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]
    assert "EINVOICE_SMTP_FROM must be the sender's e-mail address" in r.stderr
    r = _run(["reminders", "send"], db_url, EINVOICE_SMTP_HOST="smtp.gemeente.example", EINVOICE_SMTP_FROM="a@b.nl",
             EINVOICE_SMTP_SECURITY="ssl")
    assert r.returncode == 2 and "EINVOICE_SMTP_SECURITY must be one of starttls, tls, none" in r.stderr
