"""Background work started with the app: the webhook dispatcher and the hand-over reminders.

Every server process runs one dispatcher thread unless ``webhook_dispatcher_in_serve`` is false
(then run `einvoice worker`). Several processes are safe: deliveries are claimed with a lease.
Every server process also runs one reminder thread unless ``reminders_in_serve`` is false (then run
`einvoice reminders send` from cron); each day's reminder of a request is claimed in its row, so
several processes send it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

log = logging.getLogger("einvoice.background")


@dataclass
class Worker:
    name: str
    thread: threading.Thread
    stop_event: threading.Event
    join_seconds: float
    close: Callable[[], None] | None = None


def _spawn(name: str, target: Callable[[threading.Event], None], join_seconds: float,
           close: Callable[[], None] | None = None) -> Worker:
    stop_event = threading.Event()
    thread = threading.Thread(target=target, args=(stop_event,), name=name, daemon=True)
    thread.start()
    return Worker(name, thread, stop_event, join_seconds, close)


def start(app: FastAPI) -> None:
    """Start background workers for this process (called from the app's lifespan)."""
    settings = app.state.settings
    workers: list[Worker] = []
    if settings.webhook_dispatcher_in_serve:
        from service.erp.dispatcher import Dispatcher

        dispatcher = Dispatcher(app.state.engine, settings)
        workers.append(_spawn("webhook-dispatcher", dispatcher.run_forever,
                              settings.webhook_timeout_seconds + 5, dispatcher.close))
    if settings.reminders_in_serve:
        from service.handovers.reminders import ReminderWorker

        reminders = ReminderWorker(app.state.engine, settings)
        workers.append(_spawn("handover-reminders", reminders.run_forever, settings.smtp_timeout_seconds + 5))
    app.state.background = workers or None


def stop(app: FastAPI) -> None:
    """Stop them (called when the app shuts down)."""
    workers: list[Worker] = getattr(app.state, "background", None) or []
    for worker in workers:
        worker.stop_event.set()
    for worker in workers:
        worker.thread.join(timeout=worker.join_seconds)
        if worker.thread.is_alive():
            log.warning("%s did not stop in time", worker.name)
        elif worker.close is not None:
            worker.close()
    app.state.background = None
