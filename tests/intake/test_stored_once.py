"""A new invoice's row is written once, already in its final status (lifecycle.store_new), and what
the outside sees is what intake's two transitions (received, then the decision) left before: the
audit events in order, each with its change-feed entry and webhook rows, the decision row and its
ledger entries, the reasons and their reason-code rows, the version."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from bench.matching_corpus.orders import PoLine
from service.lifecycle import committed_status_changes
from service.models.erp import FeedEntry, WebhookDelivery
from service.models.invoices import AuditEvent, Invoice, InvoiceReasonCode, InvoiceStatus
from service.models.matching import LedgerEntry, LedgerState, MatchDecision
from service.reasons import distinct_codes
from tests.matching.test_api import World
from tests.matching.test_api import world as world  # the fixture
from tests.conftest import MIRROR

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()


@pytest.fixture
def hooked(world: World) -> World:
    """The world with a webhook subscription to every event."""
    r = world.client.post("/v1/webhooks", json={"url": "https://erp.example.nl/hook", "event_types": ["*"]},
                          headers=world.admin)
    assert r.status_code == 201, r.text
    return world


@contextmanager
def writes_to_invoices(engine) -> Iterator[list[str]]:
    """The INSERT and UPDATE statements on ``invoices`` run inside the block."""
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        words = " ".join(statement.split()).upper()
        if words.startswith(("INSERT INTO INVOICES ", "UPDATE INVOICES ")):
            seen.append(words[:20])

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def _arrange(world: World, kind: str) -> bytes:
    """The document of ``kind``, with what it needs stored (an order, the first invoice)."""
    line = PoLine("1", "Stoel", Decimal(10), price=Decimal("100.00"))
    if kind == "approved":
        world.order("PO-ONCE-A", line)
        doc = world.doc("F-ONCE-A", "PO-ONCE-A", line.invoice_line("1", Decimal(2))).to_xml()
    elif kind == "needs_review":  # a price variance: a pending ledger entry too
        world.order("PO-ONCE-R", line)
        doc = world.doc("F-ONCE-R", "PO-ONCE-R", line.invoice_line("1", Decimal(2), price=Decimal("130.00"))).to_xml()
    elif kind == "duplicate":
        first = world.doc("F-ONCE-D", "PO-NONE", line.invoice_line("1", Decimal(1)))
        world.post(first)
        first.lines = [line.invoice_line("1", Decimal(3))]  # other bytes, the same seller and number
        doc = first.to_xml()
    else:  # rejected by validation: BT-112 does not add up
        doc = BASE.replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
                           b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26</cbc:TaxInclusiveAmount>')
    return doc


KINDS = {"approved": (201, InvoiceStatus.approved), "needs_review": (201, InvoiceStatus.needs_review),
         "rejected": (422, InvoiceStatus.rejected), "duplicate": (409, InvoiceStatus.rejected)}


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_new_invoice_row_is_inserted_once_in_its_final_status_with_the_trail_of_two_transitions(
        hooked, engine, session, kind):
    doc = _arrange(hooked, kind)
    before = committed_status_changes()
    with writes_to_invoices(engine) as writes:
        r = hooked.client.post("/v1/invoices", content=doc, headers={**hooked.gateway, "Content-Type": "application/xml"})
    code, final = KINDS[kind]
    assert r.status_code == code, r.text
    body = r.json() if r.status_code == 201 else r.json()["invoice"]
    assert writes == ["INSERT INTO INVOICES"], writes  # once, no UPDATE after it
    assert committed_status_changes() == before + 1  # one transaction with status changes

    invoice_id = uuid.UUID(body["id"])
    invoice = session.get(Invoice, invoice_id)
    codes = distinct_codes(invoice.reasons)
    assert invoice.status is final and body["status"] == final.value
    assert [r["code"] for r in body["reasons"]] == [r.code.value for r in invoice.reasons]
    if kind != "approved":
        assert codes  # the reason-code trigger below has something to show
    events = session.execute(select(AuditEvent).where(AuditEvent.invoice_id == invoice_id)
                             .order_by(AuditEvent.at)).scalars().all()
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, InvoiceStatus.received, invoice.received_by), (InvoiceStatus.received, final, "system")]
    received, decided = events
    assert received.at > invoice.created_at or received.at == invoice.created_at
    assert decided.at > received.at and invoice.updated_at == decided.at  # the trail sorts by time
    assert received.reason_codes == [] and received.comment is None
    assert decided.reason_codes == codes
    assert invoice.version == 3  # what two transitions of a new invoice (version 1) left, in the ETag
    assert hooked.client.get(f"/v1/invoices/{invoice_id}", headers=hooked.erp).headers["etag"] == \
        f'"{invoice_id.hex}-3"'

    # the reason-code rows (triggers of migration 0038) from the row as inserted
    rows = session.execute(select(InvoiceReasonCode.code, InvoiceReasonCode.status)
                           .where(InvoiceReasonCode.invoice_id == invoice_id)).all()
    assert sorted((c, s) for c, s in rows) == sorted((c, final) for c in codes)

    # each event with its feed entry and webhook row, in order
    feed = session.execute(select(FeedEntry).where(FeedEntry.invoice_id == invoice_id)
                           .order_by(FeedEntry.seq)).scalars().all()
    assert [(f.event_id, f.from_status, f.to_status, f.reason_codes, f.actor, f.at) for f in feed] == [
        (e.id, e.from_status, e.to_status, e.reason_codes, e.actor, e.at) for e in events]
    deliveries = session.execute(select(WebhookDelivery).where(WebhookDelivery.invoice_id == invoice_id)).scalars().all()
    assert sorted((d.event_id, d.event_type, d.payload["data"]["to"]) for d in deliveries) == sorted(
        (e.id, f"invoice.{e.to_status.value}", e.to_status.value) for e in events)

    decisions = session.execute(select(MatchDecision).where(MatchDecision.invoice_id == invoice_id)).scalars().all()
    if final is InvoiceStatus.rejected:
        assert decisions == []
        return
    (decision,) = decisions
    assert decision.trigger == "intake" and decision.reason_codes == codes
    assert decided.comment == f"matching {decision.engine_version}, decision {decision.id}"
    ledger = session.execute(select(LedgerEntry).where(LedgerEntry.invoice_id == invoice_id)).scalars().all()
    assert [(e.decision_id, e.order_line_id, e.quantity, e.state) for e in ledger] == [
        (decision.id, "1", Decimal(2), LedgerState.approved if kind == "approved" else LedgerState.pending)]
    assert invoice.purchase_order == ("PO-ONCE-A" if kind == "approved" else "PO-ONCE-R")


def test_each_step_of_a_new_invoice_has_its_consequences_in_order(world, monkeypatch):
    """ledger, feed, webhooks for ``received``, then the same for the decision (as two transitions)."""
    import service.lifecycle as lifecycle

    calls: list[tuple[str, str]] = []
    for module, name, label in ((lifecycle.ledger, "follow_transition", "ledger"), (lifecycle.feed, "record", "feed"),
                                (lifecycle.webhooks, "enqueue", "webhooks")):
        original = getattr(module, name)

        def spy(session, invoice, event, *a, _o=original, _l=label, **k):
            calls.append((_l, event.to_status.value))
            return _o(session, invoice, event, *a, **k)

        monkeypatch.setattr(module, name, spy)
    inv = world.post(world.doc("F-ONCE-C", "PO-NONE", PoLine("1", "Stoel", Decimal(1), price=Decimal(5))
                               .invoice_line("1", Decimal(1))))
    assert inv["status"] == "needs_review"  # no such order: PO_NOT_FOUND
    assert calls == [(c, "received") for c in ("ledger", "feed", "webhooks")] + [
        (c, "needs_review") for c in ("ledger", "feed", "webhooks")]
