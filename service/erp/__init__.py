"""ERP integration: change feed, webhook outbox and dispatcher, booking and payment.

Importing this package registers the two ``service.lifecycle.on_transition`` hooks (the feed entry
and the webhook outbox rows are written in the transaction that changes the status). The app
(service/background.py), the CLI (service/cli/erp.py) and the API modules import it.
"""

from __future__ import annotations

from service import lifecycle
from service.erp import feed, webhooks


def _register() -> None:
    for hook in (feed.record, webhooks.enqueue):
        if hook not in lifecycle._after_transition_hooks:
            lifecycle.on_transition(hook)


_register()
