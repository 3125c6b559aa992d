"""Matching decisions (/v1/invoices/{id}/decision, /replay), the matching policy and standing orders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from service.api.deps import Admin, InvoiceReader, Principal, require
from service.api.visibility import may_read
from service.bounds import NAME_LENGTH, REFERENCE_LENGTH, NonNegativeAmount, Percent
from service.db import SessionDep
from service.approvals.four_eyes import approvals_of
from service.decisions import decision_history, latest_decision
from service.decisions.policy import (
    POLICY_KEYS,
    latest_version,
    organisation_policy,
    policy_from_settings,
    set_global_policy,
)
from service.decisions.replay import Replay
from service.decisions.replay import replay as replay_decision
from service.errors import InvalidInput, InvoiceNotFound, NotFound, problem_responses
from service.matching.codec import decision_from_json
from service.models.base import utcnow
from service.models.invoices import Invoice
from service.models.keys import Role
from service.models.matching import (
    GLOBAL_POLICY_SCOPE,
    MatchPolicyVersion,
    StandingOrderRule,
    organisation_policy_scope,
    supplier_policy_scope,
)
from service.models.masterdata import Supplier

router = APIRouter(tags=["decisions"])

PolicyReader = Annotated[Principal, Depends(require(Role.erp, Role.reviewer))]
MasterDataWriter = Annotated[Principal, Depends(require(Role.erp))]


class DecisionNotFound(NotFound):
    slug, title = "decision-not-found", "The invoice has no matching decision"


class StandingOrderNotFound(NotFound):
    slug, title = "standing-order-not-found", "Standing order not found"


# --- payloads ----------------------------------------------------------------------------------


class CheckOut(BaseModel):
    name: str = Field(description="What was compared (supplier_known, price, quantity_ordered, total, ...)")
    outcome: Literal["pass", "fail", "skip"]
    code: str | None = Field(None, description="Reason code when the check failed")
    line_id: str | None = Field(None, description="BT-126 invoice line(s) the check concerns")
    order_line_id: str | None = Field(None, description="The purchase-order line it was compared with")
    expected: str | None = None
    actual: str | None = None
    tolerance: str | None = None
    related_invoice_id: str | None = Field(None, description="The invoice this one resembles (DUPLICATE_SUSPECTED)")
    accepted: str | None = Field(None, description="A failed variance a person accepted: `<actor>: <reason>`")
    message: str = Field(description="Explanation in English, as a reason's `message` on the invoice")
    message_nl: str
    message_en: str


class LedgerDeltaOut(BaseModel):
    order_line_id: str
    quantity: Decimal = Field(description="In the order line's unit; negative for a credit note")


class DecisionSummary(BaseModel):
    id: uuid.UUID
    outcome: Literal["approve", "review"]
    reason_codes: list[str]
    trigger: str = Field(description="intake or re-match")
    decided_at: datetime


class ApprovalOut(BaseModel):
    step: Literal["single", "first", "second"]
    actor: str
    at: datetime
    comment: str | None = None
    rule_version: str = Field(description="The four-eyes rules in force (global:<n>)")
    triggers: list[str] = Field(default_factory=list, description="Why a second person was required")
    overridden: list[str] = Field(default_factory=list, description="Open reason codes the approval overrode")
    first_approver: str | None = Field(None, description="On the second approval: who approved first")


class ManualPairingOut(BaseModel):
    line_id: str = Field(description="BT-126 invoice line")
    order_line_id: str
    actor: str = Field(description="Who paired them by hand")


class AcceptedVarianceOut(BaseModel):
    line_id: str = Field(description="BT-126 invoice line")
    code: str
    reason: str
    actor: str = Field(description="Who accepted it")


class DecisionOut(BaseModel):
    invoice_id: uuid.UUID
    id: uuid.UUID = Field(description="Id of the latest decision")
    outcome: Literal["approve", "review"]
    reason_codes: list[str]
    trigger: str = Field(description="intake or re-match")
    actor: str
    decided_at: datetime
    engine_version: str
    policy_version: str = Field(description="global:<n>[+supplier:<id>:<n>]")
    order_number: str | None = Field(None, description="BT-13 purchase order the decision used")
    order_version: int | None = Field(None, description="Version of the order the decision used")
    receipt_ids: list[str] = Field(default_factory=list, description="Goods receipts counted")
    ledger_before: dict[str, Decimal] = Field(default_factory=dict, description="Quantity invoiced before, per order line")
    pairing: dict[str, str] = Field(default_factory=dict, description="Invoice line (BT-126) -> order line")
    manual_pairings: list[ManualPairingOut] = Field(
        default_factory=list, description="Lines a person paired with an order line by hand (inputs of this decision)")
    accepted_variances: list[AcceptedVarianceOut] = Field(
        default_factory=list, description="Variances a person accepted with a reason (inputs of this decision)")
    ledger_delta: list[LedgerDeltaOut] = Field(default_factory=list)
    checks: list[CheckOut]
    normalisations: list[CheckOut] = Field(
        default_factory=list, description="The normalisations and conversions that made a comparison pass "
                                          "(order found through BT-10, DZN converted to C62 x 12, ...); also in checks")
    history: list[DecisionSummary] = Field(default_factory=list, description="Earlier decisions, newest first")
    approvals: list[ApprovalOut] = Field(
        default_factory=list, description="People's approvals of this invoice, oldest first: alone (single), or "
        "first and second under a four-eyes rule, each with the rule version that applied")


class ReplayOut(BaseModel):
    invoice_id: uuid.UUID
    decision_id: uuid.UUID
    identical: bool = Field(description="True when recomputing from the stored inputs, with the engine version "
                                        "that made the decision, gives the stored decision")
    replayable: bool = Field(True, description="False when this code no longer has the decision's engine version")
    explanation: str | None = Field(None, description="Why the decision cannot be replayed")
    stored_engine_version: str
    engine_version: str
    stored_outcome: str
    outcome: str
    stored_reason_codes: list[str]
    reason_codes: list[str]
    differences: list[str] = Field(default_factory=list, description="Which parts differ")

    @classmethod
    def from_replay(cls, replay: Replay) -> ReplayOut:
        return cls(**vars(replay))


class PolicySettings(BaseModel):
    price_over_pct: Percent | None = Field(None, description="Unit price may exceed the order's by this % (default 2)")
    price_under_pct: Percent | None = Field(None, description="Unit price may be lower by at most this % (default: any lower price passes)")
    quantity_over_pct: Percent | None = Field(None, description="Cumulative quantity may exceed ordered/received by this % (default 0)")
    total_abs: NonNegativeAmount | None = Field(None, description="BT-112 may differ from the recomputed total by this amount (default 1.00)")
    charge_abs: NonNegativeAmount | None = Field(None, description="Document charges not on the order pass up to this sum (default 1.00)")
    receipt_mode: Literal["line", "two_way", "three_way"] | None = Field(
        None, description="line: the order line says 2- or 3-way (default); two_way / three_way: always")


class PolicyValues(BaseModel):
    """A stored policy version as shown: no bounds, so a row saved before the bounds still reads."""

    price_over_pct: Decimal | None = None
    price_under_pct: Decimal | None = None
    quantity_over_pct: Decimal | None = None
    total_abs: Decimal | None = None
    charge_abs: Decimal | None = None
    receipt_mode: str | None = None


class PolicyOut(BaseModel):
    scope: str = Field(description="global, organisation:<id> or supplier:<id>")
    version: int
    settings: PolicyValues = Field(description="What this version sets")
    effective: PolicyValues = Field(description="Defaults with this version applied")
    created_by: str
    created_at: datetime | None


class PolicyList(BaseModel):
    data: list[PolicyOut]
    next_cursor: str | None = None


class StandingOrderIn(BaseModel):
    supplier_id: uuid.UUID
    name: str = Field("", max_length=NAME_LENGTH)
    buyer_reference: str | None = Field(None, max_length=REFERENCE_LENGTH, description="BT-10 the invoices carry")
    contract_reference: str | None = Field(None, max_length=REFERENCE_LENGTH, description="BT-12 the invoices carry")
    expected_amount: NonNegativeAmount = Field(description="Expected BT-109 (total without VAT) per period")
    currency: str = Field("EUR", min_length=3, max_length=3, pattern="^[A-Z]{3}$")
    period: Literal["month", "quarter", "year"] = "month"
    tolerance_abs: NonNegativeAmount = Decimal("1.00")
    tolerance_pct: Percent = Decimal(0)
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True


class StandingOrderOut(BaseModel):
    """A stored standing order as shown: no input bounds, so a row saved before them still reads."""

    supplier_id: uuid.UUID
    name: str
    buyer_reference: str | None = Field(None, description="BT-10 the invoices carry")
    contract_reference: str | None = Field(None, description="BT-12 the invoices carry")
    expected_amount: Decimal = Field(description="Expected BT-109 (total without VAT) per period")
    currency: str
    period: str
    tolerance_abs: Decimal
    tolerance_pct: Decimal
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime


class StandingOrderList(BaseModel):
    data: list[StandingOrderOut]
    next_cursor: str | None = None


# --- decisions ---------------------------------------------------------------------------------


def _visible_invoice(session, invoice_id: uuid.UUID, principal: Principal) -> Invoice:
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or not may_read(principal, invoice):
        raise InvoiceNotFound(f"no invoice {invoice_id}")
    return invoice


@router.get("/invoices/{invoice_id}/decision", operation_id="invoices-decision", summary="Read the explained matching decision",
            response_model=DecisionOut, responses=problem_responses(InvoiceNotFound, DecisionNotFound))
def get_decision(invoice_id: uuid.UUID, session: SessionDep, principal: InvoiceReader) -> DecisionOut:
    """Read the explained matching decision."""
    _visible_invoice(session, invoice_id, principal)
    rows = decision_history(session, invoice_id)
    if not rows:
        raise DecisionNotFound(f"invoice {invoice_id} was not matched (rejected by validation, or not yet decided)")
    row = rows[0]
    decision = decision_from_json(row.decision)
    inputs = row.inputs or {}
    checks = [_check_out(c) for c in decision.checks]
    return DecisionOut(
        invoice_id=invoice_id, id=row.id, outcome=row.outcome, reason_codes=row.reason_codes, trigger=row.trigger,
        actor=row.actor, decided_at=row.created_at, engine_version=row.engine_version,
        policy_version=row.policy_version, order_number=row.order_number, order_version=row.order_version,
        receipt_ids=list((inputs.get("receipts") or {}).get("receipt_ids") or []),
        ledger_before=(inputs.get("ledger") or {}).get("invoiced") or {},
        pairing=decision.pairing,
        manual_pairings=[ManualPairingOut(**p) for p in inputs.get("manual_pairings") or []],
        accepted_variances=[AcceptedVarianceOut(**a) for a in inputs.get("accepted_variances") or []],
        ledger_delta=[LedgerDeltaOut(order_line_id=d.order_line_id, quantity=d.quantity) for d in decision.ledger_delta],
        checks=checks,
        normalisations=[_check_out(c) for c in decision.normalisations()],
        history=[DecisionSummary(id=r.id, outcome=r.outcome, reason_codes=r.reason_codes, trigger=r.trigger,
                                 decided_at=r.created_at) for r in rows[1:]],
        approvals=[ApprovalOut(step=a.step.value, actor=a.actor, at=a.at, comment=a.comment,
                               rule_version=a.rule_version, triggers=a.triggers, overridden=a.overridden,
                               first_approver=a.first_approver) for a in approvals_of(session, invoice_id)],
    )


def _check_out(c) -> CheckOut:
    nl, en = c.messages()
    return CheckOut(name=c.name, outcome=c.outcome.value, code=c.code, line_id=c.line_id,
                    order_line_id=c.order_line_id, expected=c.expected, actual=c.actual, tolerance=c.tolerance,
                    related_invoice_id=c.related_invoice_id, accepted=c.accepted, message=en, message_nl=nl,
                    message_en=en)



@router.post("/invoices/{invoice_id}/replay", operation_id="invoices-replay",
             summary="Recompute the decision from its stored inputs", response_model=ReplayOut,
             responses=problem_responses(InvoiceNotFound, DecisionNotFound))
def replay(invoice_id: uuid.UUID, session: SessionDep, principal: Admin) -> ReplayOut:
    """Recompute the decision from its stored inputs."""
    _visible_invoice(session, invoice_id, principal)
    row = latest_decision(session, invoice_id)
    if row is None:
        raise DecisionNotFound(f"invoice {invoice_id} has no matching decision")
    return ReplayOut.from_replay(replay_decision(row))


# --- policy ------------------------------------------------------------------------------------


def _policy_out(row: MatchPolicyVersion | None, scope: str = "global") -> PolicyOut:
    settings = dict(row.settings) if row else {}
    eff = policy_from_settings(settings, "")
    effective = PolicyValues(**{k: getattr(eff, k) for k in POLICY_KEYS})
    return PolicyOut(scope=row.scope if row else scope, version=row.version if row else 0,
                     settings=PolicyValues(**settings), effective=effective,
                     created_by=row.created_by if row else "default", created_at=row.created_at if row else None)


_OrganisationParam = Annotated[uuid.UUID | None, Query(
    description="Instance-wide keys only: the organisation whose own policy to read or set (default: the global "
                "policy). A key of an organisation always uses its own.")]


def _policy_organisation(session, principal: Principal, organisation: uuid.UUID | None) -> uuid.UUID | None:
    from service.models.organisations import Organisation

    if principal.organisation_id is not None:
        if organisation is not None and organisation != principal.organisation_id:
            raise InvalidInput("this key acts for its own organisation only", errors=[
                {"loc": ["query", "organisation"], "msg": "not this key's organisation", "type": "value_error"}])
        return principal.organisation_id
    if organisation is not None and session.get(Organisation, organisation) is None:
        raise InvalidInput(f"no organisation {organisation}", errors=[
            {"loc": ["query", "organisation"], "msg": "unknown organisation", "type": "value_error"}])
    return organisation

@router.get("/matching/policy", operation_id="matching-policy-get", summary="Read the matching policy in force",
            response_model=PolicyOut)
def get_policy(session: SessionDep, principal: PolicyReader,
               organisation: _OrganisationParam = None) -> PolicyOut:
    """Read the matching policy in force: the organisation's own (a key of an organisation, or `?organisation=`
    for an instance-wide key), else the global one (the instance default)."""
    org = _policy_organisation(session, principal, organisation)
    own = organisation_policy(session, org) if org is not None else None
    return _policy_out(own or latest_version(session))


@router.put("/matching/policy", operation_id="matching-policy-put", summary="Change the global or an organisation's matching policy (new version)",
            response_model=PolicyOut, responses=problem_responses(InvalidInput))
def put_policy(body: PolicySettings, session: SessionDep, principal: Admin,
               organisation: _OrganisationParam = None) -> PolicyOut:
    """Change a matching policy (a new version). An organisation's admin key sets its organisation's policy
    (used for its invoices in place of the global one); an instance-wide admin key sets the global policy (the
    instance default for organisations without their own), or with `?organisation=` that organisation's."""
    org = _policy_organisation(session, principal, organisation)
    scope = organisation_policy_scope(org) if org is not None else GLOBAL_POLICY_SCOPE
    row = set_global_policy(session, body.model_dump(mode="json", exclude_none=True), actor=principal.actor,
                            scope=scope)
    return _policy_out(row)



