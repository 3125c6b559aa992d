"""Workspace: propose a supplier's new IBAN from an invoice; the supplier page with its verified
accounts and their history, where a different person verifies or rejects a proposal."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from service.approvals import bank_accounts
from service.approvals.rights import RightMissing, approver
from service.db import SessionDep
from service.decisions import rematch
from service.errors import InvalidInput, NotFound, ServiceError
from service.models.approvals import BankAccountAction, BankAccountChange, VerificationMethod
from service.models.masterdata import Supplier, SupplierBankAccount
from service.ui.i18n import Translator
from service.ui.routes import FormDep, Staff, _load, render
from service.ui.session import StaffSession, check_form

router = APIRouter(prefix="/ui", include_in_schema=False)

FLASH = {"proposed": "msg_iban_proposed", "verified": "msg_iban_verified", "rejected": "msg_iban_rejected"}
ERRORS = {"differ": "err_verifier_must_differ", "decided": "err_change_decided", "right": "err_right_missing",
          "invalid": "err_iban_invalid", "unchanged": "err_iban_unchanged", "csrf": "csrf_failed"}


def _error_key(exc: ServiceError) -> str:
    if isinstance(exc, bank_accounts.VerifierMustDiffer):
        return "differ"
    if isinstance(exc, bank_accounts.BankAccountChangeDecided):
        return "decided"
    if isinstance(exc, RightMissing):
        return "right"
    if isinstance(exc, bank_accounts.BankAccountUnchanged):
        return "unchanged"
    return "invalid"


def _approver_of(current: StaffSession):
    user = current.user
    return approver(current.actor, user.role.value, user.rights, user.approval_limit)


# Not under /ui/invoices/{id}/...: that path's second segment is the review action (service/ui/routes.py).
@router.post("/bank-account-changes")
def propose_from_invoice(request: Request, session: SessionDep, current: Staff, form: FormDep) -> Response:
    inv = _load(session, str(form.get("invoice_id", "") or ""), current)
    check_form(request, current, form, back=f"/ui/invoices/{inv.id}")
    if inv.supplier_id is None:
        raise NotFound("the invoice has no known supplier")
    iban = str(form.get("iban", "") or "")
    try:
        change = bank_accounts.propose(session, inv.supplier_id, iban=iban, action=BankAccountAction.add,
                                       note=str(form.get("note", "") or ""), actor=current.actor, invoice_id=inv.id)
    except (InvalidInput, bank_accounts.BankAccountUnchanged) as exc:
        session.rollback()
        return RedirectResponse(f"/ui/invoices/{inv.id}?{urlencode({'error': 'iban_' + _error_key(exc)})}#iban",
                                status_code=303)
    return RedirectResponse(f"/ui/suppliers/{inv.supplier_id}?{urlencode({'msg': 'proposed', 'ref': change.iban})}",
                            status_code=303)


@router.get("/suppliers/{supplier_id}")
def supplier_page(request: Request, supplier_id: str, session: SessionDep, current: Staff, msg: str = "",
                  ref: str = "", error: str = "") -> Response:
    t = Translator(current.user.language.value)
    supplier = _supplier(session, supplier_id, current)
    accounts = session.exec(select(SupplierBankAccount).where(SupplierBankAccount.supplier_id == supplier.id)
                            .order_by(SupplierBankAccount.iban)).all()
    return render(request, "supplier.html", t, supplier=supplier, accounts=accounts,
                  history=bank_accounts.history(session, supplier.id), methods=list(VerificationMethod),
                  flash=t(FLASH[msg], ref=ref) if msg in FLASH else "",
                  error=t(ERRORS[error]) if error in ERRORS else "")


@router.post("/bank-account-changes/{change_id}/{decision}")
def decide(request: Request, change_id: str, decision: str, session: SessionDep, current: Staff,
           form: FormDep) -> Response:
    if decision not in ("verify", "reject"):
        raise NotFound("no such action")
    try:
        cid = uuid.UUID(change_id)
    except ValueError:
        raise NotFound("no such change") from None
    supplier_id = str(form.get("supplier_id", "") or "")
    back = f"/ui/suppliers/{supplier_id}" if _is_uuid(supplier_id) else "/ui/queue"
    check_form(request, current, form, back=back)
    # another organisation's change does not exist for this person (not even to be refused)
    owner = session.exec(select(Supplier.organisation_id).join(
        BankAccountChange, BankAccountChange.supplier_id == Supplier.id).where(BankAccountChange.id == cid)).first()
    if owner != current.organisation_id:
        raise NotFound("no such change")
    raw_method = str(form.get("method", "") or "")
    method = VerificationMethod(raw_method) if raw_method in VerificationMethod.__members__ else None
    try:
        change = bank_accounts.decide(session, cid, approver=_approver_of(current), verify=decision == "verify",
                                      method=method, note=str(form.get("note", "") or ""))
        if decision == "verify":
            rematch.rematch_supplier(session, change.supplier_id)  # same unit of work, like the API
    except bank_accounts.BankAccountChangeNotFound:
        raise
    except ServiceError as exc:
        session.rollback()
        return RedirectResponse(f"{back}?{urlencode({'error': _error_key(exc)})}", status_code=303)
    done = "verified" if decision == "verify" else "rejected"
    return RedirectResponse(f"/ui/suppliers/{change.supplier_id}?{urlencode({'msg': done, 'ref': change.iban})}",
                            status_code=303)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _supplier(session: Session, supplier_id: str, current: StaffSession) -> Supplier:
    found = session.get(Supplier, uuid.UUID(supplier_id)) if _is_uuid(supplier_id) else None
    if found is None or found.organisation_id != current.organisation_id:  # another organisation's: none
        raise NotFound("no such supplier")
    return found
