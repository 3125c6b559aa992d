"""Our compile of the official .sch sources reports exactly what the official stylesheets report."""

from __future__ import annotations

from pathlib import Path

import pytest
from sch_documents import TWO_REGISTRATION_NAMES, VARIANTS, Variant, big_broken_invoice, example_documents

from service.validation.schematron import RuleSetResult

MIRROR_EXAMPLES = [
    "en16931/ubl/examples",
    "peppol-bis-billing-3/rules/examples",
    "nlcius-testset",
]


PAIRS = (("en16931", "en16931-official"), ("si-ubl", "si-ubl-official"),
         ("si-ubl-gaccount", "si-ubl-gaccount-official"))


def _key(result: RuleSetResult) -> set[tuple[str | None, str | None, str]]:
    return {(f.rule_id, f.flag, f.location) for f in result.failed}


def _run(saxon, rule_set, data: bytes) -> RuleSetResult:
    node = saxon.parse_xml(xml_text=data.decode("utf-8"))
    return rule_set.run(node)


def _assert_same(ours: RuleSetResult, official: RuleSetResult) -> None:
    assert (ours.error is None) == (official.error is None), (ours.error, official.error)
    if ours.error is None:
        assert not ours.used_fallback  # the fast path itself was compared
    assert _key(ours) == _key(official)
    # Same multiplicity, kind, message and test too (modulo whitespace), not just the same set.
    def full(r: RuleSetResult) -> list[tuple]:
        return sorted((f.rule_id or "", f.flag or "", f.location, f.kind, f.text, " ".join(f.test.split()))
                      for f in r.failed)

    assert full(ours) == full(official)


def test_examples_are_found(artifacts_mirror: Path) -> None:
    docs = example_documents(artifacts_mirror)
    for folder in MIRROR_EXAMPLES:
        assert any(str(d).startswith(str(artifacts_mirror / folder)) for d in docs), folder
    assert len(docs) >= 30


def test_every_example_same_findings_as_official(saxon, rule_sets, artifacts_mirror: Path) -> None:
    checked = 0
    with_findings = 0
    for doc in example_documents(artifacts_mirror):
        data = doc.read_bytes()
        for ours, official in PAIRS:
            a = _run(saxon, rule_sets[ours], data)
            b = _run(saxon, rule_sets[official], data)
            try:
                _assert_same(a, b)
            except AssertionError as exc:
                raise AssertionError(f"{ours} differs from the official stylesheet on {doc}") from exc
            checked += 1
            with_findings += bool(b.failed)
    assert checked >= 90
    assert with_findings >= 10  # the comparison is not vacuous


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_broken_variant_same_findings_as_official(saxon, rule_sets, artifacts_mirror: Path, variant: Variant) -> None:
    data = variant.build(artifacts_mirror)
    official_ids = {}
    for ours, official in PAIRS:
        a, b = _run(saxon, rule_sets[ours], data), _run(saxon, rule_sets[official], data)
        _assert_same(a, b)
        official_ids[ours] = {f.rule_id for f in b.failed}
    assert set(variant.expect_en16931) <= official_ids["en16931"]
    assert set(variant.expect_si_ubl) <= official_ids["si-ubl"]
    assert set(variant.expect_gaccount) <= official_ids["si-ubl-gaccount"]


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.expect_peppol], ids=lambda v: v.name)
def test_broken_variant_hits_expected_peppol_rule(saxon, rule_sets, artifacts_mirror: Path, variant: Variant) -> None:
    result = _run(saxon, rule_sets["peppol"], variant.build(artifacts_mirror))
    assert result.error is None
    assert set(variant.expect_peppol) <= {f.rule_id for f in result.failed}


def test_peppol_base_example_is_clean(saxon, rule_sets, artifacts_mirror: Path) -> None:
    data = (artifacts_mirror / "peppol-bis-billing-3/rules/examples/base-example.xml").read_bytes()
    result = _run(saxon, rule_sets["peppol"], data)
    assert result.error is None and result.failed == []


def test_rule_families_are_covered() -> None:
    ids = {r for v in VARIANTS for r in (*v.expect_en16931, *v.expect_peppol, *v.expect_si_ubl, *v.expect_gaccount)}
    for family in ("BR-0", "BR-CO-", "BR-CL-", "BR-S-", "BR-Z-", "BR-E-", "BR-AE-", "BR-IC-", "BR-DEC-",
                   "UBL-SR-", "PEPPOL-EN16931-R", "PEPPOL-COMMON-R", "NL-R-", "BR-NL-", "BR-GA-"):
        assert any(i.startswith(family) for i in ids), family


def test_dynamic_error_is_reported_not_raised(saxon, rule_sets, artifacts_mirror: Path) -> None:
    data = TWO_REGISTRATION_NAMES.build(artifacts_mirror)
    for name in ("si-ubl", "si-ubl-official", "en16931", "en16931-official", "si-ubl-gaccount",
                 "si-ubl-gaccount-official"):
        result = _run(saxon, rule_sets[name], data)
        assert result.error is not None, name
        assert "XPTY0004" in result.error
        assert rule_sets[name].name in result.error
        assert result.failed == []
    assert rule_sets["si-ubl"].run(saxon.parse_xml(xml_text=data.decode())).used_fallback


def test_big_broken_invoice_same_findings_as_official(saxon, rule_sets, artifacts_mirror: Path) -> None:
    # 150 lines: the line-level rules and the attribute index run on many nodes
    data = big_broken_invoice(artifacts_mirror, 150)
    for ours, official in PAIRS:
        a, b = _run(saxon, rule_sets[ours], data), _run(saxon, rule_sets[official], data)
        _assert_same(a, b)
    ids = {f.rule_id for f in _run(saxon, rule_sets["en16931-official"], data).failed}
    assert {"UBL-DT-08", "UBL-CR-579", "BR-CL-03", "BR-CL-23"} <= ids
