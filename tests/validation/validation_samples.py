"""Sample documents for the validation tests: the mirror's examples and regex mutations of them."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def read(mirror: Path, relative: str) -> bytes:
    return (mirror / relative).read_bytes()


def replace_once(xml: bytes, pattern: str, replacement: str) -> bytes:
    """Apply one regex substitution to a document; fail loudly when the pattern does not match."""
    new, n = re.subn(pattern.encode(), replacement.encode(), xml, count=1, flags=re.S)
    assert n == 1, f"pattern not found: {pattern}"
    return new


MIRROR = Path(os.environ.get("EINVOICE_ARTIFACTS_MIRROR") or REPO.parent / "shared" / "artifacts")
MIRROR_EXAMPLE_DIRS = (
    "en16931/ubl/examples/",
    "peppol-bis-billing-3/rules/examples/",
    "nlcius-testset/",
    "en16931/cii/examples/",
)


def example_files() -> list[str]:
    """Invoice and credit note examples of the mirror (collection time: parametrize ids)."""
    files = []
    for folder in MIRROR_EXAMPLE_DIRS:
        files += [
            p.relative_to(MIRROR).as_posix()
            for p in sorted((MIRROR / folder).rglob("*"))
            if p.is_file() and p.suffix.lower() == ".xml"
        ]
    return files


def ubl_example_files() -> list[str]:
    """The UBL ones of ``example_files`` (tests of UBL-only machinery: the UBL XSD, closed world)."""
    return [f for f in example_files() if not f.startswith("en16931/cii/")]


BASE = "peppol-bis-billing-3/rules/examples/base-example.xml"
NL_BASE = "nlcius-testset/SI-UBL-2.0/SI-UBL-2.0_ok_base.xml"
