"""From the verified claims of an ID token to the staff identity the workspace uses. Pure.

Which groups give which role is configuration (``EINVOICE_OIDC_GROUP_ROLES``); a user none of whose
groups gives a role is refused (``SignInRefused("no_role")``), so an identity provider that lets the
whole organisation sign in does not open the workspace to everyone in it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.config import valid_mail_address
from service.models.workspace import Language, StaffRole

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")  # the same rule as local accounts
ROLE_RANK = {StaffRole.reviewer: 1, StaffRole.admin: 2}


class SignInRefused(Exception):
    """A sign-in through the identity provider that must not go ahead; ``code`` picks the page text."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    username: str
    display_name: str
    role: StaffRole
    language: Language | None  # from the "locale" claim when it names one of ours
    groups: tuple[str, ...]
    email: str | None = None  # where notifications go (the configured claim), when it is an address


def groups_of(claims: Mapping[str, Any], claim: str) -> tuple[str, ...]:
    """The claim's values: a JSON list (Entra ID, Keycloak) or a space/comma separated string."""
    value = claims.get(claim)
    if value is None:
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = re.split(r"[\s,]+", value)
    elif isinstance(value, list | tuple):
        items = value
    else:
        items = [value]
    return tuple(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


def role_from_groups(groups: Iterable[str], group_roles: Mapping[str, str]) -> StaffRole | None:
    """The highest role any group gives; without a mapping, groups named like a role give it."""
    mapping = group_roles or {r.value: r.value for r in StaffRole}
    roles = [StaffRole(mapping[g]) for g in groups if g in mapping]
    return max(roles, key=ROLE_RANK.__getitem__) if roles else None


def organisations_from_groups(groups: Iterable[str], group_organisations: Mapping[str, str]) -> tuple[str, ...]:
    """The organisation ids the user's groups name (``EINVOICE_OIDC_GROUP_ORGANISATIONS``), in order."""
    return tuple(dict.fromkeys(group_organisations[g] for g in groups if g in group_organisations))


def username_from(claims: Mapping[str, Any], preferred_claim: str, issuer: str) -> str:
    """A valid, stable username: the preferred claim, else email, else derived from the subject."""
    for name in (preferred_claim, "email"):
        value = claims.get(name)
        if isinstance(value, str) and USERNAME_RE.match(value.strip().lower()):
            return value.strip().lower()
    digest = hashlib.sha256(f"{issuer}|{claims.get('sub')}".encode()).hexdigest()[:16]
    return f"oidc-{digest}"


def email_from(claims: Mapping[str, Any], claim: str) -> str | None:
    """The user's e-mail address from ``claim``: one address (``anna@gemeente.nl``), not one the
    provider says it did not verify; None otherwise (or when no claim is configured)."""
    value = claims.get(claim) if claim else None
    if not isinstance(value, str) or claims.get("email_verified") is False:
        return None
    address = value.strip()
    if len(address) > 320 or "<" in address or "@" not in address or not valid_mail_address(address):
        return None
    return address


def identity_from(claims: Mapping[str, Any], *, issuer: str, username_claim: str, groups_claim: str,
                  group_roles: Mapping[str, str], email_claim: str = "email") -> Identity:
    """The identity of verified ID token (and userinfo) claims; ``SignInRefused`` when it gives no access."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInRefused("token_invalid", "the token names no subject")
    groups = groups_of(claims, groups_claim)
    role = role_from_groups(groups, group_roles)
    if role is None:
        raise SignInRefused("no_role", ", ".join(groups) or "-")
    display = claims.get("name")
    locale = str(claims.get("locale") or "").lower()[:2]
    return Identity(
        issuer=issuer,
        subject=subject,
        username=username_from(claims, username_claim, issuer),
        display_name=display.strip()[:200] if isinstance(display, str) and display.strip() else "",
        role=role,
        language=Language(locale) if locale in (Language.nl.value, Language.en.value) else None,
        groups=groups,
        email=email_from(claims, email_claim),
    )
