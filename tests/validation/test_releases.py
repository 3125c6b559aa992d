"""Releases by date: a document is judged by the release in force at its time of receipt.

Moving to the next release is a manifest change plus its examples passing: the first test
validates every invoice and credit-note example of every release in the manifest on that
release's first day (and the day before, for its predecessor), so a release entry whose examples
do not pass fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from service.validation import Outcome, ValidationEngine
from service.validation.artefacts import load_manifest, release_states
from service.validation.releases import (
    Release,
    ReleaseStatus,
    release_in_force,
    release_warnings,
)

from tests.validation.validation_samples import MIRROR

NEW = "peppol-bis-billing-3@3.0.21/rules/examples"
BASE = f"{NEW}/base-example.xml"
PROFILE_02 = f"{NEW}/base-example_profile02.xml"
SELF_BILLING = f"{NEW}/Self-billing examples/SB-base-example.xml"
BEFORE = datetime(2026, 8, 23, 23, 59, tzinfo=UTC)
FROM = datetime(2026, 8, 24, 0, 0, tzinfo=UTC)
INVOICE_ROOTS = ("Invoice", "CreditNote")


def _release_examples() -> list[tuple[str, str]]:
    """(release id, example path) for every invoice / credit note example of every release."""
    pairs = []
    for release in load_manifest().releases:
        for folder in release.examples:
            for path in sorted((MIRROR / folder).rglob("*.xml")):
                if etree.QName(etree.parse(str(path)).getroot()).localname in INVOICE_ROOTS:
                    pairs.append((release.id, path.relative_to(MIRROR).as_posix()))
    return pairs


def _first_day(release: Release) -> datetime:
    start = release.applies_from
    if start is None:  # the oldest release: the day before its successor
        successor = next(r for r in load_manifest().releases
                         if r.family == release.family and r.applies_from is not None)
        assert successor.applies_from is not None
        return datetime.combine(successor.applies_from, datetime.min.time(), UTC) - timedelta(days=1)
    return datetime.combine(start, datetime.min.time(), UTC)


def test_the_manifest_holds_both_peppol_releases_with_their_dates() -> None:
    releases = {r.version: r for r in load_manifest().releases if r.family == "peppol-bis-billing-3"}
    assert set(releases) == {"3.0.19", "3.0.21"}
    assert str(releases["3.0.21"].applies_from) == "2026-08-24"
    assert {"peppol-sb-3", "peppol-envelope"} <= set(releases["3.0.21"].rule_sets)
    assert len(_release_examples()) >= 9 + 19  # 3.0.19's and 3.0.21's (incl. 9 self-billing)


@pytest.fixture(scope="module")
def cli_engine(artifacts_dir: Path, tmp_path_factory) -> ValidationEngine:
    """Every scenario, as the CLI validates (the service does not accept self-billing)."""
    return ValidationEngine(artifacts_dir, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize(("release_id", "relative"), _release_examples())
def test_every_example_of_a_release_validates_under_that_release(
    cli_engine: ValidationEngine, mirror: Path, release_id: str, relative: str
) -> None:
    release = next(r for r in load_manifest().releases if r.id == release_id)
    report = cli_engine.validate((mirror / relative).read_bytes(), received_at=_first_day(release))
    assert report.fatal_findings == (), [(f.rule_id, f.message) for f in report.fatal_findings]
    assert report.outcome is Outcome.valid
    assert report.release == release_id
    assert report.notes == ()


def test_documents_received_before_the_date_are_judged_by_3_0_19(engine: ValidationEngine, mirror: Path) -> None:
    xml = (mirror / BASE).read_bytes()
    before, after = engine.validate(xml, received_at=BEFORE), engine.validate(xml, received_at=FROM)
    assert before.release == "peppol-bis-billing-3@3.0.19"
    assert after.release == "peppol-bis-billing-3@3.0.21"
    assert before.received_at == BEFORE
    assert {a.path for a in before.artefacts if a.name == "peppol-bis-3"} == {
        "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch"}
    assert {a.path for a in after.artefacts if a.name == "peppol-bis-3"} == {
        "peppol-bis-billing-3@3.0.21/rules/sch/PEPPOL-EN16931-UBL.sch"}
    # the default is now (after 2026-08-24)
    assert engine.validate(xml).release == "peppol-bis-billing-3@3.0.21"


def test_profile_02_is_accepted_from_3_0_21_only(engine: ValidationEngine, mirror: Path) -> None:
    xml = (mirror / PROFILE_02).read_bytes()
    assert engine.validate(xml, received_at=FROM).outcome is Outcome.valid
    old = engine.validate(xml, received_at=BEFORE)
    assert old.failed_rule_ids == ("PEPPOL-EN16931-R007",)  # 3.0.19 knew no billing_with_response


def test_self_billing_uses_the_first_release_that_has_its_rules(cli_engine: ValidationEngine, mirror: Path) -> None:
    report = cli_engine.validate((mirror / SELF_BILLING).read_bytes(), received_at=BEFORE)
    assert report.scenario == "peppol-self-billing-3"
    assert report.outcome is Outcome.valid
    assert report.release == "peppol-bis-billing-3@3.0.21"
    assert any("has no peppol-sb-3 rules" in note for note in report.notes)


def test_naive_time_of_receipt_is_refused(engine: ValidationEngine, mirror: Path) -> None:
    with pytest.raises(ValueError):
        engine.validate((mirror / BASE).read_bytes(), received_at=datetime(2026, 9, 1))


# -- rules added in 3.0.20 / 3.0.21 fire on broken variants (and not under 3.0.19) ----------------

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"cbc": CBC, "cac": CAC}
SUPPLIER = "/*/cac:AccountingSupplierParty/cac:Party"
CUSTOMER = "/*/cac:AccountingCustomerParty/cac:Party"


def _mutated(mirror: Path, *edits: tuple[str, str | None, str]) -> bytes:
    """(xpath, attribute or None for the text, value) applied to the base example."""
    root = etree.fromstring((mirror / BASE).read_bytes())
    for path, attribute, value in edits:
        nodes = root.xpath(path, namespaces=NS)
        assert nodes, path
        for node in nodes:
            if attribute is None:
                node.text = value
            else:
                node.set(attribute, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _party_id(scheme: str, value: str) -> tuple[tuple[str, str | None, str], ...]:
    path = f"{SUPPLIER}/cac:PartyIdentification/cbc:ID"
    return ((path, "schemeID", scheme), (path, None, value))


NEW_RULES = [
    ("PEPPOL-COMMON-R052", "fatal", _party_id("0096", "12345")),
    ("PEPPOL-COMMON-R053", "fatal", _party_id("0198", "12345")),
    ("PEPPOL-COMMON-R054", "warning", _party_id("0106", "1234")),
    ("PEPPOL-COMMON-R055", "warning", _party_id("0190", "1234")),
    ("PEPPOL-COMMON-R056-1", "warning", _party_id("9944", "NL1234")),
    ("PEPPOL-COMMON-R057", "warning", _party_id("0217", "1234")),
    ("PEPPOL-COMMON-R056-2", "warning",
     ((f"{SUPPLIER}/cac:PartyTaxScheme/cbc:CompanyID", None, "NL12345"),)),
    ("DK-R-017", "fatal",
     ((f"{SUPPLIER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode", None, "DK"),
      (f"{CUSTOMER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode", None, "DK"),
      (f"{CUSTOMER}/cac:PartyLegalEntity/cbc:CompanyID", "schemeID", "0088"))),
]


@pytest.mark.parametrize(("rule_id", "severity", "edits"), NEW_RULES, ids=[r[0] for r in NEW_RULES])
def test_rule_added_in_3_0_21_fires_on_a_broken_variant(
    engine: ValidationEngine, mirror: Path, rule_id: str, severity: str, edits
) -> None:
    xml = _mutated(mirror, *edits)
    new = engine.validate(xml, received_at=FROM)
    old = engine.validate(xml, received_at=BEFORE)
    assert {f.severity.value for f in new.findings if f.rule_id == rule_id} == {severity}
    assert rule_id not in {f.rule_id for f in old.findings}


def test_customization_id_with_a_version_suffix_is_refused_from_3_0_21(engine: ValidationEngine, mirror: Path) -> None:
    xml = _mutated(mirror, ("/*/cbc:CustomizationID", None,
                            "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"))
    new = engine.validate(xml, rules="peppol-bis-3", received_at=FROM)
    old = engine.validate(xml, rules="peppol-bis-3", received_at=BEFORE)
    assert "PEPPOL-EN16931-R004" in new.failed_rule_ids
    assert "PEPPOL-EN16931-R004" not in old.failed_rule_ids


def test_en16931_1_3_16_bundled_with_3_0_21_limits_originator_references(
    engine: ValidationEngine, mirror: Path
) -> None:
    root = etree.fromstring((mirror / BASE).read_bytes())
    anchor = root.find(f"{{{CAC}}}AccountingSupplierParty")
    for value in ("A", "B"):
        ref = etree.Element(f"{{{CAC}}}OriginatorDocumentReference")
        etree.SubElement(ref, f"{{{CBC}}}ID").text = value
        anchor.addprevious(ref)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    new = engine.validate(xml, rules="en16931-peppol", xsd=False, received_at=FROM)
    old = engine.validate(xml, rules="en16931-peppol", xsd=False, received_at=BEFORE)
    assert "UBL-SR-56" in new.failed_rule_ids
    assert "UBL-SR-56" not in {f.rule_id for f in old.findings}


def test_currency_xcg_is_known_from_3_0_21(engine: ValidationEngine, mirror: Path) -> None:
    xml = _mutated(mirror, ("/*/cbc:DocumentCurrencyCode", None, "XCG"), ("//*[@currencyID]", "currencyID", "XCG"))
    assert "BR-CL-04" not in engine.validate(xml, received_at=FROM).failed_rule_ids
    assert "BR-CL-04" in engine.validate(xml, received_at=BEFORE).failed_rule_ids


# -- status of the releases, warnings --------------------------------------------------------------


def test_release_in_force_picks_the_latest_installed_release_whose_date_has_come() -> None:
    releases = load_manifest().releases
    assert release_in_force(releases, "peppol-bis-billing-3", BEFORE).version == "3.0.19"
    assert release_in_force(releases, "peppol-bis-billing-3", FROM).version == "3.0.21"
    only_old = {"peppol-bis-billing-3@3.0.19"}
    assert release_in_force(releases, "peppol-bis-billing-3", FROM, installed=only_old).version == "3.0.19"
    only_new = {"peppol-bis-billing-3@3.0.21"}  # older documents then get the oldest installed
    assert release_in_force(releases, "peppol-bis-billing-3", BEFORE, installed=only_new).version == "3.0.21"
    assert release_in_force(releases, "other", FROM) is None


def test_status_active_superseded_and_scheduled(artifacts_dir: Path) -> None:
    manifest = load_manifest()
    now = {s.release.version: s.status for s in release_states(artifacts_dir, manifest, FROM)}
    assert now == {"3.0.19": ReleaseStatus.superseded, "3.0.21": ReleaseStatus.active}
    then = {s.release.version: s.status for s in release_states(artifacts_dir, manifest, BEFORE)}
    assert then == {"3.0.19": ReleaseStatus.active, "3.0.21": ReleaseStatus.scheduled}
    assert release_warnings(release_states(artifacts_dir, manifest, FROM)) == []


def test_a_successor_past_its_date_but_not_installed_is_overdue_and_warned(tmp_path: Path, artifacts_dir: Path) -> None:
    from service.validation.artefacts import install_from_mirror, missing_artefacts

    manifest = load_manifest()
    install_from_mirror(MIRROR, tmp_path, include_examples=False)
    (tmp_path / "peppol-bis-billing-3@3.0.21/rules/sch/PEPPOL-EN16931-UBL.sch").unlink()
    states = {s.release.version: s for s in release_states(tmp_path, manifest, FROM)}
    assert states["3.0.21"].status is ReleaseStatus.overdue and not states["3.0.21"].installed
    assert states["3.0.19"].status is ReleaseStatus.active
    [warning] = release_warnings(states.values())
    assert "3.0.21 is mandatory since 2026-08-24" in warning and "still validated with 3.0.19" in warning
    # not a reason to refuse to start: 3.0.19 is installed and applied
    assert missing_artefacts(tmp_path, manifest) == []
    # before its date, a missing successor is merely scheduled
    assert release_warnings(release_states(tmp_path, manifest, BEFORE)) == []

