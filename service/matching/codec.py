"""JSON form of the engine's inputs and decisions (what a decision row stores, and replay reads)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter

from service.matching.types import Decision, MatchInputs


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def inputs_to_json(inputs: MatchInputs) -> dict[str, Any]:
    return _adapter(MatchInputs).dump_python(inputs, mode="json")


def inputs_from_json(data: dict[str, Any]) -> MatchInputs:
    return _adapter(MatchInputs).validate_python(data)


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return _adapter(Decision).dump_python(decision, mode="json")


def decision_from_json(data: dict[str, Any]) -> Decision:
    return _adapter(Decision).validate_python(data)
