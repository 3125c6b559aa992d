"""Replay: recompute a stored decision from its stored inputs, with the engine version that made it,
and compare."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from service.matching import UnknownEngineVersion, match
from service.matching.codec import decision_from_json, decision_to_json, inputs_from_json
from service.models.matching import MatchDecision


@dataclass(frozen=True)
class Replay:
    invoice_id: uuid.UUID
    decision_id: uuid.UUID
    identical: bool
    stored_engine_version: str
    engine_version: str
    stored_outcome: str
    outcome: str
    stored_reason_codes: list[str]
    reason_codes: list[str]
    differences: list[str] = field(default_factory=list)  # the top-level parts of the decision that differ
    replayable: bool = True  # False when this code no longer has the decision's engine version
    explanation: str | None = None  # why it cannot be replayed


def replay(row: MatchDecision) -> Replay:
    """The stored decision is read through today's codec first, so fields added since (with their
    defaults) are no difference; a version this code no longer has is reported, not compared."""
    try:
        recomputed = match(inputs_from_json(row.inputs), version=row.engine_version)
    except UnknownEngineVersion as exc:
        return Replay(invoice_id=row.invoice_id, decision_id=row.id, identical=False, replayable=False,
                      explanation=str(exc), stored_engine_version=row.engine_version,
                      engine_version=row.engine_version, stored_outcome=row.outcome, outcome=row.outcome,
                      stored_reason_codes=list(row.reason_codes), reason_codes=list(row.reason_codes))
    now = decision_to_json(recomputed)
    stored = decision_to_json(decision_from_json(row.decision))
    differences = [key for key in sorted(set(now) | set(stored)) if now.get(key) != stored.get(key)]
    return Replay(invoice_id=row.invoice_id, decision_id=row.id, identical=not differences,
                  stored_engine_version=row.engine_version, engine_version=recomputed.engine_version,
                  stored_outcome=row.outcome, outcome=recomputed.outcome.value,
                  stored_reason_codes=list(row.reason_codes), reason_codes=list(recomputed.reason_codes),
                  differences=differences)
