"""What a validation explains is capped (caps.py), so that explaining never costs more than
judging: XSD errors beyond the first are counted, not explained; each Schematron rule lists its
first findings; locations of findings among many siblings cost no more than the others. CPU
time of this process is measured (the machine is shared); the verdict never changes."""

from __future__ import annotations

import pytest
from tests.security.documents import BASE, bad_prices, in_extension, many_attributes
from tests.security.measure import code_cpu, cpu_and_memory, cpu_budget

from service.validation.caps import MAX_FINDINGS_PER_RULE, MAX_XSD_FINDINGS

EMPTY_ELEMENT_RULE = "PEPPOL-EN16931-R008"  # "Document MUST not contain empty elements."


@pytest.fixture(scope="module")
def engine(validation):
    built, problems = validation
    assert problems == [] and built is not None, problems
    return built


def layer(report, name):
    return next(item for item in report.layers if item.name == name)


def cpu(fn):
    """The result and CPU seconds of ``fn``, the collector paused (see measure.cpu_and_memory)."""
    result, seconds, _ = cpu_and_memory(fn)
    if isinstance(result, Exception):
        raise result
    return result, seconds


def test_xsd_errors_of_a_large_document_are_counted_beyond_the_first(engine):
    doc = bad_prices(2000)  # 2,000 XSD errors: xmlschema's explanations took 25 s for 4,000
    report, seconds = cpu(lambda: engine.validate(doc))
    assert report.reason_code == "SCHEMA_INVALID"
    xsd = layer(report, "xsd")
    assert len(xsd.findings) == MAX_XSD_FINDINGS and xsd.findings_omitted == 2000 - MAX_XSD_FINDINGS
    assert "PriceAmount" in xsd.findings[0].message and xsd.findings[0].line
    assert seconds < cpu_budget(2.0), f"{seconds:.2f} s of CPU"


def test_xsd_errors_of_a_small_document_are_explained_by_xmlschema_up_to_the_cap(engine):
    report, seconds = cpu(lambda: engine.validate(many_attributes(300)))
    xsd = layer(report, "xsd")
    assert report.reason_code == "SCHEMA_INVALID"
    assert len(xsd.findings) == MAX_XSD_FINDINGS and xsd.findings_omitted == 300 - MAX_XSD_FINDINGS
    assert not xsd.findings[0].message.startswith("Element '{")  # xmlschema's words, not libxml2's
    assert seconds < cpu_budget(2.0), f"{seconds:.2f} s of CPU"


def test_each_rule_lists_its_first_findings_and_counts_the_rest(engine):
    report = engine.validate(in_extension(b"<y/>" * 1000))
    peppol = layer(report, "peppol-bis-3")
    listed = [f for f in peppol.findings if f.rule_id == EMPTY_ELEMENT_RULE]
    assert len(listed) == MAX_FINDINGS_PER_RULE
    assert peppol.findings_omitted == 1000 - MAX_FINDINGS_PER_RULE
    assert report.reason_code == "RULE_VIOLATION" and EMPTY_ELEMENT_RULE in report.failed_rule_ids


def test_schematron_cost_grows_linearly_with_the_findings(engine):
    engine.validate(in_extension(b"<y/>" * 500))  # the positions' code path compiled and warm
    small = code_cpu(lambda: engine.validate(in_extension(b"<y/>" * 1000)))
    large = code_cpu(lambda: engine.validate(in_extension(b"<y/>" * 8000)))
    # 8 times the findings: about 8 times the cost; counting siblings for each finding made it 64
    assert large < 20 * max(small, 0.02), f"1,000 findings {small:.2f} s, 8,000 {large:.2f} s of CPU"
    assert large < cpu_budget(5.0)


def test_a_location_among_many_siblings_counts_only_the_same_named_ones(engine):
    crowd = b"<z>t</z><y>t</y>" * 150 + b"<y/>"  # the empty y is the 151st y, after 300 siblings
    report = engine.validate(in_extension(crowd))
    (finding,) = [f for f in report.findings if f.rule_id == EMPTY_ELEMENT_RULE]
    assert finding.location.endswith("/*:y[namespace-uri()='urn:example'][151]"), finding.location


def test_a_valid_document_is_still_valid(engine):
    report = engine.validate(BASE)
    assert report.outcome.value == "valid" and all(item.findings_omitted == 0 for item in report.layers)
