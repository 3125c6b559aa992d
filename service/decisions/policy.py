"""The matching policy a decision uses: the organisation's policy (versioned; the global one, the
instance default, when the organisation has none) with the supplier's overrides.

Reads never write. Every change is a version of its own in ``match_policy_versions``: the global
policy through ``set_global_policy`` (API, CLI), a supplier's overrides when master data saves the
supplier (service/masterdata/suppliers.py). A decision records the label of what it used,
``global:<n>[+supplier:<id>:<n>]`` or ``organisation:<id>:<n>[+supplier:<id>:<n>]``, and stores the policy itself among its inputs (replay needs
nothing else).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from service import generations
from service.matching import Policy, ReceiptMode
from service.models.matching import (
    GLOBAL_POLICY_SCOPE,
    MatchPolicyVersion,
    organisation_policy_scope,
    supplier_policy_scope,
)

POLICY_KEYS = ("price_over_pct", "price_under_pct", "quantity_over_pct", "total_abs", "charge_abs",
               "receipt_mode")

_VERSIONS = MatchPolicyVersion.__table__
# A supplier whose overrides were saved without being recorded (only code that writes master data
# around service.masterdata can do that): the decision says so instead of naming a version.
UNRECORDED = "unrecorded"


def latest_version(session: Session, scope: str = GLOBAL_POLICY_SCOPE) -> MatchPolicyVersion | None:
    return session.execute(select(MatchPolicyVersion).where(MatchPolicyVersion.scope == scope)
                           .order_by(MatchPolicyVersion.version.desc()).limit(1)).scalars().first()


def clean_overrides(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The policy keys a supplier sets (None and unknown keys dropped)."""
    return {k: v for k, v in (policy or {}).items() if k in POLICY_KEYS and v is not None}


def policy_from_settings(settings: dict[str, Any], version: str) -> Policy:
    kw: dict[str, Any] = {}
    for key in POLICY_KEYS:
        if key in settings and settings[key] is not None:
            kw[key] = ReceiptMode(settings[key]) if key == "receipt_mode" else Decimal(str(settings[key]))
    return Policy(version=version, **kw)


def _latest_settings(session: Session, scope: str) -> Any:
    """The scope's latest (version, settings): the process's copy while the configuration's
    generation holds (service/generations.py); a decision asks for every invoice."""
    return generations.cached(session, f"match_policy:{scope}", lambda s: _read_latest_settings(s, scope))


def _read_latest_settings(session: Session, scope: str) -> Any:
    return session.execute(select(_VERSIONS.c.version, _VERSIONS.c.settings)
                           .where(_VERSIONS.c.scope == scope)
                           .order_by(_VERSIONS.c.version.desc()).limit(1)).first()


def effective_policy(session: Session, supplier_id: uuid.UUID | None, overrides: dict[str, Any],
                     organisation_id: uuid.UUID | None = None) -> Policy:
    """The organisation's policy (latest version; else the global one) with the supplier's
    overrides on top. Reads only."""
    own = _latest_settings(session, organisation_policy_scope(organisation_id)) if organisation_id else None
    if own is not None:
        settings, label = dict(own.settings), f"organisation:{organisation_id}:{own.version}"
    else:
        glob = _latest_settings(session, GLOBAL_POLICY_SCOPE)
        settings = dict(glob.settings) if glob else {}
        label = f"global:{glob.version if glob else 0}"
    clean = clean_overrides(overrides)
    if supplier_id is not None and clean:  # no overrides: nothing more to read (the common case)
        settings.update(clean)
        label += f"+supplier:{supplier_id}:{_supplier_version(session, supplier_id, clean)}"
    return policy_from_settings(settings, label)


def _supplier_version(session: Session, supplier_id: uuid.UUID, clean: dict[str, Any]) -> int | str:
    latest = session.execute(select(_VERSIONS.c.version, _VERSIONS.c.settings)
                             .where(_VERSIONS.c.scope == supplier_policy_scope(supplier_id))
                             .order_by(_VERSIONS.c.version.desc()).limit(1)).first()
    if latest is not None and latest.settings == _jsonable(clean):
        return int(latest.version)
    return UNRECORDED


def _jsonable(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in settings.items()}


def set_global_policy(session: Session, settings: dict[str, Any], *, actor: str,
                      scope: str = GLOBAL_POLICY_SCOPE) -> MatchPolicyVersion:
    """Store a new version of the global policy, or of an organisation's (``scope``
    organisation:<id>); every change is a new version."""
    latest = latest_version(session, scope)
    row = MatchPolicyVersion(scope=scope, version=(latest.version + 1) if latest else 1,
                             settings=_jsonable(clean_overrides(settings)), created_by=actor)
    session.add(row)
    session.flush()
    generations.forget(session)
    return row


def organisation_policy(session: Session, organisation_id: uuid.UUID) -> MatchPolicyVersion | None:
    """The organisation's own latest policy version, or None (it uses the global one)."""
    return latest_version(session, organisation_policy_scope(organisation_id))
