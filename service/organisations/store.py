"""Organisations in the database: create, replace, read, and the directory intake looks buyers up in."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from service import generations
from service.errors import Conflict, NotFound
from service.models.base import utcnow
from service.models.organisations import DEFAULT_ORGANISATION_ID, Organisation, OrganisationIdentifier
from service.organisations.directory import PEPPOL_SCHEME, Directory, identifier_key
from service.organisations.payloads import OrganisationIdentifierOut, OrganisationIn, OrganisationOut
from service.masterdata.identifiers import normalise

DEFAULT_NAME = "Default organisation"


class OrganisationNotFound(NotFound):
    slug, title = "organisation-not-found", "Organisation not found"


class OrganisationIdentifierTaken(Conflict):
    slug, title = "organisation-identifier-taken", "Identifier belongs to another organisation"


def ensure_default(session: Session) -> uuid.UUID:
    """The default organisation's id. Migration 0014 creates it; this creates it in a database whose
    row is gone (an operator's repair), so that ``einvoice organisations create`` can rely on it."""
    if session.get(Organisation, DEFAULT_ORGANISATION_ID) is not None:
        return DEFAULT_ORGANISATION_ID
    row = Organisation(id=DEFAULT_ORGANISATION_ID, name=DEFAULT_NAME, is_default=True)
    try:
        with session.begin_nested():  # another process may create it at the same moment
            session.add(row)
    except IntegrityError:
        pass
    return DEFAULT_ORGANISATION_ID


def load_directory(session: Session) -> Directory:
    """A snapshot of every organisation identifier (a few per organisation, one query), the
    process's copy while the configuration's generation holds (service/generations.py)."""
    return generations.cached(session, "organisation_directory", _load_directory)


def _load_directory(session: Session) -> Directory:
    rows = session.exec(select(OrganisationIdentifier.scheme, OrganisationIdentifier.value,
                               OrganisationIdentifier.organisation_id)).all()
    by_key: dict[str, uuid.UUID] = {}
    by_value: dict[str, set[uuid.UUID]] = defaultdict(set)
    for scheme, value, org_id in rows:
        by_key[identifier_key(scheme, value)] = org_id
        by_value[normalise(value)].add(org_id)
    # the default organisation's row comes from the migration (or ensure_default); intake only needs its id
    return Directory(by_key=by_key, by_value={k: frozenset(v) for k, v in by_value.items()},
                     default_id=None if by_key else DEFAULT_ORGANISATION_ID)


def only_organisation(session: Session) -> uuid.UUID | None:
    """The instance's organisation when it has exactly one (so that nothing needs naming it)."""
    ids = session.exec(select(Organisation.id).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    row = session.get(Organisation, organisation_id)
    if row is None:
        raise OrganisationNotFound(f"no organisation {organisation_id}")
    return row


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.created_at, Organisation.id)))


def create_organisation(session: Session, data: OrganisationIn) -> Organisation:
    row = Organisation(name=data.name)
    session.add(row)
    session.flush()
    _set_identifiers(session, row, data)
    return row


def replace_organisation(session: Session, organisation_id: uuid.UUID, data: OrganisationIn) -> Organisation:
    row = get_organisation(session, organisation_id)
    row.name = data.name
    row.updated_at = utcnow()
    session.add(row)
    _set_identifiers(session, row, data)
    return row


def _set_identifiers(session: Session, org: Organisation, data: OrganisationIn) -> None:
    wanted = {(i.scheme, i.value) for i in data.identifiers}
    for ident in data.identifiers:
        owner = session.exec(select(OrganisationIdentifier).where(
            OrganisationIdentifier.scheme == ident.scheme, OrganisationIdentifier.value == ident.value)).first()
        if owner is not None and owner.organisation_id != org.id:
            raise OrganisationIdentifierTaken(
                f"{ident.scheme}:{ident.value} is an identifier of organisation {owner.organisation_id}",
                organisation=f"/v1/organisations/{owner.organisation_id}")
    current = session.exec(select(OrganisationIdentifier).where(
        OrganisationIdentifier.organisation_id == org.id)).all()
    have = {(c.scheme, c.value) for c in current}
    for c in current:
        if (c.scheme, c.value) not in wanted:
            session.delete(c)
    for scheme, value in sorted(wanted - have):
        session.add(OrganisationIdentifier(organisation_id=org.id, scheme=scheme, value=value))
    try:
        session.flush()
    except IntegrityError:  # another request took one of them a moment ago
        raise OrganisationIdentifierTaken("an identifier was taken by another organisation meanwhile") from None
    generations.forget(session)


def identifiers_of(session: Session, organisation_id: uuid.UUID) -> list[OrganisationIdentifier]:
    return list(session.exec(select(OrganisationIdentifier).where(
        OrganisationIdentifier.organisation_id == organisation_id).order_by(
        OrganisationIdentifier.scheme, OrganisationIdentifier.value)))


def any_identifiers(session: Session) -> bool:
    return session.exec(select(OrganisationIdentifier.id).limit(1)).first() is not None


def organisation_out(session: Session, org: Organisation, *, configured: bool | None = None) -> OrganisationOut:
    if configured is None:
        configured = any_identifiers(session)
    return OrganisationOut(
        id=org.id, name=org.name, default=org.is_default,
        takes_every_buyer=org.is_default and not configured,
        identifiers=[OrganisationIdentifierOut(scheme=i.scheme, value=i.value,
                                               participant_id=f"{PEPPOL_SCHEME}::{i.scheme}:{i.value}")
                     for i in identifiers_of(session, org.id)],
        created_at=org.created_at, updated_at=org.updated_at,
    )
