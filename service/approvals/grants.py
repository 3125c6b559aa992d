"""Granting approval rights and personal approval limits to API keys and staff users (admin work)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from sqlmodel import Session, select

from service.approvals.rights import Right
from service.errors import InvalidInput, NotFound
from service.masterdata.common import record_event
from service.models.masterdata import MasterDataEventKind
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


def _audit(session: Session, *, actor: str, subject: str, before: tuple[list[str] | None, Decimal | None],
           after: tuple[list[str] | None, Decimal | None]) -> None:
    """Every change of rights or limit is a master-data event: who changed whose, from what to what."""
    if before == after:
        return
    record_event(session, MasterDataEventKind.rights_changed, actor=actor, data={
        "subject": subject,
        "rights": after[0], "approval_limit": None if after[1] is None else str(after[1]),
        "previous_rights": before[0], "previous_approval_limit": None if before[1] is None else str(before[1])})


def grant_key(session: Session, key: ApiKey, rights: Iterable[str] | None, limit: Decimal | None, *,
              actor: str = "cli") -> ApiKey:
    """Store the key's rights (None: back to its role's defaults) and approval limit (None: none)."""
    before = (key.rights, key.approval_limit)
    key.rights, key.approval_limit = _clean(rights, limit), limit
    _audit(session, actor=actor, subject=f"key:{key.prefix}", before=before, after=(key.rights, key.approval_limit))
    session.add(key)
    session.flush()
    return key


def find_user(session: Session, id_or_username: str) -> StaffUser:
    """A staff user by id or username (404 otherwise)."""
    try:
        user = session.get(StaffUser, uuid.UUID(id_or_username))
    except ValueError:
        user = None
    if user is None:
        user = session.exec(select(StaffUser).where(StaffUser.username == id_or_username.strip().lower())).first()
    if user is None:
        raise NotFound(f"no staff user {id_or_username}")
    return user


def grant_staff(session: Session, user: StaffUser, rights: Iterable[str] | None, limit: Decimal | None, *,
                actor: str = "cli") -> StaffUser:
    """Store the staff user's rights (None: their role's defaults) and approval limit (None: none)."""
    before = (user.rights, user.approval_limit)
    user.rights, user.approval_limit = _clean(rights, limit), limit
    _audit(session, actor=actor, subject=f"user:{user.username}", before=before,
           after=(user.rights, user.approval_limit))
    session.add(user)
    session.flush()
    return user


def grant_user(session: Session, username: str, rights: Iterable[str] | None, limit: Decimal | None, *,
               actor: str = "cli") -> StaffUser:
    return grant_staff(session, find_user(session, username), rights, limit, actor=actor)
