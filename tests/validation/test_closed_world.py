"""Name-suffix contexts selected through attributes on schema-valid documents (closed_world.py).

The rewrite rests on two facts of the pinned UBL 2.1 schema, proved here from the schema itself,
and must give the same findings as the context written out, on every example and on documents
made to trip the rules it concerns.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest
from lxml import etree
from validation_samples import BASE, read, replace_once, ubl_example_files

from service.validation.schematron.closed_world import (
    UBL_SUFFIX_FACTS,
    schema_valid_name_scan,
    schema_valid_select,
)
from service.validation.schematron.index import name_scan, one_pass
from service.validation.xmlsafe import parse_bytes
from service.validation.xsd import UBL_DOCUMENTS, ubl_namespace

EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
NSMAP = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
         "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
EXTENSION_CONTENT = f"{{{EXT}}}ExtensionContent"


def _vocabulary(schema, root: str) -> tuple[list, list[str]]:
    """Every element declaration a valid document can use outside an ExtensionContent (walking the
    content models from the root), and the wildcards met on the way (element name, wildcard)."""
    from xmlschema.validators import XsdAnyElement

    seen: dict[tuple[str, int], object] = {}
    wildcards: list[str] = []
    stack = [schema.maps.elements[root]]
    while stack:
        element = stack.pop()
        key = (element.name, id(element.type))
        if key in seen:
            continue
        seen[key] = element
        if element.name == EXTENSION_CONTENT or not element.type.is_complex():
            continue
        if not element.type.has_complex_content():
            continue  # simple content: text and attributes only
        for item in element.type.content.iter_elements():
            if isinstance(item, XsdAnyElement):
                wildcards.append(element.name)
            else:
                stack.append(item)
    return list(seen.values()), wildcards


@pytest.mark.parametrize("document", UBL_DOCUMENTS)
def test_the_facts_hold_for_the_pinned_ubl_schema(artifacts_dir: Path, document: str) -> None:
    import xmlschema

    schema = xmlschema.XMLSchema10(
        str(artifacts_dir / f"ubl-2.1/xsdrt/maindoc/UBL-{document}-2.1.xsd"), allow="local")
    elements, wildcards = _vocabulary(schema, f"{{{ubl_namespace(document)}}}{document}")
    assert len(elements) > 100
    # ExtensionContent holds the only wildcard: everything else a valid document has is declared
    assert wildcards == [], wildcards
    # and no type can be replaced (xsi:type) by one that adds elements
    extended = [t.name for t in schema.maps.types.values()
                if t.is_complex() and t.has_complex_content() and t.derivation == "extension"
                and t.base_type.is_complex() and t.base_type.has_complex_content()
                and t.target_namespace != "http://www.w3.org/2001/XMLSchema"]  # (the meta-schema's own)
    assert extended == []
    for fact in UBL_SUFFIX_FACTS:
        lacking = set()
        for element in elements:
            if not element.local_name.endswith(fact.suffix):
                continue
            attribute = element.type.attributes.get(fact.attribute) if element.type.is_complex() else None
            if attribute is None or attribute.use != "required":
                lacking.add(f"Q{{{element.target_namespace}}}{element.local_name}")
        assert lacking <= set(fact.exceptions), (fact.suffix, lacking)
        for name in fact.exceptions:  # each listed exception is one (cbc:TimeAmount is a text)
            declared = schema.maps.elements["{" + name[2:]]
            assert fact.attribute not in declared.type.attributes


def test_the_rewrite_applies_to_suffix_contexts_only() -> None:
    dt01 = ("//*[ends-with(local-name(), 'Amount') and not(ends-with(local-name(), 'PriceAmount'))"
            " and not(ancestor::cac:Price/cac:AllowanceCharge)]")
    rewritten = schema_valid_select(dt01)
    predicate = dt01[3:]
    assert rewritten == (
        f"(if ($loc:schema-valid) then (//*[@currencyID]{predicate}"
        f" | //Q{{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}}TimeAmount{predicate}"
        f" | //Q{{{EXT}}}ExtensionContent//*{predicate}) else ({dt01}))")
    assert schema_valid_select("//*[ends-with(local-name(), 'BinaryObject')]").startswith(
        "(if ($loc:schema-valid) then (//*[@mimeCode][ends-with(local-name(), 'BinaryObject')] | //Q{")
    for unchanged in (
        "//*[ends-with(local-name(), 'Amount')][1]",  # two predicates
        "//*[position() = 2 and ends-with(local-name(), 'Amount')]",  # positional
        "//*[ends-with(local-name(), 'Amount') or @x]",  # not a conjunct
        "//*[ends-with(local-name(), 'Quantity')]",  # no fact for the suffix
        "//cbc:*[ends-with(local-name(), 'Amount')]",
        "//cac:InvoiceLine",
    ):
        assert schema_valid_select(unchanged) == unchanged
    for names in (
        ["cbc:Amount", "cbc:TimeAmount"],  # an exception
        ["cbc:IssueDate", "cbc:DueDate"],  # no fact
        ["cbc:Amount", "other:BaseAmount"],  # unknown prefix
    ):
        assert schema_valid_name_scan(names, NSMAP) == name_scan(names)


def test_the_rewrite_applies_to_unions_of_amount_names() -> None:
    names = "self::cbc:Amount | self::cbc:PayableAmount"
    union = f"/descendant::*/({names})"
    assert schema_valid_name_scan(["cbc:Amount", "cbc:PayableAmount"], NSMAP) == (
        f"(if ($loc:schema-valid) then (/descendant::*[@currencyID]/({names})"
        f" | //Q{{{EXT}}}ExtensionContent//*/({names})) else ({union}))")
    # as index.one_pass makes a union of plain //name branches into one pass
    branches = ["//cbc:Amount", "//cbc:BaseAmount", "//cbc:TaxAmount", "//cbc:PayableAmount",
                "//cac:TaxTotal/cbc:TaxAmount"]
    scan = partial(schema_valid_name_scan, nsmap=NSMAP)
    assert one_pass(branches, NSMAP, scan) == [
        scan(["cbc:Amount", "cbc:BaseAmount", "cbc:TaxAmount", "cbc:PayableAmount"]), "//cac:TaxTotal/cbc:TaxAmount"]


# Documents the rules concerned must fire on (each stays valid against the UBL 2.1 XSD).
def _extension(xml: bytes, content: str) -> bytes:
    xml = replace_once(xml, r"<Invoice ", f'<Invoice xmlns:ext="{EXT}" ')
    return replace_once(xml, r"(<Invoice [^>]*>)",
                        r"\1<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent>"
                        + content + "</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>")


TRIPPED = {
    "amount-three-decimals": (
        lambda x: replace_once(x, r'<cbc:PayableAmount currencyID="EUR">1656.25<',
                               '<cbc:PayableAmount currencyID="EUR">1656.250<'),
        {"UBL-DT-01"}),
    "foreign-amount-in-extension": (
        lambda x: _extension(x, '<x:FeeAmount xmlns:x="urn:example:x">1.125</x:FeeAmount>'),
        {"UBL-DT-01"}),
    "foreign-binary-object-in-extension": (
        lambda x: _extension(x, '<x:LogoBinaryObject xmlns:x="urn:example:x">AA==</x:LogoBinaryObject>'),
        {"UBL-DT-06", "UBL-DT-07"}),
    "amount-in-another-currency": (  # PEPPOL-EN16931-R051 (document currency), one-pass union
        lambda x: replace_once(x, r'<cbc:ChargeTotalAmount currencyID="EUR">', '<cbc:ChargeTotalAmount currencyID="USD">'),
        {"PEPPOL-EN16931-R051"}),
    "amount-in-no-currency": (  # BR-CL-03, PEPPOL-EN16931-CL007 (ISO 4217)
        lambda x: replace_once(x, r'<cbc:ChargeTotalAmount currencyID="EUR">', '<cbc:ChargeTotalAmount currencyID="XXY">'),
        {"BR-CL-03", "PEPPOL-EN16931-CL007"}),
    "unknown-currency-in-extension": (
        lambda x: _extension(x, '<cbc:Amount currencyID="XXY">1</cbc:Amount>'),
        {"BR-CL-03", "PEPPOL-EN16931-CL007"}),
    "binary-object-without-filename": (
        lambda x: replace_once(
            x, r"(<cac:AccountingSupplierParty>)",
            '<cac:AdditionalDocumentReference><cbc:ID>a</cbc:ID><cac:Attachment>'
            '<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf">AA==</cbc:EmbeddedDocumentBinaryObject>'
            r"</cac:Attachment></cac:AdditionalDocumentReference>\1"),
        {"UBL-DT-07"}),
}


def _findings(runner, xml: bytes, schema_valid: bool) -> list[tuple]:
    node = runner._processor.parse_xml(xml_text=xml.decode("utf-8"))
    result = runner.run(node, parse_bytes(xml), schema_valid=schema_valid)
    assert result.error is None and not result.used_fallback
    return sorted((f.rule_id or "", f.flag or "", f.location, f.text) for f in result.failed)


def _en16931(engine):
    return engine.rule_set("en16931-peppol").runner._impl


def _runners(engine):
    """Our compiles that read the parameter: EN 16931 (as bundled with Peppol) and Peppol."""
    return [engine.rule_set(name).runner._impl for name in ("en16931-peppol", "peppol-bis-3")]


@pytest.mark.parametrize("variant", sorted(TRIPPED))
def test_tripped_rules_are_found_the_same_either_way(engine, mirror: Path, variant: str) -> None:
    make, expected = TRIPPED[variant]
    xml = make(read(mirror, BASE))
    schema, _ = engine.xsd_schema("Invoice")
    assert schema.check(parse_bytes(xml)).valid  # the premise of the rewrite
    found = set()
    for runner in _runners(engine):
        fast = _findings(runner, xml, schema_valid=True)
        assert fast == _findings(runner, xml, schema_valid=False)
        found |= {f[0] for f in fast}
    assert expected <= found, found


@pytest.mark.parametrize("relative", [f for f in ubl_example_files() if "/ubl-2.1/" not in f])
def test_every_schema_valid_example_same_findings_either_way(engine, mirror: Path, relative: str) -> None:
    xml = read(mirror, relative)
    tree = parse_bytes(xml)
    root = etree.QName(tree.getroot()).localname
    if root not in ("Invoice", "CreditNote") or not engine.xsd_schema(root)[0].check(tree).valid:
        pytest.skip("not a schema-valid invoice or credit note")
    for runner in _runners(engine):
        assert _findings(runner, xml, schema_valid=True) == _findings(runner, xml, schema_valid=False)


def test_the_engine_relies_on_the_schema_only_after_the_xsd_layer(engine, mirror: Path) -> None:
    # an amount without its (required) currency: the XSD layer rejects it; with the XSD layer
    # skipped the rule sets still see it as an amount (were the attribute test applied, not)
    xml = replace_once(read(mirror, BASE), r'<cbc:PayableAmount currencyID="EUR">1656.25<',
                       "<cbc:PayableAmount>1656.251<")
    assert not engine.validate(xml).valid
    skipped = engine.validate(xml, xsd=False)
    locations = [f.location for f in skipped.findings if f.rule_id == "UBL-DT-01"]
    assert locations == ["/ubl:Invoice[1]/cac:LegalMonetaryTotal[1]/cbc:PayableAmount[1]"]
    tripped = TRIPPED["amount-three-decimals"][0](read(mirror, BASE))
    assert [f.location for f in engine.validate(tripped).findings if f.rule_id == "UBL-DT-01"] == [
        "/ubl:Invoice[1]/cac:LegalMonetaryTotal[1]/cbc:PayableAmount[1]"]


@pytest.mark.parametrize(("rule_set", "uses"), [("en16931-peppol", 3), ("peppol-bis-3", 2)])
def test_the_compiled_stylesheets_declare_the_parameter(engine, rule_set: str, uses: int) -> None:
    text = Path(engine.rule_set(rule_set).runner._impl.xsl_path).read_text(encoding="utf-8")
    assert re.search(r'<xsl:param name="loc:schema-valid" select="false\(\)" as="xs:boolean"/>', text)
    # EN 16931: UBL-DT-01, UBL-DT-06/07 and BR-CL-03; Peppol: PEPPOL-EN16931-R051 and -CL007
    assert text.count("$loc:schema-valid") == uses
