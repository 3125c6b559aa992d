"""Code lists for input checks, read from the installed validation artefacts (never hard-coded).

- UN/ECE Recommendation 20 (+21) unit codes: ``peppol-bis-billing-3/structure/codelist/UNECERec20-11e.xml``
- ISO 4217 currency codes: ``.../ISO4217_2015.xml``
- UNCL 5305 VAT category codes, EAS electronic address schemes, ICD identifier schemes (same folder)

``find_codelists(*dirs)`` looks in each directory in turn (the installed artefacts, then a mirror laid
out the same way) and loads the lists once per directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

__all__ = ["CODELIST_DIR", "CodeLists", "CodeListsMissing", "find_codelists", "load_codelists"]

CODELIST_DIR = Path("peppol-bis-billing-3") / "structure" / "codelist"
_FILES = {
    "units": "UNECERec20-11e.xml",
    "currencies": "ISO4217_2015.xml",
    "vat_categories": "UNCL5305.xml",
    "eas": "eas.xml",
    "icd": "icd.xml",
}
_NS = "urn:fdc:difi.no:2017:vefa:structure:CodeList-1"


class CodeListsMissing(RuntimeError):
    """No directory holds the code lists (install the artefacts: `einvoice artifacts install`)."""


@dataclass(frozen=True)
class CodeLists:
    units: frozenset[str]
    currencies: frozenset[str]
    vat_categories: frozenset[str]
    eas: frozenset[str]
    icd: frozenset[str]
    source: str


def _codes(path: Path) -> frozenset[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser=parser).getroot()
    ids = root.iterfind(f"{{{_NS}}}Code/{{{_NS}}}Id")
    return frozenset(e.text.strip() for e in ids if e.text and e.text.strip())


@lru_cache(maxsize=8)
def load_codelists(base: Path) -> CodeLists:
    """The code lists under ``base`` (an artefacts directory or mirror); raises CodeListsMissing."""
    folder = Path(base) / CODELIST_DIR
    missing = [name for name in _FILES.values() if not (folder / name).is_file()]
    if missing:
        raise CodeListsMissing(f"code lists missing under {folder}: {', '.join(missing)}")
    lists = {key: _codes(folder / name) for key, name in _FILES.items()}
    return CodeLists(source=str(folder), **lists)


def find_codelists(*bases: Path | None) -> CodeLists:
    """The first complete set of code lists among ``bases`` (None entries are skipped)."""
    tried = []
    for base in bases:
        if base is None:
            continue
        try:
            return load_codelists(Path(base).resolve())
        except CodeListsMissing as exc:
            tried.append(str(exc))
    raise CodeListsMissing(
        "UN/ECE Rec 20 and ISO 4217 code lists not installed; run `einvoice artifacts install` "
        f"({'; '.join(tried) or 'no artefacts directory configured'})"
    )
