"""Supplier bank accounts (BT-84) change only on two people's word: one proposes, another verifies.

A reviewer (from an invoice that was flagged ``BANK_ACCOUNT_UNVERIFIED``) or an ERP proposes adding
an IBAN to a supplier, or removing one, with a note. A *different* person with the right
``verify_bank_accounts`` verifies it, saying how (call-back to a number known from before, a signed
letter, the supplier portal), or rejects it. Only a verified addition becomes one of the
supplier's accounts that matching's bank check accepts; the caller then re-matches the supplier's
waiting invoices in the same unit of work (service.decisions.rematch.rematch_supplier).

Every step is a master-data event and stays in ``bank_account_changes``: the supplier's history.
Functions only flush; the proposal row is locked while it is decided, so two verifiers acting at
once cannot both decide it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from service.approvals.rights import Approver, Right
from service.errors import Conflict, InvalidInput, InvoiceNotFound, NotFound
from service.keys import same_person
from service.masterdata.common import record_event
from service.masterdata.identifiers import IdentifierError, check_iban
from service.models.approvals import (
    BankAccountAction,
    BankAccountChange,
    BankAccountChangeStatus,
    VerificationMethod,
)
from service.models.base import utcnow
from service.models.invoices import Invoice
from service.models.masterdata import MasterDataEventKind, Supplier, SupplierBankAccount

MAX_NOTE = 4000


class BankAccountChangeNotFound(NotFound):
    slug, title = "bank-account-change-not-found", "Bank-account change not found"


class VerifierMustDiffer(Conflict):
    slug, title = "verifier-must-differ", "A different person must verify or reject this change"


class BankAccountChangeDecided(Conflict):
    slug, title = "bank-account-change-decided", "The bank-account change was already decided"


class BankAccountUnchanged(Conflict):
    slug, title = "bank-account-unchanged", "The change would change nothing, or is already proposed"


def _note(text: str | None, field: str, *, required: bool = False) -> str | None:
    clean = (text or "").strip()
    if required and not clean:
        raise InvalidInput(f"{field} is required", errors=[{"loc": ["body", field], "msg": "required", "type": "missing"}])
    if len(clean) > MAX_NOTE:
        raise InvalidInput(f"{field} is too long", errors=[{"loc": ["body", field], "msg": f"at most {MAX_NOTE} characters",
                                                            "type": "string_too_long"}])
    return clean or None


def _verified(session: Session, supplier_id: uuid.UUID, iban: str) -> SupplierBankAccount | None:
    return session.execute(select(SupplierBankAccount).where(
        SupplierBankAccount.supplier_id == supplier_id, SupplierBankAccount.iban == iban)).scalars().first()


def propose(session: Session, supplier_id: uuid.UUID, *, iban: str, action: BankAccountAction, note: str | None,
            actor: str, invoice_id: uuid.UUID | None = None) -> BankAccountChange:
    """Record a proposed change (status ``proposed``); nothing changes for matching yet."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"no supplier {supplier_id}")
    try:
        number = check_iban(iban)
    except IdentifierError as exc:
        raise InvalidInput(str(exc), errors=[{"loc": ["body", "iban"], "msg": str(exc), "type": "value_error"}]) from None
    text = _note(note, "note", required=True)
    if invoice_id is not None:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None or invoice.organisation_id != supplier.organisation_id:
            # another organisation's invoice does not exist for this one (DESIGN.md "Organisations")
            raise InvoiceNotFound(f"no invoice {invoice_id}")
        if invoice.supplier_id != supplier_id:
            raise InvalidInput("the invoice is not one of this supplier's",
                               errors=[{"loc": ["body", "invoice_id"], "msg": "not this supplier's invoice",
                                        "type": "value_error"}])
    known = _verified(session, supplier_id, number) is not None
    if known == (action is BankAccountAction.add):
        raise BankAccountUnchanged(f"{number} is {'already' if known else 'not'} one of the supplier's verified accounts")
    open_one = session.execute(select(BankAccountChange.id).where(
        BankAccountChange.supplier_id == supplier_id, BankAccountChange.iban == number,
        BankAccountChange.status == BankAccountChangeStatus.proposed)).scalars().first()
    if open_one is not None:
        raise BankAccountUnchanged(f"a change of {number} is already proposed", change_id=str(open_one))
    change = BankAccountChange(supplier_id=supplier_id, iban=number, action=action, note=text,
                               invoice_id=invoice_id, proposed_by=actor)
    session.add(change)
    session.flush()
    record_event(session, MasterDataEventKind.bank_account_proposed, actor=actor, supplier_id=supplier_id,
                 data={"change_id": str(change.id), "iban": number, "action": action.value})
    return change


