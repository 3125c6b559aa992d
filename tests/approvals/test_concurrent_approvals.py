"""Two people approving the same invoice at the same moment: one wins cleanly, the other gets a 409.

Each worker has its own session and transaction, as two service processes would. On PostgreSQL the
invoice row lock (SELECT ... FOR UPDATE in service.review) serialises them; on SQLite the write lock
(BEGIN IMMEDIATE) does. A barrier starts both at once.
"""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from service import review
from service.approvals.four_eyes import SecondApproverRequired
from service.models.approvals import InvoiceApproval
from service.models.invoices import Invoice
from tests.approvals.test_four_eyes_api import bank_unverified, fresh
from tests.workspace.factories import make_invoice


def _race(engine, invoice_id, actors_versions: list[tuple[str, int | None]]) -> list[str]:
    barrier = threading.Barrier(len(actors_versions), timeout=30)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(actor: str, version: int | None) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                barrier.wait()
                try:
                    invoice, _ = review.approve(session, invoice_id, actor=actor, expected_version=version)
                    session.commit()
                    outcomes.append(invoice.status.value)
                except (SecondApproverRequired, review.StaleInvoice) as exc:
                    session.rollback()
                    outcomes.append(exc.slug)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=av) for av in actors_versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return sorted(outcomes)


@pytest.mark.parametrize("round_", range(3))
def test_two_reviewers_approving_what_they_saw_at_once_one_wins(engine, session, round_):
    inv = make_invoice(session, reasons=[bank_unverified()])
    outcomes = _race(engine, inv.id, [("user:alice", inv.version), ("user:bob", inv.version)])
    assert outcomes == ["awaiting_approval", "stale-invoice"]
    fresh(session)
    assert session.get(Invoice, inv.id).status.value == "awaiting_approval"
    assert len(session.exec(select(InvoiceApproval).where(InvoiceApproval.invoice_id == inv.id)).all()) == 1


def test_the_same_person_twice_at_once_never_completes_alone(engine, session):
    inv = make_invoice(session, reasons=[bank_unverified()])
    outcomes = _race(engine, inv.id, [("user:alice", None), ("user:alice", None)])
    assert outcomes == ["awaiting_approval", "second-approver-required"]


def test_second_approvers_at_once_complete_it_once(engine, session):
    inv = make_invoice(session, reasons=[bank_unverified()])
    review.approve(session, inv.id, actor="user:alice")
    session.commit()
    fresh(session)
    version = session.get(Invoice, inv.id).version
    outcomes = _race(engine, inv.id, [("user:bob", version), ("user:carol", version)])
    assert outcomes == ["approved", "stale-invoice"]
    fresh(session)
    steps = session.exec(select(InvoiceApproval.step).where(InvoiceApproval.invoice_id == inv.id)).all()
    assert sorted(s.value for s in steps) == ["first", "second"]
