"""Large documents take a streaming XSD pass (no lxml tree) and must be reported exactly as the
tree path reports them: same outcome, scenario, layers and findings, whatever is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.validation.test_bench_documents import _bench_module
from tests.validation.validation_samples import BASE, MIRROR, NL_BASE, replace_once, ubl_example_files

from service.validation import ValidationEngine, ValidationReport
from service.validation import engine as engine_module
from service.validation.memory import release_freed_memory
from service.validation.xmlsafe import parse_bytes
from service.validation.xsd import XsdSchema, ubl_xsd_path

CREDIT_NOTE = "peppol-bis-billing-3/rules/examples/base-creditnote-correction.xml"


def summary(report: ValidationReport) -> dict:
    """Everything a report says about the document (durations and timestamps aside)."""
    return {
        "outcome": report.outcome,
        "reason": report.reason_code,
        "scenario": report.scenario,
        "document": report.document,
        "artefacts": [a.name for a in report.artefacts],
        "layers": [(layer.name, layer.validity) for layer in report.layers],
        "findings": [(f.rule_id, f.severity, f.location, f.line, f.column, f.message, f.layer)
                     for f in report.findings],
        "notes": report.notes,
    }


@pytest.fixture
def stream_calls(monkeypatch) -> list[bool]:
    """Records each streaming pass (True when it found the document valid); the real pass runs."""
    calls: list[bool] = []
    real = XsdSchema.stream_valid

    def recording(self, data):
        root = real(self, data)
        calls.append(root is not None)
        return root

    monkeypatch.setattr(XsdSchema, "stream_valid", recording)
    return calls


def both_paths(engine: ValidationEngine, xml: bytes, monkeypatch) -> tuple[dict, dict]:
    """The report of the tree path and the report with every document counted as large."""
    monkeypatch.setattr(engine_module, "LARGE_DOCUMENT_BYTES", 1 << 40)
    tree = summary(engine.validate(xml))
    monkeypatch.setattr(engine_module, "LARGE_DOCUMENT_BYTES", 1)
    streamed = summary(engine.validate(xml))
    return tree, streamed


@pytest.mark.parametrize("relative", [BASE, CREDIT_NOTE, NL_BASE])
def test_valid_documents_are_streamed_and_reported_alike(engine, mirror: Path, monkeypatch, stream_calls, relative):
    tree, streamed = both_paths(engine, (mirror / relative).read_bytes(), monkeypatch)
    assert stream_calls == [True]
    assert streamed == tree
    assert tree["outcome"].value == "valid"


def test_schematron_findings_of_a_streamed_document_are_the_tree_path_findings(engine, mirror, monkeypatch,
                                                                               stream_calls):
    # the first line extension amount is the document total (BT-106): no longer the sum of the lines
    xml = replace_once((mirror / BASE).read_bytes(), r'(<cbc:LineExtensionAmount currencyID="EUR">)[^<]*', r"\g<1>1.00")
    tree, streamed = both_paths(engine, xml, monkeypatch)
    assert stream_calls == [True]
    assert streamed == tree
    assert "BR-CO-10" in {f[0] for f in tree["findings"]}


@pytest.mark.parametrize(
    ("broken", "passes"),
    [
        pytest.param(lambda xml: replace_once(xml, r"(<cbc:IssueDate>)", r"<cbc:Bogus>x</cbc:Bogus>\g<1>"),
                     [False], id="xsd-invalid"),
        pytest.param(lambda xml: xml[: len(xml) // 2], [False], id="truncated"),
        pytest.param(lambda xml: replace_once(xml, r"(<Invoice )", '<!DOCTYPE Invoice [<!ENTITY x "y">]>\\g<1>'),
                     [False], id="doctype"),
        pytest.param(lambda xml: b"<Invoice/>", [], id="no-namespace"),  # no UBL schema: not streamed
        # valid for the XSD, but not a scenario the engine accepts: the tree path reports it
        pytest.param(lambda xml: replace_once(xml, r"<cbc:CustomizationID>[^<]*", "<cbc:CustomizationID>urn:other"),
                     [True], id="unsupported"),
        pytest.param(lambda xml: replace_once(xml, r"<cbc:CustomizationID>", "<cbc:CustomizationID><!-- c -->"),
                     [True], id="comment-in-customization-id"),
    ],
)
def test_anything_wrong_is_reported_as_the_tree_path_reports_it(engine, mirror, monkeypatch, stream_calls,
                                                                 broken, passes):
    xml = broken((mirror / BASE).read_bytes())
    tree, streamed = both_paths(engine, xml, monkeypatch)
    assert streamed == tree
    assert tree["outcome"].value != "valid"
    assert stream_calls == passes


def test_a_large_invoice_is_validated_without_a_tree(engine, mirror, stream_calls, monkeypatch):
    xml = _bench_module().generate_invoice((mirror / BASE).read_bytes(), 800)
    assert len(xml) > engine_module.LARGE_DOCUMENT_BYTES
    streamed = summary(engine.validate(xml))
    assert stream_calls == [True]
    assert streamed["outcome"].value == "valid"
    assert streamed == summary(engine.validate(xml, tree=parse_bytes(xml)))  # a given tree: no streaming
    assert stream_calls == [True]


def test_after_a_large_document_the_rule_sets_let_go_of_it(engine, mirror, monkeypatch):
    released: list[str] = []
    runners = {name: engine.rule_set(name).runner for name in ("en16931-peppol", "peppol-bis-3")}
    for name, runner in runners.items():
        real = runner.release_document
        monkeypatch.setattr(runner, "release_document",
                            lambda placeholder, real=real, name=name: (released.append(name), real(placeholder)))
    base = (mirror / BASE).read_bytes()
    small = summary(engine.validate(base))
    assert released == []  # small documents: nothing worth the call
    broken = replace_once(base, r"<cbc:IssueDate>[^<]*", "<cbc:IssueDate>2017-02-30")  # no such date: XSD
    large = _bench_module().generate_invoice(base, 800)
    first = summary(engine.validate(large))
    assert sorted(released) == sorted(runners)
    # the next documents, large or small, valid or not, are validated as before
    assert summary(engine.validate(large)) == first and first["outcome"].value == "valid"
    assert summary(engine.validate(base)) == small
    assert summary(engine.validate(broken))["outcome"].value == "invalid"


@pytest.fixture(scope="module")
def schemas(artifacts_dir: Path) -> dict[str, XsdSchema]:
    return {d: XsdSchema(ubl_xsd_path(artifacts_dir, d)) for d in ("Invoice", "CreditNote")}


@pytest.mark.parametrize("relative", ubl_example_files())
def test_streaming_xsd_verdict_equals_the_tree_verdict_on_every_example(schemas, relative):
    xml = (MIRROR / relative).read_bytes()
    tree = parse_bytes(xml)
    local = tree.getroot().tag.rpartition("}")[2]
    if local not in schemas:
        pytest.skip(f"not an invoice or credit note: {local}")
    assert (schemas[local].stream_valid(xml) is not None) == schemas[local].check(tree).valid


@pytest.mark.process  # ctypes.util.find_library runs ldconfig
def test_freed_memory_is_returned_on_glibc():
    assert release_freed_memory() is True
