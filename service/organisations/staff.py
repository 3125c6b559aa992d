"""Which organisations a staff user works for (a person may work for several)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlmodel import Session, select

from service.models.organisations import Organisation, StaffMembership
from service.organisations.store import only_organisation


class MembershipError(ValueError):
    """An organisation that does not exist, or none named where one must be."""


def join_organisations(session: Session, user_id: uuid.UUID, organisations: Iterable[str]) -> list[uuid.UUID]:
    """Make the user a member of ``organisations`` (ids as text); none named: the instance's only one."""
    wanted: list[uuid.UUID] = []
    for text in organisations:
        try:
            org_id = uuid.UUID(text)
        except ValueError:
            raise MembershipError(f"--organisation must be an organisation id (UUID), got {text!r}") from None
        if session.get(Organisation, org_id) is None:
            raise MembershipError(f"no organisation {org_id}")
        wanted.append(org_id)
    if not wanted:
        only = only_organisation(session)
        if only is None:
            raise MembershipError("this instance has several organisations: name the person's with --organisation ID")
        wanted.append(only)
    have = set(memberships(session, user_id))
    for org_id in dict.fromkeys(wanted):
        if org_id not in have:
            session.add(StaffMembership(user_id=user_id, organisation_id=org_id))
    session.flush()
    return list(dict.fromkeys(wanted))


def memberships(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The user's organisations, in a stable order."""
    return list(session.exec(select(StaffMembership.organisation_id).where(StaffMembership.user_id == user_id)
                             .order_by(StaffMembership.organisation_id)))
