"""ERP integration: the change feed (``feed``), webhook subscriptions and their outbox (``webhooks``),
the dispatcher that sends the outbox (``dispatcher``) and the signatures (``signing``).

``feed.record`` and ``webhooks.enqueue`` are consequences of every status change: the lifecycle
(service/lifecycle.py) calls them by name in the transaction that changes the status. Booking and
payment reported by the ERP are status changes themselves and live in ``service/booking.py``.
"""
