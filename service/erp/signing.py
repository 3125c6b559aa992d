"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the subscription's secret.

Headers on every delivery:

- ``Webhook-Id``: the delivery id (the same on retries and replays: deduplicate on it),
- ``Webhook-Timestamp``: Unix seconds when this attempt was signed,
- ``Webhook-Signature``: ``v1=<hex digest>``.

A receiver recomputes the digest over the raw body bytes and rejects old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Webhook-Signature"
TIMESTAMP_HEADER = "Webhook-Timestamp"
ID_HEADER = "Webhook-Id"
EVENT_HEADER = "Webhook-Event"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, timestamp: str | int, body: bytes, signature: str, *,
           tolerance_seconds: int = 300, now: float | None = None) -> bool:
    """True when ``signature`` is ours for this body and the timestamp is recent enough."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance_seconds:
        return False
    expected = sign(secret, ts, body)
    # A header may carry several signatures during secret rotation: "v1=abc v1=def".
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.replace(",", " ").split())
