"""Statements one POST /v1/invoices runs, counted: round trips that add nothing stay out."""

from __future__ import annotations

import uuid

from sqlalchemy import event, func, select
from sqlmodel import Session

from bench.load_documents import base_example, distinct
from service.erp import webhooks
from service.models.erp import WebhookDelivery


def test_a_new_invoice_reads_the_webhook_subscriptions_once_and_still_queues_each_event(
        client, make_key, engine, validation):
    with Session(engine) as s:
        webhooks.create_subscription(s, url="https://erp.example.nl/hook", event_types=[webhooks.ALL_EVENTS],
                                     secret=None, description="", active=True, actor="test")
        s.commit()
    base = base_example(validation[0].artifacts_dir)
    headers = {**make_key("gateway"), "Content-Type": "application/xml"}
    reads = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM webhook_subscriptions" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        r = client.post("/v1/invoices", content=distinct(base, "COUNT", 1), headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert r.status_code == 201, r.text
    with Session(engine) as s:
        queued = s.execute(select(func.count()).select_from(WebhookDelivery)
                           .where(WebhookDelivery.invoice_id == uuid.UUID(r.json()["id"]))).scalar_one()
    assert len(reads) == 1, reads  # two transitions (received, then the decision), one read
    assert queued == 2  # and both events are queued
