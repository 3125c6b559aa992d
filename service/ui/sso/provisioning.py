"""Just-in-time staff accounts: the first sign-in through the identity provider creates the account.

An account is linked to the provider by (issuer, subject), never by name: a provider that asserts the
username of an existing local account does not take it over (``account_conflict``). At every
sign-in the role follows the token's groups and the e-mail address its email claim, so removing someone from a group at the provider takes
their role away here at their next sign-in; the same holds for their organisations.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from service.models.base import utcnow
from service.models.organisations import Organisation, StaffMembership
from service.organisations.store import only_organisation
from service.models.workspace import Language, StaffUser
from service.ui.sso.claims import Identity, SignInRefused


def find_linked_user(session: Session, issuer: str, subject: str) -> StaffUser | None:
    return session.exec(
        select(StaffUser).where(StaffUser.oidc_issuer == issuer, StaffUser.oidc_subject == subject)
    ).first()


def provision(session: Session, identity: Identity, *, language: Language) -> StaffUser:
    """The linked account, created or brought up to date from ``identity``; flushed, not committed."""
    user = find_linked_user(session, identity.issuer, identity.subject)
    if user is None:
        taken = session.exec(select(StaffUser).where(StaffUser.username == identity.username)).first()
        if taken is not None:
            raise SignInRefused("account_conflict", identity.username)
        user = StaffUser(username=identity.username, display_name=identity.display_name or identity.username,
                         password_hash=None, oidc_issuer=identity.issuer, oidc_subject=identity.subject,
                         role=identity.role, language=identity.language or language, email=identity.email,
                         email_source="sign_in" if identity.email else None)
    else:
        if not user.active:
            raise SignInRefused("account_inactive", user.username)
        user.role = identity.role
        if identity.display_name:
            user.display_name = identity.display_name
        if identity.email:  # the provider's address wins; without one, the address kept here stays
            user.email, user.email_source = identity.email, "sign_in"
    user.last_login_at = utcnow()
    session.add(user)
    session.flush()
    return user


def sync_organisations(session: Session, user_id: uuid.UUID, organisation_ids: tuple[str, ...]) -> None:
    """At every sign-in the user's organisations follow their groups (``EINVOICE_OIDC_GROUP_ORGANISATIONS``).

    No group naming an organisation is fine on an instance with one (everyone works for it: the user
    is made its member, as `einvoice users create` does, so the user administration lists them); on an
    instance with several it is ``SignInRefused("no_organisation")`` and nothing is kept."""
    known = [org for org in (uuid.UUID(o) for o in organisation_ids) if session.get(Organisation, org) is not None]
    if not known:
        only = only_organisation(session)
        if only is None:
            raise SignInRefused("no_organisation", ", ".join(organisation_ids) or "-")
        known = [only]
    current = session.exec(select(StaffMembership).where(StaffMembership.user_id == user_id)).all()
    for row in current:
        if row.organisation_id not in known:
            session.delete(row)
    have = {row.organisation_id for row in current}
    for org in known:
        if org not in have:
            session.add(StaffMembership(user_id=user_id, organisation_id=org))
    session.flush()
