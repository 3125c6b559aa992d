"""Background work started with the app (the webhook dispatcher). Owned by the ERP-integration area.

Every server process runs one dispatcher thread unless ``webhook_dispatcher_in_serve`` is false
(then run `einvoice worker`). Several processes are safe: deliveries are claimed with a lease.
"""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI


log = logging.getLogger("einvoice.background")


def start(app: FastAPI) -> None:
    """Start background workers for this process (called from the app's lifespan)."""
    settings = app.state.settings
    app.state.background = None
    if not settings.webhook_dispatcher_in_serve:
        return
    from service.erp.dispatcher import Dispatcher

    dispatcher = Dispatcher(app.state.engine, settings)
    stop_event = threading.Event()
    thread = threading.Thread(target=dispatcher.run_forever, args=(stop_event,),
                              name="webhook-dispatcher", daemon=True)
    thread.start()
    app.state.background = (dispatcher, stop_event, thread)


def stop(app: FastAPI) -> None:
    """Stop them (called when the app shuts down)."""
    running = getattr(app.state, "background", None)
    if not running:
        return
    dispatcher, stop_event, thread = running
    stop_event.set()
    thread.join(timeout=dispatcher.settings.webhook_timeout_seconds + 5)
    if thread.is_alive():
        log.warning("webhook dispatcher did not stop in time; its leases will expire")
    else:
        dispatcher.close()
    app.state.background = None
