"""Engine behaviour: layers, skipping, rule-set override, dynamic errors, scenarios, the report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pydantic
import pytest
from tests.validation.validation_samples import BASE, NL_BASE, replace_once

from service.validation import (
    ENGINE_VERSION,
    Outcome,
    Severity,
    UnknownRuleSet,
    ValidationEngine,
    ValidationReport,
    Validity,
    set_default_engine,
    validate,
)

EN_EXAMPLE = "en16931/ubl/examples/ubl-tc434-example1.xml"


def layers(report: ValidationReport) -> list[tuple[str, str]]:
    return [(layer.name, layer.validity.value) for layer in report.layers]


def test_valid_peppol_invoice_report(engine: ValidationEngine, mirror: Path):
    xml = (mirror / BASE).read_bytes()
    report = engine.validate(xml)
    assert report.outcome is Outcome.valid
    assert report.scenario == "peppol-bis-billing-3"
    assert report.document_sha256 == hashlib.sha256(xml).hexdigest()
    assert report.document.profile_id == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert layers(report) == [
        ("xml", "valid"), ("xsd", "valid"), ("en16931-peppol", "valid"), ("peppol-bis-3", "valid")
    ]
    assert [a.name for a in report.artefacts] == ["UBL-Invoice-2.1.xsd", "en16931-peppol", "peppol-bis-3"]
    paths = {a.name: a.path for a in report.artefacts}
    # received now: Peppol 3.0.21 (mandatory since 2026-08-24), which bundles EN 16931 1.3.16
    assert report.release == "peppol-bis-billing-3@3.0.21"
    assert paths["en16931-peppol"] == "peppol-bis-billing-3@3.0.21/rules/sch/CEN-EN16931-UBL.sch"
    assert {a.version for a in report.artefacts[1:]} == {"v3.0.21"}
    assert report.received_at is not None and report.received_at.tzinfo is not None
    assert all(len(a.sha256) == 64 for a in report.artefacts)
    assert report.engine_version == ENGINE_VERSION
    assert report.validated_at.tzinfo is not None
    assert all(layer.duration_ms >= 0 for layer in report.layers)


def test_schema_invalid_invoice_skips_schematron_layers(engine: ValidationEngine, mirror: Path):
    xml = replace_once((mirror / BASE).read_bytes(), r"(<cbc:IssueDate>)", r"<cbc:Bogus>x</cbc:Bogus>\g<1>")
    xml = replace_once(xml, r'(<cbc:PayableAmount currencyID="EUR">)', r"\g<1>abc")
    report = engine.validate(xml)
    assert report.outcome is Outcome.invalid
    assert report.reason_code == "SCHEMA_INVALID"
    assert layers(report) == [
        ("xml", "valid"), ("xsd", "invalid"), ("en16931-peppol", "skipped"), ("peppol-bis-3", "skipped")
    ]
    findings = report.findings
    assert len(findings) == 2
    bogus, amount = findings
    assert bogus.rule_id is None and bogus.severity is Severity.fatal and bogus.layer == "xsd"
    assert bogus.line == 8 and bogus.location == "/Invoice/cbc:Bogus"
    assert "cbc:Bogus" in bogus.message and "cbc:IssueDate" in bogus.message  # what was expected
    assert amount.location.endswith("cac:LegalMonetaryTotal/cbc:PayableAmount")
    assert "abc" in amount.message and amount.line is not None


def test_a_tree_parsed_by_the_caller_gives_the_same_report(engine: ValidationEngine, mirror: Path):
    from service.validation.xmlsafe import parse_bytes

    valid = (mirror / BASE).read_bytes()
    invalid = replace_once(valid, r"(<cbc:IssueDate>)", r"<cbc:Bogus>x</cbc:Bogus>\g<1>")
    rule_broken = replace_once(valid, r"<cbc:ID>Snippet1</cbc:ID>", "<cbc:ID></cbc:ID>")
    for xml in (valid, invalid, rule_broken):
        tree = parse_bytes(xml)
        given, own = engine.validate(xml, tree=tree), engine.validate(xml)
        assert layers(given) == layers(own)
        assert [f.model_dump() for f in given.findings] == [f.model_dump() for f in own.findings]
        assert given.outcome is own.outcome
        assert tree.getroot().tag.endswith("Invoice")  # only read, never consumed
    assert {engine.validate(x).reason_code for x in (invalid, rule_broken)} == {"SCHEMA_INVALID", "RULE_VIOLATION"}


def test_no_xsd_runs_rules_on_a_partial_document(engine: ValidationEngine, mirror: Path):
    xml = replace_once((mirror / BASE).read_bytes(), r"(<cbc:IssueDate>)", r"<cbc:Bogus>x</cbc:Bogus>\g<1>")
    report = engine.validate(xml, xsd=False)
    assert layers(report)[:2] == [("xml", "valid"), ("xsd", "skipped")]
    assert report.outcome is Outcome.valid


def test_rules_override_applies_one_named_rule_set(engine: ValidationEngine, mirror: Path):
    report = engine.validate((mirror / NL_BASE).read_bytes(), rules="peppol-bis-3")
    assert report.scenario == "rules:peppol-bis-3"
    assert layers(report) == [("xml", "valid"), ("xsd", "valid"), ("peppol-bis-3", "invalid")]
    assert "PEPPOL-EN16931-R004" in report.failed_rule_ids  # wrong CustomizationID for Peppol

    report = engine.validate((mirror / BASE).read_bytes(), rules="nlcius")
    assert "SI-V20-INV-R000" in report.failed_rule_ids

    report = engine.validate((mirror / BASE).read_bytes(), rules="en16931")
    assert report.outcome is Outcome.valid
    assert [layer.name for layer in report.layers] == ["xml", "xsd", "en16931"]

    with pytest.raises(UnknownRuleSet):
        engine.validate(b"<a/>", rules="nope")


def test_rule_set_dynamic_error_rejects_with_a_finding_naming_the_rule_set(
    engine: ValidationEngine, mirror: Path
):
    # SI-UBL 2.0 calls normalize-space() on cbc:RegistrationName: two of them in one party is XPTY0004
    xml = replace_once(
        (mirror / NL_BASE).read_bytes(),
        r"(<cbc:RegistrationName>SimplerInvoicing</cbc:RegistrationName>)",
        r"\g<1></cac:PartyLegalEntity><cac:PartyLegalEntity><cbc:RegistrationName>Second</cbc:RegistrationName>",
    )
    report = engine.validate(xml)
    assert report.outcome is Outcome.error
    assert not report.valid
    assert report.reason_code == "RULE_VIOLATION"
    assert layers(report) == [("xml", "valid"), ("xsd", "valid"), ("nlcius", "error")]
    [finding] = report.findings
    assert finding.rule_id == "RULESET-ERROR" and finding.severity is Severity.fatal
    assert "nlcius" in finding.message and "normalize-space" in finding.message
    assert report.layers[-1].error


@pytest.mark.parametrize(
    "xml, line",
    [(b"", None), (b"<Invoice>", 1), (b"not xml at all", 1), (b"<a></b>", 1)],
    ids=["empty", "unclosed", "text", "mismatched"],
)
def test_not_well_formed_document(engine: ValidationEngine, xml: bytes, line):
    report = engine.validate(xml)
    assert report.outcome is Outcome.invalid
    assert report.reason_code == "NOT_WELL_FORMED"
    assert layers(report) == [("xml", "invalid")]
    [finding] = report.findings
    assert finding.rule_id == "NOT_WELL_FORMED" and finding.line == line


def test_other_cius_gets_the_core_rules_with_a_note(engine: ValidationEngine, mirror: Path):
    xrechnung = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    xml = replace_once(
        (mirror / EN_EXAMPLE).read_bytes(),
        r"<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>",
        f"<cbc:CustomizationID>{xrechnung}</cbc:CustomizationID>",
    )
    report = engine.validate(xml)
    assert report.scenario == "en16931-cius"
    assert report.outcome is Outcome.valid
    assert [layer.name for layer in report.layers] == ["xml", "xsd", "en16931"]
    assert any("only the EN 16931 core rules" in note for note in report.notes)


def test_invoice_without_customization_id_is_unsupported(engine: ValidationEngine, mirror: Path):
    xml = replace_once((mirror / BASE).read_bytes(), r"\s*<cbc:CustomizationID>[^<]*</cbc:CustomizationID>", "")
    report = engine.validate(xml)
    assert report.reason_code == "UNSUPPORTED_DOCUMENT"
    assert "CustomizationID (none)" in report.findings[0].message


def test_scenarios_outside_the_accepted_list_are_unsupported(engine: ValidationEngine, artifacts_dir, mirror):
    only_peppol = ValidationEngine(artifacts_dir, accepted_scenarios=["peppol-bis-billing-3"], verify=False)
    report = only_peppol.validate((mirror / EN_EXAMPLE).read_bytes())
    assert report.reason_code == "UNSUPPORTED_DOCUMENT"
    assert "Scenario en16931 is not accepted" in report.findings[0].message


def test_declared_non_utf8_encoding_reaches_every_layer(engine: ValidationEngine, mirror: Path):
    text = (mirror / BASE).read_text(encoding="utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("Snippet1", "Snippet1-Möller")
    report = engine.validate(text.encode("iso-8859-1"))
    assert report.outcome is Outcome.valid, [(f.rule_id, f.message) for f in report.findings]


def test_report_is_frozen_and_round_trips_as_json(engine: ValidationEngine, mirror: Path):
    xml = replace_once((mirror / BASE).read_bytes(), r'currencyID="EUR">1656.25<', 'currencyID="EUR">1656.26<')
    report = engine.validate(xml)
    data = json.loads(report.model_dump_json())
    assert data["outcome"] == "invalid" and data["scenario"] == "peppol-bis-billing-3"
    assert {"rule_id", "severity", "message", "location", "line", "layer", "business_terms"} <= set(
        data["layers"][2]["findings"][0]
    )
    assert ValidationReport.model_validate(data) == report
    with pytest.raises(pydantic.ValidationError):  # the report is frozen
        report.outcome = Outcome.valid  # type: ignore[misc]


def test_module_level_validate_uses_the_process_wide_engine(engine: ValidationEngine, mirror: Path):
    from service.validation import engine as engine_module

    previous = engine_module._default
    try:
        set_default_engine(engine)
        assert validate((mirror / BASE).read_bytes()).valid
        set_default_engine(None)
        with pytest.raises(RuntimeError):
            validate(b"<a/>")
    finally:
        set_default_engine(previous)


def test_layer_validity_values(engine: ValidationEngine, mirror: Path):
    report = engine.validate((mirror / BASE).read_bytes())
    assert {layer.validity for layer in report.layers} == {Validity.valid}


@pytest.mark.parametrize(
    "relative, document",
    [
        ("ubl-2.1/xml/UBL-Order-2.1-Example.xml", "Order"),
        ("ubl-2.1/xml/UBL-OrderResponse-2.1-Example.xml", "OrderResponse"),
        (BASE, "Invoice"),
    ],
)
def test_validate_schema_checks_any_ubl_document_against_its_xsd(
    engine: ValidationEngine, mirror: Path, relative: str, document: str
):
    report = engine.validate_schema((mirror / relative).read_bytes())
    assert report.scenario == f"ubl-xsd:{document}"
    assert layers(report) == [("xml", "valid"), ("xsd", "valid")]
    assert report.artefacts[0].name == f"UBL-{document}-2.1.xsd"


def test_validate_schema_explains_xsd_errors_and_unknown_roots(engine: ValidationEngine, mirror: Path):
    order = replace_once(
        (mirror / "ubl-2.1/xml/UBL-Order-2.1-Example.xml").read_bytes(), r"(<cbc:IssueDate>)", r"<cbc:Nope/>\g<1>"
    )
    report = engine.validate_schema(order)
    assert report.reason_code == "SCHEMA_INVALID"
    assert "cbc:Nope" in report.findings[0].message and report.findings[0].line
    assert engine.validate_schema(b"<x/>").reason_code == "UNSUPPORTED_DOCUMENT"


def test_official_stylesheet_adapter_reports_findings_and_dynamic_errors(engine: ValidationEngine, mirror: Path):
    from service.validation.rulesets import XsltRuleSet

    official = XsltRuleSet(engine._processor, engine.artifacts_dir / "en16931/ubl/xslt/EN16931-UBL-validation.xslt")
    xml = replace_once((mirror / BASE).read_bytes(), r'currencyID="EUR">1656.25<', 'currencyID="EUR">1656.26<')
    out = official.run(engine._builder.parse_xml(xml_text=xml.decode()))
    assert out.error is None
    assert {f.rule_id for f in out.findings if f.flag == "fatal"} == {"BR-CO-15", "BR-CO-16"}

    si_ubl = XsltRuleSet(engine._processor, engine.artifacts_dir / "nlcius/xsl/si-ubl-2.0.xsl")
    two_names = replace_once(
        (mirror / NL_BASE).read_bytes(),
        r"(<cbc:RegistrationName>SimplerInvoicing</cbc:RegistrationName>)",
        r"\g<1></cac:PartyLegalEntity><cac:PartyLegalEntity><cbc:RegistrationName>Second</cbc:RegistrationName>",
    )
    out = si_ubl.run(engine._builder.parse_xml(xml_text=two_names.decode()))
    assert out.findings == [] and out.error and "normalize-space" in out.error
