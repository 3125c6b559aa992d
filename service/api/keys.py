"""API keys (admin): create, list, revoke. The clear key is returned once, at creation."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from service.api.deps import Admin
from service.db import SessionDep
from service.errors import InvalidInput, NotFound, problem_responses
from service.keys import create_key, list_keys, revoke_key
from service.models.keys import ApiKey, Role
from service.api.organisation_scope import sees
from service.organisations.store import OrganisationNotFound

router = APIRouter(prefix="/keys", tags=["keys"])


class KeyCreate(BaseModel):
    role: Role
    supplier_id: uuid.UUID | None = Field(None, description="Required for, and only for, role supplier.")
    name: str = Field("", max_length=200, description="Who or what uses the key.")
    organisation_id: uuid.UUID | None = Field(
        None, description="The organisation whose data the key sees. Default: a supplier key its supplier's, an erp "
        "or reviewer key the instance's only organisation (required when there are several), an admin or gateway "
        "key every organisation. A key of an organisation-bound admin always gets that admin's organisation.")
    owner: str | None = Field(None, max_length=100, description="The staff user (id or username) whose own key "
                              "this is: four eyes then count the key and the person's workspace account as one "
                              "person. An organisation's key: one of its staff.")


class KeyPublic(BaseModel):
    id: uuid.UUID
    prefix: str
    name: str
    role: Role
    supplier_id: uuid.UUID | None
    organisation_id: uuid.UUID | None = Field(description="null: the key sees every organisation")
    owner_id: uuid.UUID | None = Field(None, description="The staff user whose own key this is (null: none)")
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> KeyPublic:
        return cls.model_validate(row, from_attributes=True)


class KeyCreated(KeyPublic):
    key: str = Field(description="The API key. Shown only in this response; store it now.")


class KeyList(BaseModel):
    data: list[KeyPublic]
    next_cursor: str | None = None


@router.post("", operation_id="keys-create", status_code=status.HTTP_201_CREATED,
             summary="Create an API key", responses=problem_responses(InvalidInput))
def create(body: KeyCreate, session: SessionDep, principal: Admin) -> KeyCreated:
    organisation_id = principal.organisation_id or body.organisation_id
    try:
        if body.supplier_id is not None and not sees(principal, _supplier_organisation(session, body.supplier_id)):
            raise ValueError(f"no supplier {body.supplier_id}")
        row, clear = create_key(session, role=body.role, supplier_id=body.supplier_id, name=body.name,
                                organisation_id=organisation_id, owner=body.owner)
    except OrganisationNotFound as exc:
        raise InvalidInput(str(exc), errors=[{"loc": ["body", "organisation_id"], "msg": str(exc),
                                              "type": "value_error"}]) from exc
    except ValueError as exc:
        field = ("owner" if "own the key" in str(exc) else
                 "organisation_id" if "organisation" in str(exc) else "supplier_id")
        raise InvalidInput(str(exc), errors=[{"loc": ["body", field], "msg": str(exc),
                                              "type": "value_error"}]) from exc
    return KeyCreated(**KeyPublic.of(row).model_dump(), key=clear)


@router.get("", operation_id="keys-list", summary="List API keys (without secrets)")
def list_(session: SessionDep, principal: Admin) -> KeyList:
    return KeyList(data=[KeyPublic.of(k) for k in list_keys(session) if sees(principal, k.organisation_id)])


@router.delete("/{key_id}", operation_id="keys-revoke", summary="Revoke an API key",
               responses=problem_responses(NotFound))
def revoke(key_id: uuid.UUID, session: SessionDep, principal: Admin) -> KeyPublic:
    row = session.get(ApiKey, key_id)
    if row is None or not sees(principal, row.organisation_id):
        raise NotFound(f"no API key {key_id}")
    return KeyPublic.of(revoke_key(session, str(key_id)))


def _supplier_organisation(session, supplier_id: uuid.UUID) -> uuid.UUID | None:
    from service.models.masterdata import Supplier

    supplier = session.get(Supplier, supplier_id)
    return supplier.organisation_id if supplier is not None else None
