"""Fixtures for the Schematron compiler tests (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.validation.schematron import SchematronRuleSet

EN16931_SCH = "en16931/ubl/schematron/EN16931-UBL-validation.sch"
EN16931_XSLT = "en16931/ubl/xslt/EN16931-UBL-validation.xslt"
SI_UBL_SCH = "nlcius/schematron/si-ubl-2.0.sch"
SI_UBL_XSLT = "nlcius/xsl/si-ubl-2.0.xsl"
SI_GACCOUNT_SCH = "nlcius/schematron/si-ubl-2.0-ext-gaccount.sch"
SI_GACCOUNT_XSLT = "nlcius/xsl/si-ubl-2.0-ext-gaccount.xsl"
PEPPOL_SCH = "peppol-bis-billing-3/rules/sch/PEPPOL-EN16931-UBL.sch"


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
    }
