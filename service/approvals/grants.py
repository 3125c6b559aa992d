"""Granting approval rights and personal approval limits to API keys and staff users (admin work)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlmodel import Session, select

from service.approvals.rights import Right
from service.errors import InvalidInput, NotFound
from service.models.keys import ApiKey
from service.models.workspace import StaffUser


def _clean(rights: Iterable[str] | None, limit: Decimal | None) -> list[str] | None:
    if limit is not None and limit < 0:
        raise InvalidInput("an approval limit cannot be negative",
                           errors=[{"loc": ["body", "approval_limit"], "msg": "must be >= 0", "type": "greater_than_equal"}])
    if rights is None:
        return None
    bad = [r for r in rights if r not in Right.__members__]
    if bad:
        raise InvalidInput("unknown rights: " + ", ".join(bad),
                           errors=[{"loc": ["body", "rights"], "msg": f"unknown right {r}", "type": "enum"} for r in bad])
    return sorted(set(rights))


def find_key(session: Session, key_id_or_prefix: str) -> ApiKey:
    try:
        row = session.get(ApiKey, uuid.UUID(key_id_or_prefix))
    except ValueError:
        row = session.exec(select(ApiKey).where(ApiKey.prefix == key_id_or_prefix)).first()
    if row is None:
        raise NotFound(f"no API key {key_id_or_prefix}")
    return row


def grant_key(session: Session, key: ApiKey, rights: Iterable[str] | None, limit: Decimal | None) -> ApiKey:
    """Store the key's rights (None: back to its role's defaults) and approval limit (None: none)."""
    key.rights, key.approval_limit = _clean(rights, limit), limit
    session.add(key)
    session.flush()
    return key


def grant_user(session: Session, username: str, rights: Iterable[str] | None, limit: Decimal | None) -> StaffUser:
    user = session.exec(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"no staff user {username}")
    user.rights, user.approval_limit = _clean(rights, limit), limit
    session.add(user)
    session.flush()
    return user
