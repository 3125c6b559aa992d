"""Two people deciding the same bank-account proposal at the same moment: one decides it, the other
gets 409 bank-account-change-decided (the proposal row is locked on PostgreSQL; SQLite's write lock
serialises). The supplier ends with exactly one verified account row."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from service.approvals import bank_accounts
from service.approvals.rights import Approver, Right
from service.models.approvals import BankAccountAction, BankAccountChange, VerificationMethod
from service.models.masterdata import Supplier, SupplierBankAccount
from tests.approvals.test_bank_accounts import NEW_IBAN
from tests.approvals.test_four_eyes_api import fresh

VERIFIER = frozenset({Right.verify_bank_accounts})


@pytest.mark.parametrize("round_", range(2))
def test_two_verifiers_at_once_decide_once(engine, session, round_):
    supplier = Supplier(name="Kantoor B.V.")
    session.add(supplier)
    session.flush()
    change = bank_accounts.propose(session, supplier.id, iban=NEW_IBAN, action=BankAccountAction.add,
                                   note="nieuwe bank", actor="user:anna")
    session.commit()
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(actor: str, verify: bool) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                barrier.wait()
                try:
                    decided = bank_accounts.decide(s, change.id, approver=Approver(actor, VERIFIER), verify=verify,
                                                   method=VerificationMethod.callback if verify else None)
                    s.commit()
                    outcomes.append(decided.status.value)
                except bank_accounts.BankAccountChangeDecided as exc:
                    s.rollback()
                    outcomes.append(exc.slug)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=("user:bert", True)),
               threading.Thread(target=worker, args=("user:carla", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(outcomes) == 2 and "bank-account-change-decided" in outcomes
    fresh(session)
    stored = session.get(BankAccountChange, change.id)
    winner = next(o for o in outcomes if o != "bank-account-change-decided")
    assert stored.status.value == winner
    accounts = session.exec(select(SupplierBankAccount).where(SupplierBankAccount.supplier_id == supplier.id)).all()
    assert [a.iban for a in accounts] == ([NEW_IBAN] if winner == "verified" else [])
