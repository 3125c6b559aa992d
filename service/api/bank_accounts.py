"""Supplier bank-account changes: proposed by one person, verified or rejected by another."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, Field

from service.api.deps import Principal, require
from service.approvals import bank_accounts
from service.approvals.rights import RightMissing, approver
from service.db import SessionDep
from service.decisions import rematch
from service.errors import InvalidInput, InvoiceNotFound, NotFound, problem_responses
from service.models.approvals import BankAccountAction, BankAccountChange, VerificationMethod
from service.models.keys import Role

router = APIRouter(tags=["bank accounts"])

# Reviewers propose from an invoice, the ERP from its own records; deciding also needs the right
# verify_bank_accounts (service/approvals/rights.py).
MasterDataStaff = Annotated[Principal, Depends(require(Role.reviewer, Role.erp))]

_DECIDE_ERRORS = problem_responses(bank_accounts.BankAccountChangeNotFound, RightMissing,
                                   bank_accounts.VerifierMustDiffer, bank_accounts.BankAccountChangeDecided,
                                   InvalidInput)


class ChangeProposal(BaseModel):
    iban: str = Field(min_length=1, max_length=64, description="BT-84 Payment account identifier (IBAN)")
    action: BankAccountAction = Field(BankAccountAction.add, description="add (a new account) or remove")
    note: str = Field(min_length=1, max_length=bank_accounts.MAX_NOTE,
                      description="Where the account comes from (e.g. 'invoice F-1023, new bank per letter of 3 Nov')")
    invoice_id: uuid.UUID | None = Field(None, description="The supplier's invoice the IBAN was seen on")


class Verification(BaseModel):
    method: VerificationMethod = Field(description="callback (to a number known from before), signed_letter or portal")
    note: str | None = Field(None, max_length=bank_accounts.MAX_NOTE, description="e.g. who was called, when")


class Rejection(BaseModel):
    note: str | None = Field(None, max_length=bank_accounts.MAX_NOTE, description="Why the change is refused")


class BankAccountChangeOut(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    iban: str
    action: BankAccountAction
    status: str = Field(description="proposed, verified or rejected")
    note: str | None
    invoice_id: uuid.UUID | None
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    method: VerificationMethod | None
    decision_note: str | None
    rematched_approved: list[uuid.UUID] = Field(
        default_factory=list, description="On verification: the waiting invoices the re-match approved now")


class BankAccountChangeList(BaseModel):
    data: list[BankAccountChangeOut]
    next_cursor: str | None = None


def _out(change: BankAccountChange, approved: list[uuid.UUID] | None = None) -> BankAccountChangeOut:
    return BankAccountChangeOut(
        id=change.id, supplier_id=change.supplier_id, iban=change.iban, action=change.action,
        status=change.status.value, note=change.note, invoice_id=change.invoice_id, proposed_by=change.proposed_by,
        proposed_at=change.proposed_at, decided_by=change.decided_by, decided_at=change.decided_at,
        method=change.method, decision_note=change.decision_note, rematched_approved=approved or [])


@router.post("/suppliers/{supplier_id}/bank-account-changes", operation_id="bank-accounts-propose", status_code=201,
             summary="Propose adding or removing a supplier bank account", response_model=BankAccountChangeOut,
             responses=problem_responses(NotFound, InvoiceNotFound, bank_accounts.BankAccountUnchanged, InvalidInput))
def propose(supplier_id: uuid.UUID, body: ChangeProposal, session: SessionDep, principal: MasterDataStaff,
            response: Response) -> BankAccountChangeOut:
    """Propose adding or removing a supplier bank account; a different person verifies it."""
    change = bank_accounts.propose(session, supplier_id, iban=body.iban, action=body.action, note=body.note,
                                   actor=principal.actor, invoice_id=body.invoice_id)
    response.headers["Location"] = f"/v1/bank-account-changes/{change.id}"
    return _out(change)


@router.get("/suppliers/{supplier_id}/bank-account-changes", operation_id="bank-accounts-history",
            summary="The history of a supplier's bank-account changes", response_model=BankAccountChangeList)
def history(supplier_id: uuid.UUID, session: SessionDep, principal: MasterDataStaff) -> BankAccountChangeList:
    """Every proposed, verified and rejected change of the supplier's bank accounts, newest first."""
    return BankAccountChangeList(data=[_out(c) for c in bank_accounts.history(session, supplier_id)])


@router.post("/bank-account-changes/{change_id}/verify", operation_id="bank-accounts-verify",
             summary="Verify a proposed bank-account change (a different person)", response_model=BankAccountChangeOut,
             responses=_DECIDE_ERRORS)
def verify(change_id: uuid.UUID, body: Verification, session: SessionDep,
           principal: MasterDataStaff) -> BankAccountChangeOut:
    """Verify a proposed change, saying how; the supplier's waiting invoices are matched again."""
    change = bank_accounts.decide(session, change_id, verify=True, method=body.method, note=body.note,
                                  approver=approver(principal.actor, principal.role.value, principal.rights,
                                                    principal.approval_limit))
    return _out(change, rematch.rematch_supplier(session, change.supplier_id))


@router.post("/bank-account-changes/{change_id}/reject", operation_id="bank-accounts-reject",
             summary="Reject a proposed bank-account change (a different person)", response_model=BankAccountChangeOut,
             responses=_DECIDE_ERRORS)
def reject(change_id: uuid.UUID, session: SessionDep, principal: MasterDataStaff,
           body: Rejection | None = Body(None)) -> BankAccountChangeOut:
    """Reject a proposed change; nothing changes for matching."""
    change = bank_accounts.decide(session, change_id, verify=False, note=(body or Rejection()).note,
                                  approver=approver(principal.actor, principal.role.value, principal.rights,
                                                    principal.approval_limit))
    return _out(change)
