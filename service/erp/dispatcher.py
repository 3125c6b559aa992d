"""The webhook dispatcher: claims due outbox rows with a lease, sends them signed, records the result.

Several dispatchers (every `einvoice serve` process and any number of `einvoice worker`s) can run
against one database:

- A claim is one short transaction: due rows are selected ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
  (on SQLite the claim runs under BEGIN IMMEDIATE, the database write lock), marked ``delivering``
  with ``lease_until`` and the worker's id, and committed. Another dispatcher skips them.
- The HTTP request is sent outside any transaction. The lease is longer than the request timeout,
  so while a dispatcher lives no other one takes its row; if it dies, the lease expires and the row
  is claimed again (at-least-once: receivers deduplicate on ``Webhook-Id``).
- The result is written only if the row is still leased to this worker.
- Failures (non-2xx, connection errors, timeouts) are retried with exponential backoff and jitter;
  after ``webhook_max_attempts`` the delivery is parked as ``dead`` (replayable through the API).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from service.config import Settings
from service.db import reading, unit_of_work
from service.erp import feed
from service.erp.targets import guarded_transport, parse_networks
from service.erp.signing import EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from service.models.base import utcnow
from service.models.erp import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from service.round_trouble import RoundTrouble

log = logging.getLogger("einvoice.webhooks")
D = DeliveryStatus


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    url: str
    secret: str
    event_type: str
    payload: dict


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    excerpt: str | None
    started_at: datetime
    duration_ms: int


def backoff_seconds(attempts: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Delay after the ``attempts``-th failed attempt: base * 2^(n-1), capped, "equal jitter"."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay / 2 + rng() * delay / 2


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class Dispatcher:
    def __init__(self, engine: Engine, settings: Settings, *, client: httpx.Client | None = None,
                 worker_id: str | None = None, rng: Callable[[], float] = random.random) -> None:
        self.engine = engine
        self.settings = settings
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.rng = rng
        self._own_client = client is None
        # the guarded transport checks every address it connects to (no loopback, metadata or
        # private networks unless allowed): tests that pass their own client mock the network
        self.client = client or httpx.Client(
            transport=guarded_transport(parse_networks(settings.webhook_allowed_networks)),
            follow_redirects=False, headers={"User-Agent": "einvoice-webhooks/1"})
        self.pool = ThreadPoolExecutor(max_workers=max(1, settings.webhook_concurrency),
                                       thread_name_prefix="webhook")

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.webhook_timeout_seconds * 2 + 10)

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self._own_client:
            self.client.close()

    # --- one round (tests, `einvoice webhooks flush`) --------------------------------------------

    def run_once(self, limit: int | None = None) -> int:
        """Publish the feed, claim due deliveries, send them in parallel, record; returns how many."""
        feed.publish(self.engine)
        claimed = self.claim(limit or self.settings.webhook_concurrency)
        futures = [self.pool.submit(self.deliver, c) for c in claimed]
        for f in futures:
            f.result()
        return len(claimed)

    # --- the loop (`einvoice worker`, and inside `serve`) ---------------------------------------

    def run_forever(self, stop: threading.Event) -> None:
        inflight: set[Future] = set()
        trouble = RoundTrouble("webhook dispatcher", self.engine, log,
                               interval_seconds=self.settings.webhook_poll_interval_seconds)
        log.info("webhook dispatcher %s started", self.worker_id)
        while not stop.is_set():
            try:
                feed.publish(self.engine)
                free = self.settings.webhook_concurrency - len(inflight)
                claimed = self.claim(free) if free > 0 else []
                for c in claimed:
                    inflight.add(self.pool.submit(self.deliver, c))
                trouble.succeeded()
            except Exception as exc:  # noqa: BLE001 - database away or unmigrated: keep the loop alive, say it once
                trouble.failed(exc)
                claimed = []
            if inflight:
                done, inflight = wait(inflight, timeout=self.settings.webhook_poll_interval_seconds,
                                      return_when=FIRST_COMPLETED)
                for f in done:
                    if f.exception() is not None:
                        log.error("webhook delivery failed: %s", f.exception())
            elif not claimed:
                stop.wait(self.settings.webhook_poll_interval_seconds)
        wait(inflight)
        log.info("webhook dispatcher %s stopped", self.worker_id)

    # --- steps ----------------------------------------------------------------------------------

    def _due(self, now: datetime):
        return or_(
            and_(WebhookDelivery.status == D.pending, WebhookDelivery.next_attempt_at <= now),
            and_(WebhookDelivery.status == D.delivering, WebhookDelivery.lease_until < now),
        )

    def claim(self, limit: int) -> list[Claimed]:
        """Lease up to ``limit`` due deliveries to this worker (committed before anything is sent)."""
        if limit <= 0:
            return []
        now = utcnow()
        # Cheap read-only probe first: an idle dispatcher never takes SQLite's write lock.
        with Session(reading(self.engine)) as probe:
            if probe.exec(select(func.count()).select_from(WebhookDelivery).where(self._due(now))).one() == 0:
                return []
        with unit_of_work(self.engine) as session:
            stmt = (
                select(WebhookDelivery, WebhookSubscription)
                .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                .where(self._due(now), WebhookSubscription.active == True)  # noqa: E712
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=WebhookDelivery)
            )
            out = []
            for delivery, sub in session.exec(stmt).all():
                delivery.status = D.delivering
                delivery.lease_until = now + self.lease
                delivery.leased_by = self.worker_id
                delivery.attempts += 1
                session.add(delivery)
                out.append(Claimed(delivery.id, sub.url, sub.secret, delivery.event_type, dict(delivery.payload)))
        return out

    def send(self, c: Claimed) -> Outcome:
        body = encode(c.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            ID_HEADER: str(c.id),
            EVENT_HEADER: c.event_type,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(c.secret, timestamp, body),
        }
        started = utcnow()
        t0 = time.perf_counter()
        status = excerpt = error = None
        try:
            r = self.client.post(c.url, content=body, headers=headers,
                                 timeout=self.settings.webhook_timeout_seconds)
            status, excerpt = r.status_code, r.text[:500]
            if not 200 <= r.status_code < 300:
                error = f"HTTP {r.status_code}"
        except httpx.TimeoutException as exc:
            error = f"timeout after {self.settings.webhook_timeout_seconds:g}s ({type(exc).__name__})"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
        ms = int((time.perf_counter() - t0) * 1000)
        return Outcome(error is None, status, error, excerpt, started, ms)

    def deliver(self, c: Claimed) -> Outcome:
        outcome = self.send(c)
        self.record(c, outcome)
        return outcome

    def record(self, c: Claimed, o: Outcome) -> None:
        with unit_of_work(self.engine) as session:
            delivery = session.get(WebhookDelivery, c.id, with_for_update=True)
            if delivery is None:  # subscription deleted meanwhile
                return
            number = session.exec(select(func.count()).select_from(WebhookAttempt)
                                  .where(WebhookAttempt.delivery_id == c.id)).one() + 1
            session.add(WebhookAttempt(delivery_id=c.id, number=number, started_at=o.started_at,
                                       duration_ms=o.duration_ms, status_code=o.status_code,
                                       error=o.error, response_excerpt=o.excerpt, worker=self.worker_id))
            if delivery.status is not D.delivering or delivery.leased_by != self.worker_id:
                log.warning("delivery %s: lease lost before the result was recorded", c.id)
                return
            delivery.last_status_code = o.status_code
            delivery.last_error = o.error
            delivery.lease_until = None
            delivery.leased_by = None
            now = utcnow()
            if o.ok:
                delivery.status = D.delivered
                delivery.delivered_at = now
            elif delivery.attempts >= self.settings.webhook_max_attempts:
                delivery.status = D.dead
                log.warning("delivery %s to %s is dead after %d attempts: %s", c.id, c.url,
                            delivery.attempts, o.error)
            else:
                delivery.status = D.pending
                delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(
                    delivery.attempts, self.settings.webhook_backoff_base_seconds,
                    self.settings.webhook_backoff_max_seconds, self.rng))
            session.add(delivery)
