"""Invoice and CreditNote schemas compiled as one (xsd.compile_schemas) validate as each alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.validation.validation_samples import BASE, MIRROR, replace_once, ubl_example_files

from service.validation.xmlsafe import parse_bytes
from service.validation.xsd import compile_schemas, ubl_xsd_path

CREDIT_NOTE = "peppol-bis-billing-3/rules/examples/base-creditnote-correction.xml"


@pytest.fixture(scope="module")
def compiled(artifacts_dir: Path):
    paths = {d: ubl_xsd_path(artifacts_dir, d) for d in ("Invoice", "CreditNote")}
    alone = {d: compile_schemas([p]) for d, p in paths.items()}
    return alone, compile_schemas(list(paths.values()))


def _documents() -> list[tuple[str, bytes]]:
    docs = [(rel, (MIRROR / rel).read_bytes()) for rel in ubl_example_files()]
    base, credit = (MIRROR / BASE).read_bytes(), (MIRROR / CREDIT_NOTE).read_bytes()
    return [
        *docs,
        ("invoice, unknown element", replace_once(base, "<cbc:IssueDate>", "<cbc:Unknown>x</cbc:Unknown><cbc:IssueDate>")),
        ("invoice, bad date", replace_once(base, r"<cbc:IssueDate>[^<]*", "<cbc:IssueDate>2017-13-45")),
        ("invoice, missing ID", replace_once(base, r"<cbc:ID>[^<]*</cbc:ID>", "")),
        ("credit note, unknown element", replace_once(credit, "<cbc:IssueDate>", "<cbc:Unknown/><cbc:IssueDate>")),
        ("credit note as an invoice", credit.replace(b"CreditNote", b"Invoice")),
    ]


def test_every_document_gets_the_verdict_and_the_errors_of_its_own_schema(compiled):
    alone, together = compiled
    checked = invalid = 0
    for name, xml in _documents():
        tree = parse_bytes(xml)
        local = tree.getroot().tag.rpartition("}")[2]
        if local not in alone:
            continue
        own = alone[local]
        assert own.validate(tree) == together.validate(tree), name
        assert [(e.line, e.message) for e in own.error_log] == [(e.line, e.message) for e in together.error_log], name
        checked += 1
        invalid += not own.validate(tree)
    assert checked >= 35 and invalid >= 4, (checked, invalid)  # the examples and the broken variants
