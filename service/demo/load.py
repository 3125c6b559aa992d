"""Play the demo plan through the service's own code paths, as if ten weeks had passed.

Every step goes where the same event goes in production: suppliers, orders and receipts through
master data (checked like an API body) followed by the re-match the API routes call; invoices and
credit notes through ``intake.receive`` with the real validation engine and matching; staff
decisions through ``review``; the ERP's booking and payment through ``booking``. Only the clock
is set: each step runs at its planned moment (``clock_set_to``), so audit trails, the change feed
and the dashboard show ten weeks of history. Everything happens in the caller's unit of work.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from service import generations
from service.api.deps import Principal
from service.approvals import bank_accounts
from service.approvals.rights import ROLE_DEFAULTS, Approver
from service.booking import book, pay
from service.decisions import rematch
from service.demo.plan import STAFF, DocumentPlan, OrderPlan, Plan
from service.demo.world import BUYER_OIN, Supplier
from service.intake.receive import receive
from service.keys import create_key
from service.masterdata.orders import check_order, save_order, set_status
from service.masterdata.receipts import check_receipt, record_receipt
from service.masterdata.suppliers import create_supplier, parse_supplier
from service.models.approvals import VerificationMethod
from service.models.base import clock_set_to
from service.models.invoices import Invoice, InvoiceStatus
from service.models.keys import Role
from service.models.masterdata import GoodsReceipt, OrderStatus, PurchaseOrder
from service.models.masterdata import Supplier as SupplierRow
from service.models.organisations import DEFAULT_ORGANISATION_ID, OrganisationIdentifier
from service.models.workspace import Language, StaffRole
from service.organisations.directory import identifier_key
from service.organisations.staff import join_organisations
from service.organisations.store import any_identifiers, load_directory, only_organisation
from service.review import approve, hold, reject
from service.ui.accounts import create_user, find_user

DEMO_USER = "demo"
STAFF_NAMES = {"anna.devries": "Anna de Vries", "piet.jansen": "Piet Jansen", "fatima.elamrani": "Fatima El Amrani"}


class NotEmpty(Exception):
    """The database already holds business data; the demo loads only into an empty one."""


@dataclass
class Loaded:
    suppliers: int = 0
    orders: int = 0
    receipts: int = 0
    documents: int = 0
    password: str | None = None  # the demo user's, when this run created it
    statuses: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)  # reason codes of invoices waiting for a person


def validation_engine(settings: Any) -> tuple[Any, list[str]]:
    """(engine, problems): the real engine over the installed artefacts, Peppol scenario only.

    Every demo document is Peppol BIS Billing 3.0, so compiling the other scenarios' rule sets
    would only cost time (about two thirds of the start-up).
    """
    from service.validation.engine import ArtefactsMissing
    from service.validation_setup import build_engine

    try:
        engine = build_engine(settings.model_copy(update={"accepted_scenarios": ["peppol-bis-billing-3"]}))
    except ArtefactsMissing as exc:
        return None, list(exc.problems)
    problems = engine.warm(settle=False)
    return (None, problems) if problems else (engine, [])


def existing_data(session: Session) -> dict[str, int]:
    """Business data already in the database (keys and staff accounts do not count)."""
    counts = {
        "invoices": session.exec(select(func.count()).select_from(Invoice)).one(),
        "suppliers": session.exec(select(func.count()).select_from(SupplierRow)).one(),
        "purchase orders": session.exec(select(func.count()).select_from(PurchaseOrder)).one(),
        "goods receipts": session.exec(select(func.count()).select_from(GoodsReceipt)).one(),
    }
    return {name: n for name, n in counts.items() if n}


def load(session: Session, plan: Plan, *, validation: Any, codelists: Any,
         on_step: Callable[[], None] = lambda: None, organisation_id: uuid.UUID | None = None) -> Loaded:
    """Load ``plan`` into ``organisation_id`` (default: the instance's only organisation)."""
    if found := existing_data(session):
        raise NotEmpty(", ".join(f"{n} {name}" for name, n in found.items()))
    organisation_id = organisation_id or only_organisation(session) or DEFAULT_ORGANISATION_ID
    if any_identifiers(session) or organisation_id != DEFAULT_ORGANISATION_ID:
        _owns_demo_buyer(session, organisation_id)
    run = _Run(session, validation, codelists, organisation_id)
    with clock_set_to(plan.steps[0].at):
        run.accounts()
    for step in plan.steps:
        with clock_set_to(step.at):
            getattr(run, step.kind)(step.data)
        on_step()
    return run.summary()


def _owns_demo_buyer(session: Session, organisation_id: uuid.UUID) -> None:
    """Once organisations have identifiers, invoices go to the one that owns their buyer's: the
    demo's organisation gets the demo municipality's OIN (unless another organisation has it)."""
    ident = identifier_key("0190", BUYER_OIN)
    owner = load_directory(session).by_key.get(ident)
    if owner == organisation_id:
        return
    if owner is not None:
        raise DemoBuyerTaken(f"the demo buyer's OIN {BUYER_OIN} belongs to organisation {owner}: "
                             "load the demo into that one (--organisation)")
    session.add(OrganisationIdentifier(organisation_id=organisation_id, scheme="0190", value=BUYER_OIN))
    session.flush()
    generations.forget(session)


class DemoBuyerTaken(Exception):
    """The demo municipality's identifier belongs to another organisation than the one named."""


class _Run:
    def __init__(self, session: Session, validation: Any, codelists: Any,
                 organisation_id: uuid.UUID = DEFAULT_ORGANISATION_ID) -> None:
        self.session, self.validation, self.codelists = session, validation, codelists
        self.organisation_id = organisation_id
        self.loaded = Loaded()
        self.supplier_ids: dict[str, uuid.UUID] = {}
        self.invoice_ids: dict[int, uuid.UUID] = {}  # id(DocumentPlan) -> invoice
        self.erp_numbers = 0

    def accounts(self) -> None:
        """The access point's and the ERP's keys, and the staff who review (audit trails name them)."""
        gateway, _ = create_key(self.session, role=Role.gateway, name="Demo: Peppol access point")
        erp, _ = create_key(self.session, role=Role.erp, name="Demo: ERP", organisation_id=self.organisation_id)
        self.gateway = Principal(role=Role.gateway, actor=f"key:{gateway.prefix}", key_id=gateway.id,
                                 name=gateway.name)
        self.erp = f"key:{erp.prefix}"
        for username, display in STAFF_NAMES.items():
            if find_user(self.session, username) is None:
                create_user(self.session, username=username, password=secrets.token_urlsafe(18),
                            role=StaffRole.reviewer, display_name=display, language=Language.nl)
        if find_user(self.session, DEMO_USER) is None:
            self.loaded.password = secrets.token_urlsafe(12)
            create_user(self.session, username=DEMO_USER, password=self.loaded.password, role=StaffRole.admin,
                        display_name="Demo", language=Language.nl)
        for username in [*STAFF_NAMES, DEMO_USER]:  # they work for the demo's organisation
            join_organisations(self.session, find_user(self.session, username).id, [str(self.organisation_id)])

    # --- master data (ERP) -------------------------------------------------------------------------

    def supplier(self, supplier: Supplier) -> None:
        data = parse_supplier(supplier.master_data(), self.codelists)
        row = create_supplier(self.session, data, actor=self.erp, organisation_id=self.organisation_id)
        # the ERP's accounts are proposals; the demo admin verifies them, as a second person would
        verifier = Approver(actor=f"user:{DEMO_USER}", rights=ROLE_DEFAULTS["admin"])
        for change in bank_accounts.propose_synced(self.session, row.id, [(b.iban, b.note) for b in data.bank_accounts],
                                                   actor=self.erp):
            bank_accounts.decide(self.session, change.id, approver=verifier, verify=True,
                                 method=VerificationMethod.callback,
                                 note="Demo: called back on the number in the contract")
        rematch.rematch_supplier(self.session, row.id)
        self.supplier_ids[supplier.key] = row.id
        self.loaded.suppliers += 1

    def order(self, order: OrderPlan) -> None:
        data = check_order(self.session, order.master_data(str(self.supplier_ids[order.supplier.key])),
                           self.codelists)
        saved, _ = save_order(self.session, data, actor=self.erp, replace=False)
        rematch.rematch_order(self.session, saved.number)
        self.loaded.orders += 1

    def receipt(self, receipt: tuple[OrderPlan, dict[str, Any], str]) -> None:
        order, quantities, suffix = receipt
        raw = {"receipt_id": f"GR-{order.number.rsplit('/', 1)[-1]}-{suffix}", "po_number": order.number,
               "date": _today(), "lines": [{"po_line_id": k, "quantity": str(q)} for k, q in quantities.items()]}
        data, row = check_receipt(self.session, raw, self.codelists)
        record_receipt(self.session, data, row, actor=self.erp)
        rematch.rematch_order(self.session, order.number)
        self.loaded.receipts += 1

    def close(self, order: OrderPlan) -> None:
        _, changed = set_status(self.session, order.number, OrderStatus.closed, actor=self.erp)
        if changed:
            rematch.rematch_order(self.session, order.number)

    # --- documents (suppliers, through their access point) ------------------------------------------

    def document(self, planned: DocumentPlan) -> None:
        received = receive(self.session, planned.xml, self.gateway, validation=self.validation)
        self.invoice_ids[id(planned)] = received.invoice.id
        self.loaded.documents += 1

    # --- people and the ERP ---------------------------------------------------------------------------

    def review(self, decision: tuple[DocumentPlan, str, str, str]) -> None:
        planned, action, username, text = decision
        invoice = self._invoice(planned)
        if invoice is None or invoice.status is not InvoiceStatus.needs_review:
            return  # decided meanwhile (a receipt arrived and the invoice was approved by re-match)
        actor = f"user:{username}"
        if action == "approve":
            approve(self.session, invoice.id, actor=actor, comment=text)
        elif action == "reject":
            reject(self.session, invoice.id, actor=actor, reason=text)
        else:
            hold(self.session, invoice.id, actor=actor, comment=text)

    def book(self, planned: DocumentPlan) -> None:
        invoice = self._invoice(planned)
        if invoice is not None and invoice.status is InvoiceStatus.approved:
            self.erp_numbers += 1
            book(self.session, invoice.id, erp_document_number=f"INK-{self.erp_numbers:06d}", actor=self.erp)

    def pay(self, planned: DocumentPlan) -> None:
        invoice = self._invoice(planned)
        if invoice is not None and invoice.status is InvoiceStatus.booked and not planned.document.credit_note:
            pay(self.session, invoice.id, payment_date=_date(), amount=planned.document.totals()["payable"],
                actor=self.erp)

    def _invoice(self, planned: DocumentPlan) -> Invoice | None:
        key = self.invoice_ids.get(id(planned))
        return self.session.get(Invoice, key) if key else None

    def summary(self) -> Loaded:
        self.session.flush()
        for invoice in self.session.exec(select(Invoice)):
            self.loaded.statuses[invoice.status.value] += 1
            if invoice.status in (InvoiceStatus.needs_review, InvoiceStatus.on_hold):
                for code in {r.code.value for r in invoice.reasons}:
                    self.loaded.reasons[code] += 1
        return self.loaded


def _date():
    from service.models.base import utcnow

    return utcnow().date()


def _today() -> str:
    return _date().isoformat()


__all__ = ["DEMO_USER", "STAFF", "Loaded", "NotEmpty", "existing_data", "load", "validation_engine"]
