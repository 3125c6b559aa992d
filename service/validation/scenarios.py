"""Scenarios: which layers a document gets, chosen from the document itself (KoSIT style).

Selection uses the root element and ``cbc:CustomizationID`` (BT-24); ``cbc:ProfileID`` (BT-23) is
recorded. Rule sets do not stack across CIUSes: a Peppol document gets EN 16931 + the Peppol rules,
an NLCIUS document gets the SI-UBL 2.0 stylesheet, which already embeds EN 16931.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from service.validation.report import DocumentIdentity

__all__ = [
    "RULE_SETS",
    "SCENARIOS",
    "RuleSetSpec",
    "Scenario",
    "identify",
    "select_scenario",
]

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
BILLING_ROOTS = frozenset({INVOICE, CREDIT_NOTE})

EN16931 = "urn:cen.eu:en16931:2017"
PEPPOL_BIS3 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
NLCIUS = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
NLCIUS_GACCOUNT = NLCIUS + "#conformant#urn:fdc:nen.nl:gaccount:v1.0"


@dataclass(frozen=True, slots=True)
class RuleSetSpec:
    """A Schematron rule set: an official compiled XSLT, or a .sch source compiled by us.

    The official compiled stylesheets (``en16931/ubl/xslt``, ``nlcius/xsl``) stay pinned: they are
    the reference the compiler's equivalence test compares against, and a fallback (kind "xslt").
    """

    name: str
    title: str
    path: str  # relative to the artefacts dir
    kind: str  # "xslt" (official compiled stylesheet) | "sch" (compiled by service.validation.schematron)


RULE_SETS: dict[str, RuleSetSpec] = {
    spec.name: spec
    for spec in (
        # Our compile of the official sources: proven identical to the official compiled stylesheets
        # (tests/validation/schematron/test_schematron_equivalence.py) and 2-4x faster.
        RuleSetSpec(
            "en16931",
            "CEN EN 16931 UBL rules",
            "en16931/ubl/schematron/EN16931-UBL-validation.sch",
            "sch",
        ),
        # The EN 16931 rules exactly as the Peppol BIS Billing 3.0 release bundles them (CEN 1.3.14.1 in
        # 3.0.19): what the Peppol validators (phive's Peppol VES) run, so Peppol documents are
        # judged by the same EN 16931 version as on the Peppol network.
        RuleSetSpec(
            "en16931-peppol",
            "CEN EN 16931 UBL rules as bundled with Peppol BIS Billing 3.0",
            "peppol-bis-billing-3/rules/sch/CEN-EN16931-UBL.sch",
            "sch",
        ),
        RuleSetSpec(
            "peppol-bis-3",
            "OpenPeppol BIS Billing 3.0 rules",
            "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch",
            "sch",
        ),
        RuleSetSpec(
            "nlcius",
            "SI-UBL 2.0 (NLCIUS) rules, EN 16931 included",
            "nlcius/schematron/si-ubl-2.0.sch",
            "sch",
        ),
        RuleSetSpec(
            "nlcius-gaccount",
            "SI-UBL 2.0 with the G-account extension, EN 16931 included",
            "nlcius/schematron/si-ubl-2.0-ext-gaccount.sch",
            "sch",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    name: str
    rule_sets: tuple[str, ...]
    note: str | None = None  # added to the report (e.g. only the core rules applied)


SCENARIOS: dict[str, Scenario] = {
    s.id: s
    for s in (
        Scenario(
            "peppol-bis-billing-3",
            "Peppol BIS Billing 3.0",
            ("en16931-peppol", "peppol-bis-3"),
        ),
        Scenario("nlcius", "NLCIUS (SI-UBL 2.0)", ("nlcius",)),
        Scenario("nlcius-gaccount", "NLCIUS (SI-UBL 2.0) with G-account extension", ("nlcius-gaccount",)),
        Scenario("en16931", "EN 16931 (core)", ("en16931",)),
        Scenario(
            "en16931-cius",
            "Other CIUS or extension of EN 16931",
            ("en16931",),
            note="The document declares a CIUS or extension of EN 16931 that this service has no rules "
            "for; only the EN 16931 core rules were applied.",
        ),
    )
}


def identify(root: etree._Element) -> DocumentIdentity:
    """Root element, CustomizationID and ProfileID of a parsed document (normalised whitespace)."""

    def child_text(local: str) -> str | None:
        el = root.find(f"{{{CBC}}}{local}")
        if el is None or el.text is None:
            return None
        return " ".join(el.text.split()) or None

    tag = root.tag if isinstance(root.tag, str) else None
    return DocumentIdentity(
        root=tag, customization_id=child_text("CustomizationID"), profile_id=child_text("ProfileID")
    )


def select_scenario(doc: DocumentIdentity) -> Scenario | None:
    """The scenario for a document, or None when it is not an EN 16931 invoice or credit note."""
    if doc.root not in BILLING_ROOTS or not doc.customization_id:
        return None
    cid = doc.customization_id
    if cid == PEPPOL_BIS3:
        return SCENARIOS["peppol-bis-billing-3"]
    if cid.startswith(NLCIUS):  # SI-V20-INV-R000 accepts any suffix (extensions) after the CIUS id
        gaccount = "#conformant#urn:fdc:nen.nl:gaccount:" in cid
        return SCENARIOS["nlcius-gaccount" if gaccount else "nlcius"]
    if cid == EN16931:
        return SCENARIOS["en16931"]
    if cid.startswith(EN16931 + "#compliant#") or cid.startswith(EN16931 + "#conformant#"):
        return SCENARIOS["en16931-cius"]
    return None