@router.get("/matching/policy/versions", operation_id="matching-policy-versions",
            summary="List policy versions (global and per supplier)", response_model=PolicyList)
def list_policy_versions(session: SessionDep, principal: PolicyReader,
                         scope: Annotated[str | None, Query(max_length=100, description="global or supplier:<id>")] = None) -> PolicyList:
    """List policy versions (global and per supplier)."""
    q = select(MatchPolicyVersion).order_by(MatchPolicyVersion.scope, MatchPolicyVersion.version.desc())
    if scope:
        q = q.where(MatchPolicyVersion.scope == scope)
    if principal.organisation_id is not None:
        # the instance's policy, the organisation's own and its suppliers' overrides: another
        # organisation's policy or supplier overrides are not this one's business
        own_suppliers = [supplier_policy_scope(i) for i in session.execute(
            select(Supplier.id).where(Supplier.organisation_id == principal.organisation_id)).scalars()]
        q = q.where(MatchPolicyVersion.scope.in_(
            [GLOBAL_POLICY_SCOPE, organisation_policy_scope(principal.organisation_id), *own_suppliers]))
    return PolicyList(data=[_policy_out(r) for r in session.execute(q.limit(500)).scalars()])


# --- standing orders ---------------------------------------------------------------------------


def _so_out(rule: StandingOrderRule) -> StandingOrderOut:
    return StandingOrderOut.model_validate(rule, from_attributes=True)


