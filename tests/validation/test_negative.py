"""Negative variants of the official examples hit exactly the rules the reference validators report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.validation.validation_samples import BASE, NL_BASE, replace_once

from service.validation import LayerKind, Outcome, Severity, ValidationEngine, Validity

# (id, base document, regex, replacement, rule ids that must be among the fatal findings)
VARIANTS = [
    (
        "br-co-15-totals-do-not-add-up",
        BASE,
        r'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25<',
        '<cbc:TaxInclusiveAmount currencyID="EUR">1656.26<',
        {"BR-CO-15"},
    ),
    (
        "br-cl-01-unknown-type-code",
        BASE,
        r"<cbc:InvoiceTypeCode>380<",
        "<cbc:InvoiceTypeCode>999<",
        {"BR-CL-01"},
    ),
    (
        "br-cl-04-unknown-currency",
        BASE,
        r"<cbc:DocumentCurrencyCode>EUR<",
        "<cbc:DocumentCurrencyCode>EUX<",
        {"BR-CL-04"},
    ),
    (
        "peppol-r001-no-business-process",
        BASE,
        r"\s*<cbc:ProfileID>[^<]*</cbc:ProfileID>",
        "",
        {"PEPPOL-EN16931-R001"},
    ),
    (
        "peppol-r003-no-buyer-reference-nor-order",
        BASE,
        r"\s*<cbc:BuyerReference>[^<]*</cbc:BuyerReference>",
        "",
        {"PEPPOL-EN16931-R003"},
    ),
    (
        "nl-r-003-dutch-supplier-without-kvk-or-oin",
        BASE,
        r"<cbc:IdentificationCode>GB</cbc:IdentificationCode>",
        "<cbc:IdentificationCode>NL</cbc:IdentificationCode>",
        {"NL-R-003"},
    ),
    (
        "nlcius-br-co-15-through-the-si-ubl-stylesheet",
        NL_BASE,
        r"(<cbc:TaxInclusiveAmount currencyID=\"EUR\">)([0-9.]+)<",
        r"\g<1>1.00<",
        {"BR-CO-15"},
    ),
    (
        "gaccount-br-ga-1-one-payment-terms",
        "nlcius-testset/si-ubl-2.0-ext-gaccount/si-ubl-2.0-ext-gaccount_ok_sample.xml",
        r"\s*<cac:PaymentTerms>\s*<cbc:PaymentMeansID>GACCOUNT</cbc:PaymentMeansID>.*?</cac:PaymentTerms>",
        "",
        {"BR-GA-1"},
    ),
    (
        "nl-r-003-dutch-credit-note-supplier-without-kvk-or-oin",
        "peppol-bis-billing-3/rules/examples/base-creditnote-correction.xml",
        r"<cbc:IdentificationCode>GB</cbc:IdentificationCode>(.*?)</cac:AccountingSupplierParty>",
        "<cbc:IdentificationCode>NL</cbc:IdentificationCode>\\g<1></cac:AccountingSupplierParty>",
        {"NL-R-003"},
    ),
    (
        "nlcius-r000-wrong-customization-id",
        NL_BASE,
        r"<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0</cbc:CustomizationID>",
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0#conformant#x</cbc:CustomizationID>",
        set(),
    ),
]


@pytest.mark.parametrize(
    "base, pattern, replacement, expected",
    [v[1:] for v in VARIANTS],
    ids=[v[0] for v in VARIANTS],
)
def test_negative_variant_hits_the_expected_rules(
    engine: ValidationEngine, mirror: Path, base, pattern, replacement, expected
):
    xml = replace_once((mirror / base).read_bytes(), pattern, replacement)
    report = engine.validate(xml)
    fatal = {f.rule_id for f in report.fatal_findings}
    if not expected:
        assert report.outcome is Outcome.valid, fatal
        return
    assert expected <= fatal, fatal
    assert report.outcome is Outcome.invalid
    assert report.reason_code == "RULE_VIOLATION"
    assert set(report.failed_rule_ids) == fatal
    xsd = next(layer for layer in report.layers if layer.name == "xsd")
    assert xsd.validity is Validity.valid


def test_finding_carries_message_location_test_and_business_terms(engine: ValidationEngine, mirror: Path):
    xml = replace_once((mirror / BASE).read_bytes(), r'currencyID="EUR">1656.25<', 'currencyID="EUR">1656.26<')
    report = engine.validate(xml)
    [finding] = [f for f in report.findings if f.rule_id == "BR-CO-15"]
    assert finding.severity is Severity.fatal
    assert finding.layer == "en16931-peppol"
    assert finding.location == "/ubl:Invoice[1]"
    assert "BT-112" in finding.business_terms and "BT-109" in finding.business_terms
    assert finding.message.startswith("[BR-CO-15]")
    assert finding.test and "TaxInclusiveAmount" in finding.test
    layer = next(layer for layer in report.layers if layer.name == "en16931-peppol")
    assert layer.kind is LayerKind.schematron
    assert layer.artefact is not None and layer.artefact.version == "v3.0.21"
    assert layer.validity is Validity.invalid
    assert next(layer for layer in report.layers if layer.name == "peppol-bis-3").validity is Validity.valid


def test_warnings_are_kept_but_do_not_reject(engine: ValidationEngine, mirror: Path):
    # UBL-CR-005 (warning): a UBL invoice should not include the UUID
    xml = replace_once(
        (mirror / BASE).read_bytes(),
        r"(<cbc:ID>Snippet1</cbc:ID>)",
        r"\g<1><cbc:UUID>1f6a3c4e-0000-4000-8000-000000000000</cbc:UUID>",
    )
    report = engine.validate(xml)
    warnings = [f.rule_id for f in report.findings if f.severity is Severity.warning]
    assert warnings == ["UBL-CR-005"], [(f.rule_id, f.severity) for f in report.findings]
    assert report.fatal_findings == ()
    assert report.outcome is Outcome.valid
    assert report.most_severe is Severity.warning


def test_peppol_documents_get_the_en16931_rules_bundled_with_peppol(engine: ValidationEngine, mirror: Path):
    # BR-CO-25 (due date or payment terms when an amount is due) is in the CEN 1.3.14.1 rules that
    # Peppol BIS 3.0.19 bundles (and the Peppol validators run), but no longer in CEN 1.3.16.
    xml = replace_once((mirror / BASE).read_bytes(), r"\s*<cbc:DueDate>[^<]*</cbc:DueDate>", "")
    xml = replace_once(xml, r"\s*<cac:PaymentTerms>.*?</cac:PaymentTerms>", "")
    before_3_0_21 = datetime(2026, 8, 1, tzinfo=UTC)  # 3.0.21 bundles CEN 1.3.16: no BR-CO-25
    peppol = engine.validate(xml, received_at=before_3_0_21)
    assert "BR-CO-25" in peppol.failed_rule_ids
    assert next(f for f in peppol.fatal_findings if f.rule_id == "BR-CO-25").layer == "en16931-peppol"
    assert "BR-CO-25" not in engine.validate(xml).failed_rule_ids
    core = engine.validate(xml, rules="en16931")
    assert "BR-CO-25" not in core.failed_rule_ids