SYNC_NOTE = "ERP sync"


def propose_synced(session: Session, supplier_id: uuid.UUID, accounts: Iterable[tuple[str, str | None]], *,
                   actor: str) -> list[BankAccountChange]:
    """The ERP's (or an API caller's) list of the supplier's accounts, ``(iban, note)``, as proposals:
    an IBAN not yet verified is proposed for adding, a verified one missing from the list for
    removal; verified accounts stay verified and an IBAN with an open proposal is left to it.
    Nothing changes for matching until a different person verifies (``decide``)."""
    wanted = {check_iban(iban): note for iban, note in accounts}
    verified = set(session.execute(select(SupplierBankAccount.iban).where(
        SupplierBankAccount.supplier_id == supplier_id)).scalars())
    open_ibans = set(session.execute(select(BankAccountChange.iban).where(
        BankAccountChange.supplier_id == supplier_id,
        BankAccountChange.status == BankAccountChangeStatus.proposed)).scalars())
    made = []
    for iban, note in wanted.items():
        if iban not in verified and iban not in open_ibans:
            made.append(propose(session, supplier_id, iban=iban, action=BankAccountAction.add,
                                note=note or SYNC_NOTE, actor=actor))
    for iban in sorted(verified - set(wanted) - open_ibans):
        made.append(propose(session, supplier_id, iban=iban, action=BankAccountAction.remove,
                            note=f"{SYNC_NOTE}: no longer in the supplier's master data", actor=actor))
    return made


def decide(session: Session, change_id: uuid.UUID, *, approver: Approver, verify: bool,
           method: VerificationMethod | None = None, note: str | None = None) -> BankAccountChange:
    """Verify (with ``method``) or reject a proposed change, as someone other than its proposer."""
    change = session.execute(select(BankAccountChange).where(BankAccountChange.id == change_id)
                             .with_for_update()).scalars().first()
    if change is None:
        raise BankAccountChangeNotFound(f"no bank-account change {change_id}")
    approver.require(Right.verify_bank_accounts, "deciding a bank-account change")
    if change.status is not BankAccountChangeStatus.proposed:
        raise BankAccountChangeDecided(f"the change was already {change.status.value}", status=change.status.value,
                                       decided_by=change.decided_by)
    if same_person(session, change.proposed_by, approver.actor):  # a person's own key and account are one
        raise VerifierMustDiffer("you proposed this change; a different person must verify or reject it",
                                 proposed_by=change.proposed_by)
    if verify and method is None:
        raise InvalidInput("say how the account was verified",
                           errors=[{"loc": ["body", "method"], "msg": "required", "type": "missing"}])
    change.status = BankAccountChangeStatus.verified if verify else BankAccountChangeStatus.rejected
    change.decided_by, change.decided_at = approver.actor, utcnow()
    change.method, change.decision_note = (method if verify else None), _note(note, "note")
    session.add(change)
    if verify:
        _apply(session, change)
    record_event(session, MasterDataEventKind.bank_account_verified if verify else MasterDataEventKind.bank_account_rejected,
                 actor=approver.actor, supplier_id=change.supplier_id,
                 data={"change_id": str(change.id), "iban": change.iban, "action": change.action.value,
                       "method": change.method.value if change.method else None})
    session.flush()
    return change


def _apply(session: Session, change: BankAccountChange) -> None:
    supplier = session.get(Supplier, change.supplier_id, with_for_update=True)
    current = _verified(session, change.supplier_id, change.iban)
    if change.action is BankAccountAction.add and current is None:
        session.add(SupplierBankAccount(supplier_id=change.supplier_id, iban=change.iban))
    elif change.action is BankAccountAction.remove and current is not None:
        session.delete(current)
    supplier.version += 1
    supplier.updated_at = utcnow()
    session.add(supplier)
    session.flush()


def history(session: Session, supplier_id: uuid.UUID) -> list[BankAccountChange]:
    """Every proposed, verified and rejected change of the supplier's accounts, newest first."""
    return list(session.execute(select(BankAccountChange).where(BankAccountChange.supplier_id == supplier_id)
                                .order_by(BankAccountChange.proposed_at.desc(), BankAccountChange.id)).scalars())
