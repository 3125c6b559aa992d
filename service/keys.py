"""Create, find, list and revoke API keys. Only a SHA-256 of each key is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from sqlmodel import Session, select

from service.errors import NotFound
from service.models.base import utcnow
from service.models.keys import ApiKey, Role

KEY_PREFIX = "ei"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# roles that work inside one organisation; admin and gateway keys may also be instance-wide
_ORGANISATION_ROLES = (Role.erp, Role.reviewer, Role.supplier)


def create_key(
    session: Session, *, role: Role, supplier_id: uuid.UUID | None = None, name: str = "",
    organisation_id: uuid.UUID | None = None, owner: str | None = None,
) -> tuple[ApiKey, str]:
    """Return the stored row and the clear key (shown once, never stored).

    A key sees one organisation's data. Without ``organisation_id`` a supplier key gets its
    supplier's organisation, an erp or reviewer key the instance's only organisation (it must be
    named when there are several), and an admin or gateway key is instance-wide.

    ``owner`` (a staff user's id or username) makes it that person's own key: four eyes then treat
    the key and the person's workspace account as one person. An organisation's key must be owned
    by one of that organisation's staff."""
    if role is Role.supplier and supplier_id is None:
        raise ValueError("a supplier key needs --supplier ID")
    if role is not Role.supplier and supplier_id is not None:
        raise ValueError("only supplier keys are bound to a supplier")
    organisation_id = _key_organisation(session, role, supplier_id, organisation_id)
    owner_id = _owner(session, owner, organisation_id) if owner else None
    prefix = secrets.token_hex(6)
    clear = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(prefix=prefix, secret_hash=_hash(clear), name=name, role=role, supplier_id=supplier_id,
                 organisation_id=organisation_id, owner_id=owner_id)
    session.add(row)
    session.flush()
    return row, clear


def _key_organisation(session: Session, role: Role, supplier_id: uuid.UUID | None,
                      organisation_id: uuid.UUID | None) -> uuid.UUID | None:
    from service.models.masterdata import Supplier
    from service.organisations.store import get_organisation, only_organisation

    if organisation_id is not None:
        get_organisation(session, organisation_id)  # 404 / one CLI line for an unknown one
    if supplier_id is not None:
        supplier = session.get(Supplier, supplier_id)
        if supplier is not None:
            if organisation_id is not None and supplier.organisation_id != organisation_id:
                raise ValueError("the supplier belongs to another organisation than --organisation")
            return supplier.organisation_id
    if organisation_id is None and role in _ORGANISATION_ROLES:
        organisation_id = only_organisation(session)
        if organisation_id is None:
            raise ValueError(f"this instance has several organisations: a {role.value} key needs --organisation ID")
    return organisation_id


def _owner(session: Session, owner: str, organisation_id: uuid.UUID | None) -> uuid.UUID:
    from service.models.organisations import StaffMembership
    from service.models.workspace import StaffUser

    user = None
    try:
        user = session.get(StaffUser, uuid.UUID(owner))
    except ValueError:
        user = session.exec(select(StaffUser).where(StaffUser.username == owner.strip().lower())).first()
    if user is not None and organisation_id is not None and session.exec(select(StaffMembership).where(
            StaffMembership.user_id == user.id, StaffMembership.organisation_id == organisation_id)).first() is None:
        user = None  # another organisation's person does not exist for this key
    if user is None:
        raise ValueError(f"no staff user {owner} to own the key")
    return user.id


def person_of(session: Session, actor: str) -> str:
    """The person behind an audit actor: a key owned by a staff user is that user ("user:<name>");
    any other actor is itself. Four eyes compare people, not credentials."""
    if not actor.startswith("key:"):
        return actor
    from service.models.workspace import StaffUser

    username = session.exec(select(StaffUser.username).join(ApiKey, ApiKey.owner_id == StaffUser.id)
                            .where(ApiKey.prefix == actor[4:])).first()
    return f"user:{username}" if username else actor


def credentials_of(session: Session, actor: str) -> list[str]:
    """Every audit actor that is this person: ``actor`` and, for a staff user ("user:<name>"), the
    keys they own ("key:<prefix>")."""
    if not actor.startswith("user:"):
        return [actor]
    from service.models.workspace import StaffUser

    prefixes = session.exec(select(ApiKey.prefix).join(StaffUser, ApiKey.owner_id == StaffUser.id)
                            .where(StaffUser.username == actor[5:])).all()
    return [actor, *(f"key:{p}" for p in prefixes)]


def same_person(session: Session, actor: str, other: str) -> bool:
    return actor == other or person_of(session, actor) == person_of(session, other)


def find_active_key(session: Session, clear: str) -> ApiKey | None:
    parts = clear.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _hash(clear)):
        return None
    return row


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(ApiKey.created_at)))


def revoke_key(session: Session, key_id_or_prefix: str) -> ApiKey:
    row = None
    try:
        row = session.get(ApiKey, uuid.UUID(key_id_or_prefix))
    except ValueError:
        row = session.exec(select(ApiKey).where(ApiKey.prefix == key_id_or_prefix)).first()
    if row is None:
        raise NotFound(f"no API key {key_id_or_prefix}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
    return row
