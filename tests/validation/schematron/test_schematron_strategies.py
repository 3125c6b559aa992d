"""The fast (select) evaluation reports exactly what the skeleton-style template walk reports,
for every rule set we compile, on every example and broken variant."""

from __future__ import annotations

from pathlib import Path

import pytest
from sch_documents import TWO_REGISTRATION_NAMES, VARIANTS, big_broken_invoice, big_invoice, example_documents

from service.validation.xmlsafe import parse_bytes
from service.validation.schematron import SchematronRuleSet, compile_schematron

RULE_SETS = {
    "en16931": "en16931/ubl/schematron/EN16931-UBL-validation.sch",
    "peppol": "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch",
    "peppol-bundled-cen": "peppol-bis-billing-3/rules/sch/CEN-EN16931-UBL.sch",
    "si-ubl": "nlcius/schematron/si-ubl-2.0.sch",
    "si-ubl-gaccount": "nlcius/schematron/si-ubl-2.0-ext-gaccount.sch",
}


@pytest.fixture(scope="module")
def documents(artifacts_mirror: Path) -> list[tuple[str, bytes]]:
    docs = [(p.name, p.read_bytes()) for p in example_documents(artifacts_mirror)]
    docs += [(v.name, v.build(artifacts_mirror)) for v in [*VARIANTS, TWO_REGISTRATION_NAMES]]
    # big invoices: the line-level rules run on many nodes
    docs += [("big-150", big_invoice(artifacts_mirror, 150)), ("big-broken-150", big_broken_invoice(artifacts_mirror, 150))]
    return docs


@pytest.mark.parametrize("rule_set", sorted(RULE_SETS))
def test_select_strategy_equals_template_walk(saxon, tmp_path: Path, artifacts_mirror: Path, documents,
                                              rule_set: str) -> None:
    sch = artifacts_mirror / RULE_SETS[rule_set]
    loaded = {}
    for strategy in ("select", "templates"):
        xsl = tmp_path / f"{rule_set}-{strategy}.xsl"
        xsl.write_text(compile_schematron(sch, strategy=strategy))
        loaded[strategy] = SchematronRuleSet.from_xslt(xsl, name=rule_set, processor=saxon)
    with_findings = given_hits = 0
    for name, data in documents:
        node = saxon.parse_xml(xml_text=data.decode("utf-8"))
        fast, walk = loaded["select"].run(node), loaded["templates"].run(node)
        # (no fallback configured: the fast stylesheet alone must agree with the walk)
        assert (fast.error is None) == (walk.error is None), (name, fast.error, walk.error)
        assert sorted(map(repr, fast.failed)) == sorted(map(repr, walk.failed)), name
        # with the lxml tree, the runner answers the absence walk on the document element itself
        given = loaded["select"].run(node, parse_bytes(data))
        assert (given.error, sorted(map(repr, given.failed))) == (fast.error, sorted(map(repr, fast.failed))), name
        with_findings += bool(fast.failed)
        given_hits += any((f.rule_id or "").startswith("UBL-CR") for f in given.failed)
    assert with_findings >= 10
    if rule_set in ("en16931", "peppol-bundled-cen"):
        assert loaded["select"]._given, "the UBL-CR walk on the invoice root takes the runner's answer"
        assert given_hits >= 2  # and documents with unused elements were among them
