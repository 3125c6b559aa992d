"""Validation engine (pure: lxml, xmlschema, saxonche; no web framework, no database).

    from service.validation import ValidationEngine, ValidationReport
    engine = ValidationEngine(artifacts_dir, cache_dir=..., accepted_scenarios=[...])
    report = engine.validate(xml_bytes)            # or rules="en16931", xsd=False
"""

from service.validation.engine import (
    ENGINE_VERSION,
    ArtefactsMissing,
    UnknownRuleSet,
    ValidationEngine,
    default_engine,
    set_default_engine,
    validate,
)
from service.validation.report import (
    Artefact,
    DocumentIdentity,
    Finding,
    LayerKind,
    LayerResult,
    Outcome,
    Severity,
    ValidationReport,
    Validity,
)

__all__ = [
    "ENGINE_VERSION",
    "Artefact",
    "ArtefactsMissing",
    "DocumentIdentity",
    "Finding",
    "LayerKind",
    "LayerResult",
    "Outcome",
    "Severity",
    "UnknownRuleSet",
    "ValidationEngine",
    "ValidationReport",
    "Validity",
    "default_engine",
    "set_default_engine",
    "validate",
]
