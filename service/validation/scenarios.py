"""Scenarios: which layers a document gets, chosen from the document itself (KoSIT style).

Selection uses the root element and the specification identifier BT-24 (UBL ``cbc:CustomizationID``,
CII ``GuidelineSpecifiedDocumentContextParameter/ram:ID``); the business process BT-23 (UBL
``cbc:ProfileID``, CII ``BusinessProcessSpecifiedDocumentContextParameter/ram:ID``) is recorded.
Rule sets do not stack across CIUSes: a Peppol document gets EN 16931 + the Peppol rules, an NLCIUS
document gets the SI-UBL 2.0 stylesheet, which already embeds EN 16931. The Peppol rule sets come
in releases by date (``releases.py``): their paths are the release's, not fixed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from service.validation.report import DocumentIdentity

__all__ = [
    "BELOW_EN16931",
    "CII_INVOICE",
    "RULE_SETS",
    "SCENARIOS",
    "RuleSetSpec",
    "Scenario",
    "below_en16931",
    "identify",
    "select_scenario",
]

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
BILLING_ROOTS = frozenset({INVOICE, CREDIT_NOTE})
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CII_INVOICE = f"{{{RSM}}}CrossIndustryInvoice"

EN16931 = "urn:cen.eu:en16931:2017"
PEPPOL_BIS3 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
NLCIUS = "urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0"
NLCIUS_GACCOUNT = NLCIUS + "#conformant#urn:fdc:nen.nl:gaccount:v1.0"
PEPPOL_SELF_BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0"
# Factur-X / ZUGFeRD profiles that carry less than an EN 16931 invoice (no lines, or no VAT
# breakdown): PROFILE_NOT_EN16931. BASIC is a CIUS of EN 16931 and goes through.
BELOW_EN16931 = {
    "urn:factur-x.eu:1p0:minimum": "Factur-X / ZUGFeRD MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "Factur-X / ZUGFeRD BASIC WL",
    "urn:zugferd.de:2p0:minimum": "ZUGFeRD 2.0 MINIMUM",
    "urn:zugferd.de:2p0:basicwl": "ZUGFeRD 2.0 BASIC WL",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:basic": "ZUGFeRD 1.0 BASIC",
}
# ZUGFeRD 1.0 identifiers of the profiles that carry an EN 16931 invoice; the CEN CII examples
# still declare COMFORT this way.
LEGACY_EN16931_CII = frozenset({
    "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:extended",
})


@dataclass(frozen=True, slots=True)
class RuleSetSpec:
    """A Schematron rule set: an official compiled XSLT, or a .sch source compiled by us.

    The official compiled stylesheets (``en16931/ubl/xslt``, ``nlcius/xsl``) stay pinned: they are
    the reference the compiler's equivalence test compares against, and a fallback (kind "xslt").
    """

    name: str
    title: str
    path: str | None  # relative to the artefacts dir; None: the path is the release's (``family``)
    kind: str  # "xslt" (official compiled stylesheet) | "sch" (compiled by service.validation.schematron)
    family: str | None = None  # the release family whose releases give the path (releases.py)


PEPPOL_FAMILY = "peppol-bis-billing-3"

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
            None,
            "sch",
            PEPPOL_FAMILY,
        ),
        RuleSetSpec("peppol-bis-3", "OpenPeppol BIS Billing 3.0 rules", None, "sch", PEPPOL_FAMILY),
        RuleSetSpec("peppol-sb-3", "OpenPeppol Self-Billing 3.0 rules", None, "sch", PEPPOL_FAMILY),
        # BR-SBDH-1..4 on a StandardBusinessDocument around a billing document (envelope.py)
        RuleSetSpec("peppol-envelope", "OpenPeppol envelope (SBDH) rules", None, "sch", PEPPOL_FAMILY),
        # Our compile of the EN 16931 CII rules, proven identical to the official CII stylesheet
        # (tests/validation/schematron/test_schematron_equivalence.py)
        RuleSetSpec(
            "en16931-cii",
            "CEN EN 16931 CII rules",
            "en16931/cii/schematron/EN16931-CII-validation.sch",
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
    syntax: str = "ubl"  # "ubl" | "cii": the XSD and the EN 16931 parser of the document

    @property
    def family(self) -> str | None:
        """The release family of its rule sets (one at most), when they come in releases."""
        return next((RULE_SETS[r].family for r in self.rule_sets if RULE_SETS[r].family), None)


SCENARIOS: dict[str, Scenario] = {
    s.id: s
    for s in (
        Scenario(
            "peppol-bis-billing-3",
            "Peppol BIS Billing 3.0",
            ("en16931-peppol", "peppol-bis-3"),
        ),
        Scenario(
            "peppol-self-billing-3",
            "Peppol Self-Billing 3.0",
            ("en16931-peppol", "peppol-sb-3"),
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
        Scenario("en16931-cii", "EN 16931 (core), UN/CEFACT CII D16B", ("en16931-cii",), syntax="cii"),
        Scenario(
            "en16931-cii-cius",
            "Other CIUS or extension of EN 16931 (XRechnung, Factur-X, ZUGFeRD), UN/CEFACT CII D16B",
            ("en16931-cii",),
            note="The document declares a CIUS or extension of EN 16931 (such as XRechnung or a "
            "Factur-X / ZUGFeRD profile) that this service has no rules for; only the EN 16931 core "
            "rules were applied.",
            syntax="cii",
        ),
    )
}


def identify(root: etree._Element) -> DocumentIdentity:
    """Root element, BT-24 specification and BT-23 process identifiers of a parsed document
    (UBL or CII; normalised whitespace)."""

    def text(path: str) -> str | None:
        el = root.find(path)
        if el is None or el.text is None:
            return None
        return " ".join(el.text.split()) or None

    tag = root.tag if isinstance(root.tag, str) else None
    if tag == CII_INVOICE:
        context = f"{{{RSM}}}ExchangedDocumentContext"
        return DocumentIdentity(
            root=tag,
            customization_id=text(f"{context}/{{{RAM}}}GuidelineSpecifiedDocumentContextParameter/{{{RAM}}}ID"),
            profile_id=text(f"{context}/{{{RAM}}}BusinessProcessSpecifiedDocumentContextParameter/{{{RAM}}}ID"),
        )
    return DocumentIdentity(
        root=tag, customization_id=text(f"{{{CBC}}}CustomizationID"), profile_id=text(f"{{{CBC}}}ProfileID")
    )


def select_scenario(doc: DocumentIdentity) -> Scenario | None:
    """The scenario for a document, or None when it is not an EN 16931 invoice or credit note."""
    if doc.root == CII_INVOICE and doc.customization_id:
        if doc.customization_id == EN16931:
            return SCENARIOS["en16931-cii"]
        if _declares_en16931(doc.customization_id) or doc.customization_id in LEGACY_EN16931_CII:
            return SCENARIOS["en16931-cii-cius"]
        return None
    if doc.root not in BILLING_ROOTS or not doc.customization_id:
        return None
    cid = doc.customization_id
    if cid == PEPPOL_BIS3:
        return SCENARIOS["peppol-bis-billing-3"]
    if cid == PEPPOL_SELF_BILLING:
        return SCENARIOS["peppol-self-billing-3"]
    if cid.startswith(NLCIUS):  # SI-V20-INV-R000 accepts any suffix (extensions) after the CIUS id
        gaccount = "#conformant#urn:fdc:nen.nl:gaccount:" in cid
        return SCENARIOS["nlcius-gaccount" if gaccount else "nlcius"]
    if cid == EN16931:
        return SCENARIOS["en16931"]
    if _declares_en16931(cid):
        return SCENARIOS["en16931-cius"]
    return None


def _declares_en16931(cid: str) -> bool:
    return cid.startswith(EN16931 + "#compliant#") or cid.startswith(EN16931 + "#conformant#")


def below_en16931(doc: DocumentIdentity) -> str | None:
    """The name of a Factur-X / ZUGFeRD profile below EN 16931 that a CII document declares."""
    if doc.root != CII_INVOICE or not doc.customization_id:
        return None
    return BELOW_EN16931.get(doc.customization_id)
