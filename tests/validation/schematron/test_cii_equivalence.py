"""Our compile of the EN 16931 CII rules reports exactly what the official CII stylesheet reports:
on every CII example of the artefacts and on broken variants of every rule family.

Ours runs as the engine runs it (the lxml tree given, after the XSD layer); the official
stylesheet as published.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cii_documents import CII_FAMILIES, CII_VARIANTS, CiiVariant, cii_credit_note, cii_examples
from lxml import etree

from service.validation.schematron import RuleSetResult


def _run_both(saxon, rule_sets, data: bytes) -> tuple[RuleSetResult, RuleSetResult]:
    node = saxon.parse_xml(xml_text=data.decode("utf-8"))
    tree = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True)).getroottree()
    ours = rule_sets["en16931-cii"].run(node, tree, schema_valid=True)
    official = rule_sets["en16931-cii-official"].run(node)
    return ours, official


def _full(result: RuleSetResult) -> list[tuple]:
    return sorted((f.rule_id or "", f.flag or "", f.location, f.kind, f.text, " ".join(f.test.split()))
                  for f in result.failed)


def _assert_same(ours: RuleSetResult, official: RuleSetResult) -> None:
    assert ours.error is None and official.error is None, (ours.error, official.error)
    assert not ours.used_fallback  # the fast path itself was compared
    assert _full(ours) == _full(official)


def test_every_cii_example_same_findings_as_official(saxon, rule_sets, artifacts_mirror: Path) -> None:
    docs = cii_examples(artifacts_mirror)
    assert len(docs) >= 15
    for doc in docs:
        ours, official = _run_both(saxon, rule_sets, doc.read_bytes())
        try:
            _assert_same(ours, official)
        except AssertionError as exc:
            raise AssertionError(f"en16931-cii differs from the official stylesheet on {doc}") from exc
    # (the examples are all clean; the broken variants below make the comparison bite)


def test_cii_credit_note_same_findings_as_official(saxon, rule_sets, artifacts_mirror: Path) -> None:
    ours, official = _run_both(saxon, rule_sets, cii_credit_note(artifacts_mirror))
    _assert_same(ours, official)
    assert not [f for f in official.failed if f.flag == "fatal"]


@pytest.mark.parametrize("variant", CII_VARIANTS, ids=lambda v: v.name)
def test_broken_cii_variant_same_findings_as_official(saxon, rule_sets, artifacts_mirror: Path,
                                                      variant: CiiVariant) -> None:
    ours, official = _run_both(saxon, rule_sets, variant.build(artifacts_mirror))
    _assert_same(ours, official)
    assert set(variant.expect) <= {f.rule_id for f in official.failed}


def test_cii_rule_families_are_covered() -> None:
    ids = {r for v in CII_VARIANTS for r in v.expect}
    for family in CII_FAMILIES:
        assert any(i.startswith(family) for i in ids), family
