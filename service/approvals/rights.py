"""Separate rights for the approval controls, carried by API keys and staff users.

- ``review``: approve (alone, or as the first of two), the reviewer's daily work;
- ``second_approval``: complete an approval another person started;
- ``verify_bank_accounts``: verify or reject a proposed supplier IBAN (master data).

A person may hold several, but the four-eyes code never lets anyone complete their own approval
(or, with bank accounts, verify their own proposal), whatever rights they hold. A key or user
without stored rights has its role's defaults, so existing keys and accounts keep working.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from service.errors import Forbidden


class Right(StrEnum):
    review = "review"
    second_approval = "second_approval"
    verify_bank_accounts = "verify_bank_accounts"


# role (of a key or a staff user) -> rights it has unless others are stored
ROLE_DEFAULTS: dict[str, frozenset[Right]] = {
    "reviewer": frozenset({Right.review, Right.second_approval}),
    "admin": frozenset(Right),
}


class RightMissing(Forbidden):
    slug, title = "right-missing", "You do not have the right for this action"


def effective_rights(role: str, stored: Iterable[str] | None) -> frozenset[Right]:
    if stored is None:
        return ROLE_DEFAULTS.get(str(role), frozenset())
    return frozenset(Right(r) for r in stored if r in Right.__members__)


@dataclass(frozen=True)
class Approver:
    """Who acts in an approval: the audit actor, the rights held and the most they may approve alone."""

    actor: str
    rights: frozenset[Right] = field(default_factory=lambda: ROLE_DEFAULTS["reviewer"])
    approval_limit: Decimal | None = None  # None: no personal limit (the rules alone decide)

    def require(self, right: Right, doing: str) -> None:
        if right not in self.rights:
            raise RightMissing(f"{doing} needs the right '{right.value}'", right=right.value)


def approver(actor: str, role: str, stored_rights: Iterable[str] | None,
             approval_limit: Decimal | None) -> Approver:
    """The Approver of a key or staff user (role defaults when no rights are stored)."""
    return Approver(actor=actor, rights=effective_rights(role, stored_rights), approval_limit=approval_limit)
