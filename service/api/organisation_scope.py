"""Which organisation's data a caller sees: a key or person never sees another organisation's
data, and what it cannot see does not exist for it (404, never 403: DESIGN.md "Organisations").

- ``organisation_guard`` runs for every /v1 route (api/__init__.py): an invoice, supplier,
  purchase order or webhook subscription named in the path that belongs to another organisation
  answers exactly as one that does not exist.
- Lists filter with ``Principal.organisation_id`` themselves.
- ``ActingOrganisation`` is the organisation a write goes to: the caller's own; for an instance-wide
  key (admin, gateway) the one named with ``?organisation=``, or the only one there is.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlmodel import Session

from service.api import offload
from service.api.deps import Principal, get_principal
from service.db import reading
from service.errors import InvalidInput, InvoiceNotFound, NotFound
from service.models.approvals import BankAccountChange
from service.models.erp import WebhookSubscription
from service.models.handovers import Handover
from service.models.keys import ApiKey
from service.models.invoices import Invoice
from service.models.masterdata import GoodsReceipt, PurchaseOrder, Supplier
from service.models.matching import StandingOrderRule
from service.models.organisations import Organisation, StaffMembership

__all__ = ["ActingOrganisation", "acting_organisation", "organisation_guard", "sees"]


def sees(principal: Principal, organisation_id: uuid.UUID | None) -> bool:
    """Whether ``principal`` may see data of ``organisation_id`` (None: no organisation's)."""
    return principal.organisation_id is None or principal.organisation_id == organisation_id


def _uuid(text: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def _not_found(kind: str, name: str) -> Exception:
    from service.api.decisions import StandingOrderNotFound
    from service.handovers.store import HandoverNotFound
    from service.approvals.bank_accounts import BankAccountChangeNotFound
    from service.erp.webhooks import SubscriptionNotFound
    from service.masterdata.common import OrderNotFound, ReceiptNotFound, SupplierNotFound
    from service.organisations.store import OrganisationNotFound

    # the same classes and words as the routes' own "does not exist"
    return {"invoice": lambda: InvoiceNotFound(f"no invoice {name}"),
            "supplier": lambda: SupplierNotFound(f"no supplier with id {name}"),
            "order": lambda: OrderNotFound(f"no purchase order {name}"),
            "receipt": lambda: ReceiptNotFound(f"no goods receipt {name}"),
            "standing_order": lambda: StandingOrderNotFound(f"no standing order {name}"),
            "bank_account_change": lambda: BankAccountChangeNotFound(f"no bank-account change {name}"),
            "organisation": lambda: OrganisationNotFound(f"no organisation {name}"),
            "key": lambda: NotFound(f"no API key {name}"),
            "webhook": lambda: SubscriptionNotFound(f"no webhook subscription {name}"),
            "handover": lambda: HandoverNotFound(f"no hand-over {name}")}[kind]()


async def organisation_guard(request: Request, principal: Annotated[Principal, Depends(get_principal)]) -> None:
    """404 for a resource in the path that belongs to another organisation than the caller's.

    async, so a request with nothing to check (an instance-wide key, a path without ids: every
    POST /v1/invoices) costs no trip through the thread pool; the look-ups run in the pool."""
    if principal.organisation_id is None or not request.path_params:
        return
    await offload.in_thread(_check_organisation, request, principal)


def _check_organisation(request: Request, principal: Principal) -> None:
    params = request.path_params
    checks = []
    if "invoice_id" in params and (invoice_id := _uuid(params["invoice_id"])) is not None:
        checks.append(("invoice", params["invoice_id"],
                       select(Invoice.organisation_id, Invoice.received_by).where(Invoice.id == invoice_id)))
    if "supplier_id" in params and (supplier_id := _uuid(params["supplier_id"])) is not None:
        checks.append(("supplier", params["supplier_id"],
                       select(Supplier.organisation_id).where(Supplier.id == supplier_id)))
    if "number" in params and request.url.path.startswith("/v1/purchase-orders/"):
        checks.append(("order", params["number"],
                       select(PurchaseOrder.organisation_id).where(PurchaseOrder.number == params["number"])))
    if "receipt_id" in params and request.url.path.startswith("/v1/goods-receipts/"):
        checks.append(("receipt", params["receipt_id"],
                       select(GoodsReceipt.organisation_id).where(GoodsReceipt.receipt_id == params["receipt_id"])))
    if "rule_id" in params and (rule_id := _uuid(params["rule_id"])) is not None:  # standing orders: the supplier's
        checks.append(("standing_order", params["rule_id"], select(Supplier.organisation_id).join(
            StandingOrderRule, StandingOrderRule.supplier_id == Supplier.id).where(StandingOrderRule.id == rule_id)))
    if "organisation_id" in params and request.url.path.startswith("/v1/organisations/") \
            and (org_id := _uuid(params["organisation_id"])) is not None:
        checks.append(("organisation", params["organisation_id"],
                       select(Organisation.id).where(Organisation.id == org_id)))
    if "change_id" in params and (change_id := _uuid(params["change_id"])) is not None:  # bank accounts
        checks.append(("bank_account_change", params["change_id"], select(Supplier.organisation_id).join(
            BankAccountChange, BankAccountChange.supplier_id == Supplier.id).where(BankAccountChange.id == change_id)))
    if "key_id" in params and request.url.path.startswith("/v1/keys/"):  # an id or a prefix
        key_id = _uuid(params["key_id"])
        checks.append(("key", params["key_id"], select(ApiKey.organisation_id).where(
            ApiKey.id == key_id if key_id is not None else ApiKey.prefix == params["key_id"])))
    if "subscription_id" in params and (sub_id := _uuid(params["subscription_id"])) is not None:
        checks.append(("webhook", params["subscription_id"],
                       select(WebhookSubscription.organisation_id).where(WebhookSubscription.id == sub_id)))
    if "handover_id" in params and (handover_id := _uuid(params["handover_id"])) is not None:
        checks.append(("handover", params["handover_id"],
                       select(Handover.organisation_id).where(Handover.id == handover_id)))
    if "user_id" in params and request.url.path.startswith("/v1/staff/"):  # an id or a username
        _check_staff_member(request, principal, str(params["user_id"]))
    if not checks:
        return
    with Session(reading(request.app.state.engine)) as session:
        for kind, name, query in checks:
            row = session.execute(query).first()
            if row is None:
                continue  # the route answers its own 404
            if row[0] != principal.organisation_id and not (kind == "invoice" and row[1] == principal.actor):
                raise _not_found(kind, name)


def _check_staff_member(request: Request, principal: Principal, name: str) -> None:
    """A person who does not work for the caller's organisation does not exist for it (404)."""
    from service.models.workspace import StaffUser

    user_id = _uuid(name)
    with Session(reading(request.app.state.engine)) as session:
        user = session.execute(select(StaffUser.id).where(
            StaffUser.id == user_id if user_id is not None else StaffUser.username == name.strip().lower())).first()
        if user is None:
            return  # the route answers its own 404
        member = session.execute(select(StaffMembership.user_id).where(
            StaffMembership.user_id == user[0], StaffMembership.organisation_id == principal.organisation_id)).first()
    if member is None:
        raise NotFound(f"no staff user {name}")


def acting_organisation(
    request: Request,
    principal: Annotated[Principal, Depends(get_principal)],
    organisation: Annotated[uuid.UUID | None, Query(
        description="The organisation to act for. Only for instance-wide keys (admin, gateway) on an instance "
                    "with several organisations; other keys act for their own.")] = None,
) -> uuid.UUID:
    if principal.organisation_id is not None:
        if organisation is not None and organisation != principal.organisation_id:
            raise InvalidInput("this key acts for its own organisation only", errors=[
                {"loc": ["query", "organisation"], "msg": "not this key's organisation", "type": "value_error"}])
        return principal.organisation_id
    with Session(reading(request.app.state.engine)) as session:
        if organisation is not None:
            if session.get(Organisation, organisation) is None:
                raise InvalidInput(f"no organisation {organisation}", errors=[
                    {"loc": ["query", "organisation"], "msg": "unknown organisation", "type": "value_error"}])
            return organisation
        ids = session.execute(select(Organisation.id).limit(2)).scalars().all()
    if len(ids) == 1:
        return ids[0]
    raise InvalidInput("this instance has several organisations: name one with ?organisation=ID", errors=[
        {"loc": ["query", "organisation"], "msg": "required on an instance with several organisations",
         "type": "missing"}])


ActingOrganisation = Annotated[uuid.UUID, Depends(acting_organisation)]
