"""Four-eyes rules: /v1/approvals/rules (read, change = new version) and their versions; the approval
rights and limit of API keys (/v1/keys/{id}/rights); the auditor's report of manual approvals."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from service.api.deps import Admin, Principal, require
from service import cursors
from service.approvals import grants, report, rule_versions
from service.approvals.rights import Right, effective_rights
from service.bounds import NonNegativeAmount
from service.approvals.rules import DEFAULT_AMOUNT_AT_LEAST, DEFAULT_CURRENCY, DEFAULT_REASON_CODES, FourEyesRules
from service.db import SessionDep
from service.errors import InvalidCursor, InvalidInput, NotFound, problem_responses
from service.models.approvals import GLOBAL_RULES_SCOPE, ApprovalRuleVersion, organisation_rules_scope
from service.models.keys import ApiKey, Role
from service.models.workspace import StaffUser
from service.reasons import LIFECYCLE_CODES, VALIDATION_CODES, ReasonCode

KeyIdOrPrefix = Annotated[str, Path(max_length=64, description="The key's id or its prefix.")]

router = APIRouter(tags=["approvals"])

# Who reads the rules, their versions and the report of manual approvals: reviewers and the ERP
# (an organisation's key: its organisation's, and the global rules)
Reader = Annotated[Principal, Depends(require(Role.reviewer, Role.erp))]

# Reason codes a rule may name: those an invoice under review can carry (matching's codes).
_RULE_CODES = frozenset(c.value for c in ReasonCode) - {c.value for c in VALIDATION_CODES | LIFECYCLE_CODES}


class FourEyesSettings(BaseModel):
    reason_codes: list[ReasonCode] = Field(
        default_factory=lambda: [ReasonCode(c) for c in DEFAULT_REASON_CODES], max_length=len(ReasonCode),
        description="An invoice flagged with any of these needs a second, different approver")
    amount_at_least: NonNegativeAmount | None = Field(
        DEFAULT_AMOUNT_AT_LEAST, description="A payable amount (BT-115) at least this needs a second "
        "approver; null: no amount threshold. Amounts in another currency always need one (no exchange rates).")
    currency: str = Field(DEFAULT_CURRENCY, min_length=3, max_length=3, description="The threshold's currency")


class FourEyesRulesOut(BaseModel):
    scope: str = Field(description="global (organisation:<id> when organisations have their own rules)")
    version: int = Field(description="0: the built-in defaults of DESIGN.md")
    label: str = Field(description="scope:version, as approvals in the audit trail, feed and /decision name it")
    settings: FourEyesSettings
    created_by: str
    created_at: datetime | None


class RightsIn(BaseModel):
    rights: list[Right] | None = Field(None, max_length=len(Right), description="Rights the key holds; null: its role's defaults "
                                       "(reviewer: review, second_approval; admin: all)")
    approval_limit: NonNegativeAmount | None = Field(None, description="Most the key may approve alone (EUR); "
                                           "above it four eyes apply. null: no personal limit")


class RightsOut(BaseModel):
    key_id: uuid.UUID
    prefix: str
    role: str
    rights: list[Right] = Field(description="The rights the key holds now (stored, or its role's defaults)")
    role_defaults: bool = Field(description="True when no rights are stored and the role's defaults apply")
    approval_limit: Decimal | None


class FourEyesRulesList(BaseModel):
    data: list[FourEyesRulesOut]
    next_cursor: str | None = None


def _out(row: ApprovalRuleVersion | None) -> FourEyesRulesOut:
    rules = FourEyesRules.from_settings(row.settings, "") if row else FourEyesRules()
    return FourEyesRulesOut(
        scope=row.scope if row else "global", version=row.version if row else 0, label=rule_versions.label(row),
        # model_construct: what is stored is shown as it is (a row from before the input bounds reads too)
        settings=FourEyesSettings.model_construct(reason_codes=sorted(ReasonCode(c) for c in rules.reason_codes),
                                  amount_at_least=rules.amount_at_least, currency=rules.currency),
        created_by=row.created_by if row else "default", created_at=row.created_at if row else None)


@router.get("/approvals/rules", operation_id="approvals-rules-get", summary="Read the four-eyes rules in force",
            response_model=FourEyesRulesOut)
def get_rules(session: SessionDep, principal: Reader) -> FourEyesRulesOut:
    """Read the four-eyes rules in force (for an organisation's key: its own, else the global ones)."""
    own = rule_versions.latest(session, _own_scope(principal)) if principal.organisation_id else None
    return _out(own or rule_versions.latest(session))


@router.put("/approvals/rules", operation_id="approvals-rules-put",
            summary="Change the four-eyes rules (a new version)", response_model=FourEyesRulesOut, responses=problem_responses(InvalidInput))
def put_rules(body: FourEyesSettings, session: SessionDep, principal: Admin) -> FourEyesRulesOut:
    """Change the four-eyes rules (a new version)."""
    settings = body.model_dump(mode="json")
    bad = [c for c in settings["reason_codes"] if c not in _RULE_CODES]
    if bad:
        raise InvalidInput("validation and lifecycle codes never reach a reviewer: " + ", ".join(bad),
                           errors=[{"loc": ["body", "reason_codes"], "msg": f"not a matching code: {c}",
                                    "type": "enum"} for c in bad])
    # an organisation's admin sets that organisation's rules; an instance-wide admin the global ones
    scope = _own_scope(principal) if principal.organisation_id else GLOBAL_RULES_SCOPE
    return _out(rule_versions.set_rules(session, settings, actor=principal.actor, scope=scope))


@router.get("/approvals/rules/versions", operation_id="approvals-rules-versions",
            summary="List the versions of the four-eyes rules", response_model=FourEyesRulesList)
def list_versions(session: SessionDep, principal: Reader,
                  scope: Annotated[str | None, Query(max_length=100, description="global or organisation:<id>")] = None
                  ) -> FourEyesRulesList:
    """List the versions of the four-eyes rules, newest first (an organisation's key: its own and the global ones)."""
    rows = rule_versions.versions(session, scope)
    if principal.organisation_id is not None:
        rows = [r for r in rows if r.scope in (GLOBAL_RULES_SCOPE, _own_scope(principal))]
    return FourEyesRulesList(data=[_out(r) for r in rows])


def _own_scope(principal: Principal) -> str:
    return organisation_rules_scope(principal.organisation_id)


def _held(holder: ApiKey | StaffUser) -> dict[str, Any]:
    """What a key and a staff user show alike: role, rights held now, whether those are the role's
    defaults, and the approval limit."""
    return {"role": holder.role.value, "rights": sorted(effective_rights(holder.role.value, holder.rights)),
            "role_defaults": holder.rights is None, "approval_limit": holder.approval_limit}


def _rights_out(key: ApiKey) -> RightsOut:
    return RightsOut(key_id=key.id, prefix=key.prefix, **_held(key))


@router.get("/keys/{key_id}/rights", operation_id="keys-rights-get", summary="Read a key's approval rights",
            response_model=RightsOut, responses=problem_responses(NotFound))
def get_key_rights(key_id: KeyIdOrPrefix, session: SessionDep, principal: Admin) -> RightsOut:
    """Read a key's approval rights and approval limit (id or prefix)."""
    return _rights_out(grants.find_key(session, key_id))


@router.put("/keys/{key_id}/rights", operation_id="keys-rights-put",
            summary="Set a key's approval rights and approval limit", response_model=RightsOut,
            responses=problem_responses(NotFound, InvalidInput))
def put_key_rights(key_id: KeyIdOrPrefix, body: RightsIn, session: SessionDep, principal: Admin) -> RightsOut:
    """Set a key's approval rights and approval limit (id or prefix); replaces what was set."""
    key = grants.find_key(session, key_id)
    rights = None if body.rights is None else [r.value for r in body.rights]
    return _rights_out(grants.grant_key(session, key, rights, body.approval_limit, actor=principal.actor))


# --- staff users' rights (the same as `einvoice rights set --user`) ------------------------------

StaffIdOrName = Annotated[str, Path(max_length=100, description="The staff user's id or username.")]


class StaffRightsIn(BaseModel):
    rights: list[Right] | None = Field(None, max_length=len(Right), description="Rights the person holds; null: "
                                       "their role's defaults (reviewer: review, second_approval; admin: all)")
    approval_limit: NonNegativeAmount | None = Field(None, description="Most the person may approve alone (EUR); "
                                                     "above it four eyes apply. null: no personal limit")


class StaffRightsOut(BaseModel):
    user_id: uuid.UUID
    username: str
    role: str
    rights: list[Right] = Field(description="The rights the person holds now (stored, or their role's defaults)")
    role_defaults: bool = Field(description="True when no rights are stored and the role's defaults apply")
    approval_limit: Decimal | None


def _staff(session: SessionDep, principal: Principal, user_id: str) -> StaffUser:
    """The staff user, if the admin may see them: an organisation's admin only its own members (404)."""
    from service.organisations.staff import memberships

    user = grants.find_user(session, user_id)
    if principal.organisation_id is not None and principal.organisation_id not in memberships(session, user.id):
        raise NotFound(f"no staff user {user_id}")
    return user


def _staff_out(user: StaffUser) -> StaffRightsOut:
    return StaffRightsOut(user_id=user.id, username=user.username, **_held(user))


@router.get("/staff/{user_id}/rights", operation_id="staff-rights-get", summary="Read a staff user's approval rights",
            response_model=StaffRightsOut, responses=problem_responses(NotFound))
def get_staff_rights(user_id: StaffIdOrName, session: SessionDep, principal: Admin) -> StaffRightsOut:
    """Read a staff user's approval rights and approval limit (id or username; an organisation's admin: its own
    staff only)."""
    return _staff_out(_staff(session, principal, user_id))


@router.put("/staff/{user_id}/rights", operation_id="staff-rights-put",
            summary="Set a staff user's approval rights and approval limit", response_model=StaffRightsOut,
            responses=problem_responses(NotFound, InvalidInput))
def put_staff_rights(user_id: StaffIdOrName, body: StaffRightsIn, session: SessionDep,
                     principal: Admin) -> StaffRightsOut:
    """Set a staff user's approval rights and approval limit; replaces what was set. Audited (a master-data
    event `rights_changed` names who changed what)."""
    user = _staff(session, principal, user_id)
    rights = None if body.rights is None else [r.value for r in body.rights]
    return _staff_out(grants.grant_staff(session, user, rights, body.approval_limit, actor=principal.actor))


# --- the auditor's report ------------------------------------------------------------------------

class ManualApprovalOut(BaseModel):
    approval_id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_number: str | None = Field(None, description="BT-1")
    supplier: str | None = Field(None, description="BT-27 Seller name")
    payable_amount: Decimal | None = Field(None, description="BT-115 when approved")
    currency: str | None = Field(None, description="BT-5")
    approved_by: str = Field(description="Who released the invoice (the only approver, or the second)")
    approved_at: datetime
    step: str = Field(description="single (one person sufficed) or second (completed a four-eyes approval)")
    first_approver: str | None = Field(None, description="Four eyes: who approved first")
    first_approved_at: datetime | None = None
    overridden: list[str] = Field(description="The open reason codes the approval overrode")
    rule_version: str = Field(description="The four-eyes rules in force (GET /v1/approvals/rules/versions)")
    triggers: list[str] = Field(description="Why a second person was required (empty: one person sufficed)")
    comment: str | None = None


class ManualApprovalList(BaseModel):
    data: list[ManualApprovalOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page")


@router.get("/approvals/report", operation_id="approvals-report", response_model=ManualApprovalList,
            summary="Manual approvals in a period (for auditors)", responses=problem_responses(InvalidCursor, InvalidInput))
def approvals_report(
    session: SessionDep, principal: Reader,
    start: Annotated[datetime, Query(alias="from", description="From this moment (inclusive, with time zone)")],
    end: Annotated[datetime, Query(alias="to", description="Until this moment (exclusive, with time zone)")],
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> ManualApprovalList:
    """Every manual approval that released an invoice in [from, to): who, when, overridden reasons,
    second approver and the rule applied. `Accept: text/csv` gives the whole period as CSV."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("from and to need a time zone (e.g. 2026-11-01T00:00:00Z)",
                           errors=[{"loc": ["query", "from" if start.tzinfo is None else "to"],
                                    "msg": "time zone required", "type": "timezone_aware"}])
    try:
        after = cursors.decode_position(cursor, "approvals") if cursor else None
    except ValueError:
        raise InvalidCursor("the cursor is not one of this list's") from None
    rows = report.manual_approvals(session, start=start, end=end, after=after, limit=limit + 1,
                                   organisation_id=principal.organisation_id)
    more = len(rows) > limit
    rows = rows[:limit]
    return ManualApprovalList(
        data=[ManualApprovalOut(**vars(r)) for r in rows],
        next_cursor=cursors.encode_position(rows[-1].approved_at, rows[-1].approval_id, "approvals") if more else None)
