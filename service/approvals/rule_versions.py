"""The four-eyes rules in force: stored versions, read without writing (like the matching policy).

Scopes: ``global`` now; ``organisation:<id>`` is the seam for per-organisation rules (DESIGN.md
"Organisations"): ``rules_in_force(session, organisation_id)`` reads the organisation's latest
version first and falls back to the global one, so organisations only have to pass their id.
Version 0 of the global scope is the built-in defaults (nothing stored).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from service.approvals.rules import FourEyesRules
from service.models.approvals import GLOBAL_RULES_SCOPE, ApprovalRuleVersion, organisation_rules_scope


def latest(session: Session, scope: str = GLOBAL_RULES_SCOPE) -> ApprovalRuleVersion | None:
    return session.execute(select(ApprovalRuleVersion).where(ApprovalRuleVersion.scope == scope)
                           .order_by(ApprovalRuleVersion.version.desc()).limit(1)).scalars().first()


def label(row: ApprovalRuleVersion | None, scope: str = GLOBAL_RULES_SCOPE) -> str:
    return f"{row.scope if row else scope}:{row.version if row else 0}"


def rules_in_force(session: Session, organisation_id: uuid.UUID | None = None) -> FourEyesRules:
    """The organisation's latest rules, else the global ones, else the defaults (version global:0)."""
    if organisation_id is not None:
        row = latest(session, organisation_rules_scope(organisation_id))
        if row is not None:
            return FourEyesRules.from_settings(row.settings, label(row))
    row = latest(session)
    return FourEyesRules.from_settings(row.settings, label(row)) if row else FourEyesRules()


def set_rules(session: Session, settings: dict[str, Any], *, actor: str,
              scope: str = GLOBAL_RULES_SCOPE) -> ApprovalRuleVersion:
    """Store a new version (every change is a version of its own; earlier ones stay readable)."""
    previous = latest(session, scope)
    rules = FourEyesRules.from_settings(settings, "")
    row = ApprovalRuleVersion(scope=scope, version=(previous.version + 1) if previous else 1,
                              settings=rules.settings(), created_by=actor)
    session.add(row)
    session.flush()
    return row


def versions(session: Session, scope: str | None = None, limit: int = 500) -> list[ApprovalRuleVersion]:
    q = select(ApprovalRuleVersion).order_by(ApprovalRuleVersion.scope, ApprovalRuleVersion.version.desc())
    if scope:
        q = q.where(ApprovalRuleVersion.scope == scope)
    return list(session.execute(q.limit(limit)).scalars())
