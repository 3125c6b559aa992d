"""Supplier master data: /v1/suppliers (owned by the master data area)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from service.api.deps import ErpPrincipal, Principal, require
from service.approvals import bank_accounts
from service.db import SessionDep
from service.decisions import rematch
from service.errors import (
    InvalidInput,
    NotReady,
    PayloadTooLarge,
    UnsupportedMediaType,
    problem_responses,
)
from service.masterdata.common import (
    IdentifierTaken,
    InvalidCursor,
    SupplierNotFound,
    parse_json,
)
from service.masterdata.http import Context, JsonBody, request_body
from service.masterdata.payloads import (
    SupplierIn,
    SupplierList,
    SupplierOut,
    inline_schema,
)
from service.masterdata.suppliers import (
    create_supplier,
    get_supplier,
    list_suppliers,
    parse_supplier,
    replace_supplier,
    supplier_out,
)
from service.models.keys import Role
from service.api.organisation_scope import ActingOrganisation

router = APIRouter(prefix="/suppliers", tags=["suppliers"])

# Bank accounts the ERP sends are proposals: a different person with the right verify_bank_accounts
# verifies them (service/approvals/bank_accounts.py); `pending_bank_accounts` shows them until then.
_ACCOUNTS_NOTE = (" Bank accounts (BT-84) are never set by this call alone: a new IBAN in the body is proposed "
                  "for adding (note: the account's `note`, default 'ERP sync'), a verified one missing from it "
                  "for removal; a different person with the right verify_bank_accounts verifies or rejects the "
                  "proposal (POST /v1/bank-account-changes/{id}/verify). `bank_accounts` lists the verified "
                  "accounts, `pending_bank_accounts` the open proposals.")


def _accounts(data: SupplierIn) -> list[tuple[str, str | None]]:
    return [(b.iban, b.note) for b in data.bank_accounts]

MasterDataReader = Annotated[Principal, Depends(require(Role.erp, Role.reviewer))]
_BODY = request_body(inline_schema(SupplierIn))
_WRITE_ERRORS = (InvalidInput, IdentifierTaken, UnsupportedMediaType, PayloadTooLarge, NotReady)


@router.post(
    "", operation_id="suppliers-create", status_code=status.HTTP_201_CREATED, summary="Register a supplier",
    description="Name (BT-27), identifiers (0106 KvK, 0190 OIN, 0088 GLN, VAT: BT-29/30/31, each checked), "
    "electronic address (BT-34), known bank accounts (BT-84 IBAN, checked) and matching-policy overrides. "
    "An invalid body is a 422 listing every field error; an electronic address or legal identifier "
    "that belongs to another supplier is a 409." + _ACCOUNTS_NOTE,
    openapi_extra=_BODY, responses=problem_responses(*_WRITE_ERRORS),
)
def create(session: SessionDep, principal: ErpPrincipal, body: JsonBody, ctx: Context, response: Response,
           organisation: ActingOrganisation) -> SupplierOut:
    data = parse_supplier(parse_json(body.data), ctx.codelists)
    supplier = create_supplier(session, data, actor=principal.actor, organisation_id=organisation)
    bank_accounts.propose_synced(session, supplier.id, _accounts(data), actor=principal.actor)
    rematch.rematch_supplier(session, supplier.id)
    response.headers["Location"] = f"/v1/suppliers/{supplier.id}"
    return supplier_out(session, [supplier])[0]


@router.get(
    "", operation_id="suppliers-list", summary="List suppliers",
    description="Oldest first, cursor-paginated. `identifier` finds the supplier with an identifier or "
    "electronic address (`0106:12345678`, `VAT:NL123456789B01`, or a bare value).",
    responses=problem_responses(InvalidCursor),
)
def list_(
    session: SessionDep, principal: MasterDataReader,
    cursor: Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    identifier: Annotated[str | None, Query(max_length=120, description="scheme:value or value.")] = None,
) -> SupplierList:
    rows, next_cursor = list_suppliers(session, cursor=cursor, limit=limit, identifier=identifier,
                                       organisation_id=principal.organisation_id)
    return SupplierList(data=supplier_out(session, rows), next_cursor=next_cursor)


@router.get("/{supplier_id}", operation_id="suppliers-get", summary="Read a supplier",
            responses=problem_responses(SupplierNotFound))
def get(supplier_id: uuid.UUID, session: SessionDep, _: MasterDataReader) -> SupplierOut:
    return supplier_out(session, [get_supplier(session, supplier_id)])[0]


@router.put(
    "/{supplier_id}", operation_id="suppliers-replace", summary="Replace a supplier's master data",
    description="The body replaces name, identifiers, electronic address, bank accounts and policy. "
    "The supplier's `version` goes up when anything changed." + _ACCOUNTS_NOTE,
    openapi_extra=_BODY, responses=problem_responses(SupplierNotFound, *_WRITE_ERRORS),
)
def replace(supplier_id: uuid.UUID, session: SessionDep, principal: ErpPrincipal, body: JsonBody,
            ctx: Context) -> SupplierOut:
    get_supplier(session, supplier_id)  # 404 before 422
    data = parse_supplier(parse_json(body.data), ctx.codelists)
    supplier, changed = replace_supplier(session, supplier_id, data, actor=principal.actor)
    bank_accounts.propose_synced(session, supplier.id, _accounts(data), actor=principal.actor)
    if changed:
        rematch.rematch_supplier(session, supplier.id)
    return supplier_out(session, [supplier])[0]
