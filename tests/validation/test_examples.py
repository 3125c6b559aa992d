"""Every official example validates under its scenario exactly as the reference validators say."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.validation import Outcome, Severity, ValidationEngine

from tests.validation.validation_samples import MIRROR, MIRROR_EXAMPLE_DIRS, example_files

# issue116.xml is a Peppol document whose Swedish identifiers fail PEPPOL-COMMON-R049 under the
# current Peppol rules (3.0.19), as the official Peppol validator reports.
EXPECTED_INVALID = {"en16931/ubl/examples/issue116.xml": {"PEPPOL-COMMON-R049"}}

EXPECTED_SCENARIO = {
    "en16931/ubl/examples/BIS3_Invoice_positive.XML": "peppol-bis-billing-3",
    "en16931/ubl/examples/ubl-tc434-example1.xml": "en16931",
    "en16931/ubl/examples/ubl-tc434-creditnote1.xml": "en16931",
    "peppol-bis-billing-3/rules/examples/base-example.xml": "peppol-bis-billing-3",
    "peppol-bis-billing-3/rules/examples/base-creditnote-correction.xml": "peppol-bis-billing-3",
    "nlcius-testset/SI-UBL-2.0/SI-UBL-2.0_ok_full.xml": "nlcius",
    "nlcius-testset/si-ubl-2.0-ext-gaccount/si-ubl-2.0-ext-gaccount_ok_sample.xml": "nlcius-gaccount",
}


def test_the_example_folders_are_not_empty():
    assert len(sorted((MIRROR / "ubl-2.1" / "xml").glob("*.xml"))) == 7
    files = example_files()
    for folder in MIRROR_EXAMPLE_DIRS:
        assert any(f.startswith(folder) for f in files), folder
    assert len(files) >= 32


@pytest.mark.parametrize("relative", example_files())
def test_official_example_validates_under_its_scenario(engine: ValidationEngine, mirror: Path, relative: str):
    report = engine.validate((mirror / relative).read_bytes())
    fatal_rules = {f.rule_id for f in report.fatal_findings}
    if relative in EXPECTED_INVALID:
        assert report.outcome is Outcome.invalid
        assert report.reason_code == "RULE_VIOLATION"
        assert fatal_rules == EXPECTED_INVALID[relative]
    else:
        assert report.fatal_findings == (), [(f.rule_id, f.message) for f in report.fatal_findings]
        assert report.outcome is Outcome.valid
        assert report.reason_code is None
    assert report.scenario is not None
    if relative in EXPECTED_SCENARIO:
        assert report.scenario == EXPECTED_SCENARIO[relative]
    assert [layer.name for layer in report.layers][:2] == ["xml", "xsd"]


@pytest.mark.parametrize(
    "relative",
    sorted(p.relative_to(MIRROR).as_posix() for p in (MIRROR / "ubl-2.1" / "xml").glob("*.xml")),
)
def test_generic_oasis_samples_are_unsupported_documents(engine: ValidationEngine, mirror: Path, relative: str):
    report = engine.validate((mirror / relative).read_bytes())
    assert report.outcome is Outcome.invalid
    assert report.reason_code == "UNSUPPORTED_DOCUMENT"
    assert report.scenario is None
    [finding] = report.findings
    assert finding.rule_id == "UNSUPPORTED_DOCUMENT"
    assert finding.severity is Severity.fatal
    # the identifiers found are named
    assert "root element {urn:oasis:names:specification:ubl:schema:xsd:" in finding.message
    assert "CustomizationID" in finding.message

