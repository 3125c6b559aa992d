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

router = APIRouter(prefix="/keys", tags=["keys"])


class KeyCreate(BaseModel):
    role: Role
    supplier_id: uuid.UUID | None = Field(None, description="Required for, and only for, role supplier.")
    name: str = Field("", max_length=200, description="Who or what uses the key.")


class KeyPublic(BaseModel):
    id: uuid.UUID
    prefix: str
    name: str
    role: Role
    supplier_id: uuid.UUID | None
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
def create(body: KeyCreate, session: SessionDep, _: Admin) -> KeyCreated:
    try:
        row, clear = create_key(session, role=body.role, supplier_id=body.supplier_id, name=body.name)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors=[{"loc": ["body", "supplier_id"], "msg": str(exc),
                                              "type": "value_error"}]) from exc
    return KeyCreated(**KeyPublic.of(row).model_dump(), key=clear)


@router.get("", operation_id="keys-list", summary="List API keys (without secrets)")
def list_(session: SessionDep, _: Admin) -> KeyList:
    return KeyList(data=[KeyPublic.of(k) for k in list_keys(session)])


@router.delete("/{key_id}", operation_id="keys-revoke", summary="Revoke an API key",
               responses=problem_responses(NotFound))
def revoke(key_id: uuid.UUID, session: SessionDep, _: Admin) -> KeyPublic:
    return KeyPublic.of(revoke_key(session, str(key_id)))
