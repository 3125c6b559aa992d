"""Reminders of overdue delivery confirmations sent from inside `einvoice serve`, without cron.

Every server process runs one reminder thread unless ``reminders_in_serve`` is false (then run
`einvoice reminders send` daily). Each round is one short transaction that claims the day's reminder
of every overdue request in its own row (``handovers.reminded_on``) before notifying: a second
process, or a second round the same day, finds the claim taken, so each due reminder goes out once,
however many processes run. The mail leaves after the commit; one that the SMTP server refuses is
not retried (the notification in the workspace is stored either way).
"""

from __future__ import annotations

import logging
import threading
from datetime import date

from sqlalchemy.engine import Engine

from service.config import Settings
from service.db import unit_of_work
from service.handovers.store import Notifier, send_reminders
from service.models.base import utcnow
from service.notifications.mail import Mailer
from service.round_trouble import RoundTrouble

log = logging.getLogger("einvoice.reminders")


class ReminderWorker:
    """Sends the day's due reminders every ``reminders_interval_seconds``."""

    def __init__(self, engine: Engine, settings: Settings, notifier: Notifier | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.notifier = notifier or Notifier(Mailer(settings), str(settings.public_base_url))

    def run_once(self, today: date | None = None) -> int:
        """One round: remind for ``today`` (default: today, UTC); returns how many reminders this round sent."""
        with unit_of_work(self.engine) as session:
            return send_reminders(session, today=today or utcnow().date(), notifier=self.notifier)

    def run_forever(self, stop: threading.Event) -> None:
        """Rounds until ``stop`` is set: the first at once, then one per interval."""
        trouble = RoundTrouble("hand-over reminders", self.engine, log,
                               interval_seconds=self.settings.reminders_interval_seconds)
        log.info("reminders started (every %s s)", self.settings.reminders_interval_seconds)
        while not stop.is_set():
            try:
                sent = self.run_once()
                trouble.succeeded()
                if sent:
                    log.info("sent %d reminder(s)", sent)
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the thread: said, tried again
                trouble.failed(exc)
            stop.wait(self.settings.reminders_interval_seconds)