@router.post("/standing-orders", operation_id="standing-orders-create", status_code=201,
             summary="Create a standing order (invoices without a purchase order)", response_model=StandingOrderOut)
def create_standing_order(body: StandingOrderIn, session: SessionDep, principal: MasterDataWriter) -> StandingOrderOut:
    """Create a standing order (invoices without a purchase order)."""
    supplier = session.get(Supplier, body.supplier_id)
    if principal.organisation_id is not None and (supplier is None or supplier.organisation_id != principal.organisation_id):
        raise InvalidInput(f"no supplier {body.supplier_id}", errors=[
            {"loc": ["body", "supplier_id"], "msg": "unknown supplier", "type": "value_error"}])
    rule = StandingOrderRule(**body.model_dump(), created_by=principal.actor)
    session.add(rule)
    session.flush()
    return _so_out(rule)


@router.get("/standing-orders", operation_id="standing-orders-list", summary="List standing orders",
            response_model=StandingOrderList)
def list_standing_orders(session: SessionDep, principal: PolicyReader,
                         supplier_id: uuid.UUID | None = None) -> StandingOrderList:
    """List standing orders."""
    q = select(StandingOrderRule).order_by(StandingOrderRule.created_at, StandingOrderRule.id)
    if principal.organisation_id is not None:  # the standing orders of the organisation's suppliers
        q = q.where(StandingOrderRule.supplier_id.in_(
            select(Supplier.id).where(Supplier.organisation_id == principal.organisation_id)))
    if supplier_id:
        q = q.where(StandingOrderRule.supplier_id == supplier_id)
    return StandingOrderList(data=[_so_out(r) for r in session.execute(q.limit(1000)).scalars()])


@router.get("/standing-orders/{rule_id}", operation_id="standing-orders-get", summary="Read a standing order",
            response_model=StandingOrderOut, responses=problem_responses(StandingOrderNotFound))
def get_standing_order(rule_id: uuid.UUID, session: SessionDep, principal: PolicyReader) -> StandingOrderOut:
    """Read a standing order."""
    rule = session.get(StandingOrderRule, rule_id)
    if rule is None:
        raise StandingOrderNotFound(f"no standing order {rule_id}")
    return _so_out(rule)


@router.put("/standing-orders/{rule_id}", operation_id="standing-orders-put", summary="Change a standing order (new version)",
            response_model=StandingOrderOut, responses=problem_responses(StandingOrderNotFound))
def put_standing_order(rule_id: uuid.UUID, body: StandingOrderIn, session: SessionDep,
                       principal: MasterDataWriter) -> StandingOrderOut:
    """Change a standing order (new version)."""
    rule = session.get(StandingOrderRule, rule_id)
    if rule is None:
        raise StandingOrderNotFound(f"no standing order {rule_id}")
    for key, value in body.model_dump().items():
        setattr(rule, key, value)
    rule.version += 1
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()
    return _so_out(rule)


__all__ = ["router"]
