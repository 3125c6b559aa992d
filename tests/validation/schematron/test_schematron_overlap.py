"""Which rules of a pattern can take the same node (patterns.py): a later rule's selection leaves
out what earlier rules took only when they may overlap, so a wrong "disjoint" loses findings."""

from __future__ import annotations

import pytest
from tests.validation.schematron.test_schematron_compiler import NS, schema

from service.validation.schematron.patterns import analyse

NSMAP = {"cac": "urn:cac", "cbc": "urn:cbc"}


@pytest.mark.parametrize(("a", "b", "overlap"), [
    ("cac:Supplier/cac:Party/cbc:EndpointID", "cac:Customer/cac:Party/cbc:EndpointID", False),
    ("cac:TaxSubtotal/cac:TaxCategory", "cac:AllowanceCharge/cac:TaxCategory", False),
    ("cac:TaxCategory", "cac:AllowanceCharge/cac:TaxCategory", True),  # a TaxCategory anywhere
    ("cac:X[normalize-space(cbc:ID) = 'AE']", "cac:X[normalize-space(cbc:ID)='E'][cbc:Y]", False),
    ("cac:X[normalize-space(cbc:ID) = 'AE']", "cac:X[normalize-space(cbc:ID) = 'AE']", True),
    ("cac:X[cbc:ID = 'AE']", "cac:X[cbc:ID = 'E']", True),  # two IDs: both can hold
    ("cac:X[normalize-space(cbc:ID) = 'AE' and cbc:Y]", "cac:X[normalize-space(cbc:ID) = 'E']", True),
    ("//*[ends-with(name(), 'Amount') and not(cbc:Z)]", "cac:Delivery", False),
    ("//*[ends-with(name(), 'Amount')]", "cbc:TaxAmount", True),
    ("//*[ends-with(local-name(), 'Amount')]", "cbc:X/@Amount", False),  # elements vs attributes
    ("/*/cac:A/cac:B", "cac:C/cac:B", False),
    ("/*/cac:A/cac:B", "cac:B", True),
])
def test_overlap(a: str, b: str, overlap: bool) -> None:
    ca, cb = analyse(a, NSMAP), analyse(b, NSMAP)
    assert ca is not None and cb is not None
    assert ca.may_overlap(cb) is overlap
    assert cb.may_overlap(ca) is overlap


DOC = f"""<d:doc xmlns:d="{NS}">
  <d:a><d:x k="1"><d:v>1</d:v><d:v>2</d:v></d:x></d:a>
  <d:b><d:x k=" 2 "><d:v>2</d:v></d:x></d:b>
  <d:xAmount/><d:y/>
</d:doc>"""


def test_first_matching_rule_still_wins_where_contexts_may_overlap(run) -> None:
    sch = schema("""
      <pattern>
        <rule context="d:a/d:x"><assert id="AX" test="false()">ax</assert></rule>
        <rule context="d:b/d:x[normalize-space(@k) = '2']"><assert id="BX2" test="false()">b</assert></rule>
        <rule context="d:x[normalize-space(@k) = '3']"><assert id="X3" test="false()">x3</assert></rule>
        <rule context="*[ends-with(local-name(), 'Amount')]"><assert id="AMT" test="false()">amt</assert></rule>
        <rule context="d:y | d:x"><assert id="YX" test="false()">yx</assert></rule>
      </pattern>
      <pattern>
        <rule context="d:x[d:v = '1']"><assert id="V1" test="false()">v1</assert></rule>
        <rule context="d:x[d:v = '2']"><assert id="V2" test="false()">v2</assert></rule>
      </pattern>""")
    fast, walk = run(sch, doc=DOC), run(sch, doc=DOC, strategy="templates")
    assert fast.error is None and not fast.used_fallback
    assert sorted(map(repr, fast.failed)) == sorted(map(repr, walk.failed))
    # the first x has v 1 and v 2: V1 takes it, V2 only gets the second x
    assert sorted(f.rule_id for f in fast.failed) == ["AMT", "AX", "BX2", "V1", "V2", "YX"]
