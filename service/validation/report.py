"""The validation report: frozen Pydantic models shared by the engine, the API, the CLI and the store.

Vocabulary follows the KoSIT validator (scenario, outcome kept apart from acceptance) and phive (one
record per layer with its artefact, validity and duration; layers after a failed XSD layer are
``skipped``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Artefact",
    "DocumentIdentity",
    "EnvelopeHeader",
    "Finding",
    "LayerKind",
    "LayerResult",
    "Outcome",
    "Severity",
    "ValidationReport",
    "Validity",
]


class Severity(StrEnum):
    """Severity as flagged by the rule set (Schematron ``@flag``); XSD and XML errors are fatal."""

    fatal = "fatal"
    warning = "warning"
    information = "information"


class Validity(StrEnum):
    valid = "valid"
    invalid = "invalid"
    skipped = "skipped"
    error = "error"  # the layer could not finish (e.g. an XSLT dynamic error); counts as a rejection


class Outcome(StrEnum):
    valid = "valid"  # no fatal finding in any layer (warnings may exist)
    invalid = "invalid"  # at least one fatal finding, unsupported document or not well-formed
    error = "error"  # a layer could not be completed (dynamic error in a rule set); rejected too


class LayerKind(StrEnum):
    xml = "xml"
    xsd = "xsd"
    schematron = "schematron"
    scenario = "scenario"
    envelope = "envelope"  # the Peppol StandardBusinessDocument around the document


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Artefact(_Frozen):
    """One pinned artefact a layer used (from the `schemas/` manifest)."""

    name: str = Field(description="Rule set or schema name, e.g. 'en16931' or 'UBL-Invoice-2.1.xsd'.")
    version: str = Field(description="Upstream version (tag, or commit when untagged).")
    sha256: str = Field(description="SHA-256 of the artefact file that was used.")
    path: str = Field(description="Path relative to the artefacts directory.")


class Finding(_Frozen):
    """One failed assertion (or successful report) of a rule set, or one XSD / XML error."""

    rule_id: str | None = Field(
        description="Rule id as published (e.g. 'BR-CO-15', 'PEPPOL-EN16931-R001'); None for XSD errors."
    )
    severity: Severity
    message: str = Field(description="The rule set's message, whitespace-normalised.")
    location: str | None = Field(
        None, description="XPath of the offending node (Schematron, XSD) as reported by the layer."
    )
    line: int | None = Field(None, description="Line in the document (XSD and XML layers).")
    column: int | None = Field(None, description="Column in the document (XML layer).")
    test: str | None = Field(None, description="The Schematron test (XPath) that failed.")
    layer: str = Field(description="Name of the layer that produced the finding.")
    business_terms: tuple[str, ...] = Field(
        (), description="EN 16931 business terms and groups the message names (BT-n, BG-n)."
    )


class LayerResult(_Frozen):
    name: str = Field(description="'xml', 'xsd', or the rule set name ('en16931', 'peppol-bis-3'...).")
    kind: LayerKind
    artefact: Artefact | None = None
    validity: Validity
    duration_ms: float = Field(description="Wall time of this layer in milliseconds.")
    findings: tuple[Finding, ...] = ()
    findings_omitted: int = Field(
        0, description="Findings of this layer not listed (the explanations are capped: the first XSD "
        "errors; the first findings of each failing rule set rule). The verdict counts them all.",
    )
    error: str | None = Field(None, description="Processing error that stopped the layer, if any.")


class EnvelopeHeader(_Frozen):
    """What a Peppol business message envelope (SBDH) said about the document it carried."""

    sender: str | None = Field(None, description="Sender participant identifier, 'scheme:value'.")
    receiver: str | None = Field(None, description="Receiver participant identifier, 'scheme:value'.")
    document_type: str | None = Field(None, description="Peppol document type identifier (DOCUMENTID scope).")
    process: str | None = Field(None, description="Peppol process identifier (PROCESSID scope).")
    instance_identifier: str | None = Field(None, description="The message's unique InstanceIdentifier.")
    created_at: datetime | None = Field(None, description="CreationDateAndTime of the envelope.")
    country_c1: str | None = Field(None, description="COUNTRY_C1 scope: the sender's country.")


class DocumentIdentity(_Frozen):
    """What the document says it is (the identifiers scenario selection used)."""

    root: str | None = Field(None, description="Root element in Clark notation, {namespace}local-name.")
    customization_id: str | None = Field(None, description="BT-24 Specification identifier.")
    profile_id: str | None = Field(None, description="BT-23 Business process type.")


class ValidationReport(_Frozen):
    document_sha256: str
    scenario: str | None = Field(
        description="Scenario id ('peppol-bis-billing-3', 'nlcius', 'en16931', ...); None when unsupported."
    )
    scenario_name: str | None = None
    document: DocumentIdentity = DocumentIdentity()
    artefacts: tuple[Artefact, ...] = ()
    engine_version: str
    validated_at: datetime
    outcome: Outcome
    most_severe: Severity | None = Field(None, description="Most severe finding severity, if any.")
    duration_ms: float
    layers: tuple[LayerResult, ...] = ()
    notes: tuple[str, ...] = Field((), description="Remarks, e.g. that only the core rules applied.")
    release: str | None = Field(
        None, description="Release of the rule sets that come in releases, as applied "
        "('peppol-bis-billing-3@3.0.21'): the one in force at the time of receipt.")
    received_at: datetime | None = Field(
        None, description="Time of receipt the release was chosen for (reports stored before "
        "releases were tracked have none).")
    envelope: EnvelopeHeader | None = Field(
        None, description="The Peppol envelope (SBDH) the document came in, if any; its checks are "
        "the 'envelope' layer.")

    @property
    def valid(self) -> bool:
        return self.outcome is Outcome.valid

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for layer in self.layers for f in layer.findings)

    @property
    def fatal_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.fatal)

    @property
    def failed_rule_ids(self) -> tuple[str, ...]:
        """Distinct ids of the fatal rules, in report order (for RULE_VIOLATION reasons)."""
        seen: dict[str, None] = {}
        for f in self.fatal_findings:
            if f.rule_id:
                seen.setdefault(f.rule_id, None)
        return tuple(seen)

    @property
    def reason_code(self) -> str | None:
        """The validation reason code of DESIGN.md, or None when the document is valid."""
        if self.outcome is Outcome.valid:
            return None
        by_name = {layer.name: layer for layer in self.layers}
        if (xml := by_name.get("xml")) is not None and xml.validity is Validity.invalid:
            return "NOT_WELL_FORMED"
        if (env := by_name.get("envelope")) is not None and env.validity is not Validity.valid:
            return "ENVELOPE_INVALID"
        if self.scenario is None:
            if any(f.rule_id == "PROFILE_NOT_EN16931" for f in self.findings):
                return "PROFILE_NOT_EN16931"
            return "UNSUPPORTED_DOCUMENT"
        if (xsd := by_name.get("xsd")) is not None and xsd.validity is Validity.invalid:
            return "SCHEMA_INVALID"
        return "RULE_VIOLATION"
