"""Two processes receiving at once: same bytes -> one invoice; same number -> one accepted, one duplicate.

On PostgreSQL the race is forced (both requests pass the "seen before?" check before either inserts);
the unique constraints on ``sha256`` and ``dedup_key`` decide, and the loser answers replay / 409.
On SQLite writers are serialised (BEGIN IMMEDIATE), so the second request simply sees the first.
"""

from __future__ import annotations

import sys
import threading

import pytest
from sqlmodel import Session, select

from service.api.deps import Principal
from service.lifecycle import Step, store_new
from service.models.invoices import Invoice, InvoiceStatus
from service.models.keys import Role
from tests.conftest import MIRROR

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()


@pytest.fixture
def receive_module(monkeypatch):
    import service.intake  # noqa: F401

    def to_review(session, invoice, document, facts=None, *, received):
        store_new(session, invoice, [received, Step(InvoiceStatus.needs_review, "system")], if_absent=True)

    module = sys.modules["service.intake.receive"]
    monkeypatch.setattr(module, "decide_invoice", to_review)
    return module


def _race(engine, receive_module, monkeypatch, docs: list[bytes], validation) -> list[str]:
    forced = engine.dialect.name == "postgresql"
    barrier = threading.Barrier(len(docs), timeout=30)
    original = receive_module._earlier
    waited = threading.local()

    def earlier_then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        if forced and not getattr(waited, "done", False):  # the check before the insert, not the loser's re-read
            waited.done = True
            barrier.wait()
        return result

    monkeypatch.setattr(receive_module, "_earlier", earlier_then_wait)
    races: list[int] = []
    after_race = receive_module._after_race

    def counted(*args, **kwargs):
        races.append(1)
        return after_race(*args, **kwargs)

    monkeypatch.setattr(receive_module, "_after_race", counted)
    principal = Principal(role=Role.gateway, actor="key:race")
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(doc: bytes) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                receipt = receive_module.receive(session, doc, principal, validation=validation)
                session.commit()
                outcomes.append(receipt.outcome.value)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(d,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    if forced:
        assert len(races) == 1, "the race was not forced: the loser must hit the unique constraint"
    return sorted(outcomes)


def test_same_bytes_at_once_store_one_invoice(engine, receive_module, monkeypatch, validation, session):
    outcomes = _race(engine, receive_module, monkeypatch, [BASE, BASE], validation[0])
    assert outcomes == ["created", "replayed"]
    assert len(session.exec(select(Invoice)).all()) == 1


def test_same_number_at_once_accepts_one_and_rejects_the_other(engine, receive_module, monkeypatch, validation, session):
    other = BASE.replace(b"<cbc:DocumentCurrencyCode>", b"<cbc:Note>x</cbc:Note><cbc:DocumentCurrencyCode>", 1)
    outcomes = _race(engine, receive_module, monkeypatch, [BASE, other], validation[0])
    assert outcomes == ["created", "duplicate"]
    rows = session.exec(select(Invoice)).all()
    assert sorted(r.status.value for r in rows) == ["needs_review", "rejected"]
    rejected = next(r for r in rows if r.status is InvoiceStatus.rejected)
    accepted = next(r for r in rows if r.status is not InvoiceStatus.rejected)
    assert rejected.duplicate_of == accepted.id


def test_same_invalid_bytes_at_once_store_one_rejected_invoice(engine, receive_module, monkeypatch, validation, session):
    bad = BASE.replace(b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25</cbc:TaxInclusiveAmount>',
                       b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.26</cbc:TaxInclusiveAmount>')
    outcomes = _race(engine, receive_module, monkeypatch, [bad, bad], validation[0])
    assert outcomes == ["rejected", "replayed"]
    assert [r.status for r in session.exec(select(Invoice)).all()] == [InvoiceStatus.rejected]
