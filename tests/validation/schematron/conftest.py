"""Fixtures for the Schematron compiler tests (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.validation.schematron import SchematronRuleSet
# `run` (compile a synthetic schema and run it) for every test module of this directory
from tests.validation.schematron.test_schematron_compiler import run  # noqa: F401

EN16931_SCH = "en16931/ubl/schematron/EN16931-UBL-validation.sch"
EN16931_XSLT = "en16931/ubl/xslt/EN16931-UBL-validation.xslt"
SI_UBL_SCH = "nlcius/schematron/si-ubl-2.0.sch"
SI_UBL_XSLT = "nlcius/xsl/si-ubl-2.0.xsl"
SI_GACCOUNT_SCH = "nlcius/schematron/si-ubl-2.0-ext-gaccount.sch"
SI_GACCOUNT_XSLT = "nlcius/xsl/si-ubl-2.0-ext-gaccount.xsl"
PEPPOL_SCH = "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch"
PEPPOL_3021_SCH = "peppol-bis-billing-3@3.0.21/rules/sch/PEPPOL-EN16931-UBL.sch"
PEPPOL_SB_SCH = "peppol-bis-billing-3@3.0.21/rules/sch/PEPPOL-EN16931-UBL-SB.sch"
CEN_3021_SCH = "peppol-bis-billing-3@3.0.21/rules/sch/CEN-EN16931-UBL.sch"
CII_SCH = "en16931/cii/schematron/EN16931-CII-validation.sch"
CII_XSLT = "en16931/cii/xslt/EN16931-CII-validation.xslt"


@pytest.fixture(scope="session")
def saxon():
    """One SaxonC processor for the whole session (as in the service: one per process)."""
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@pytest.fixture(scope="session")
def sch_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("schematron-cache")


@pytest.fixture(scope="session")
def rule_sets(saxon, sch_cache: Path, artifacts_mirror: Path) -> dict[str, SchematronRuleSet]:
    """Our compiles and the official stylesheets, loaded once per session."""
    a = artifacts_mirror
    return {
        "en16931": SchematronRuleSet.load(saxon, a / EN16931_SCH, sch_cache, name="en16931"),
        "en16931-official": SchematronRuleSet.from_xslt(a / EN16931_XSLT, name="en16931-official", processor=saxon),
        "si-ubl": SchematronRuleSet.load(saxon, a / SI_UBL_SCH, sch_cache, name="si-ubl-2.0"),
        "si-ubl-official": SchematronRuleSet.from_xslt(a / SI_UBL_XSLT, name="si-ubl-2.0-official", processor=saxon),
        "si-ubl-gaccount": SchematronRuleSet.load(saxon, a / SI_GACCOUNT_SCH, sch_cache, name="si-ubl-2.0-gaccount"),
        "si-ubl-gaccount-official": SchematronRuleSet.from_xslt(
            a / SI_GACCOUNT_XSLT, name="si-ubl-2.0-gaccount-official", processor=saxon),
        "peppol": SchematronRuleSet.load(saxon, a / PEPPOL_SCH, sch_cache, name="peppol-bis-billing-3"),
        "peppol-3.0.21": SchematronRuleSet.load(saxon, a / PEPPOL_3021_SCH, sch_cache, name="peppol-bis-3@3.0.21"),
        "peppol-sb": SchematronRuleSet.load(saxon, a / PEPPOL_SB_SCH, sch_cache, name="peppol-sb-3@3.0.21"),
        "en16931-peppol-3.0.21": SchematronRuleSet.load(saxon, a / CEN_3021_SCH, sch_cache,
                                                        name="en16931-peppol@3.0.21"),
        "en16931-cii": SchematronRuleSet.load(saxon, a / CII_SCH, sch_cache, name="en16931-cii"),
        "en16931-cii-official": SchematronRuleSet.from_xslt(a / CII_XSLT, name="en16931-cii-official",
                                                            processor=saxon),
    }
