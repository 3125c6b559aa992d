"""The parsers' output on every example document of the artefacts (UBL and CII, Invoice and
CreditNote) is exactly what it was when this snapshot was written: a change to how the parsers find
elements (they run on every intake, so they are tuned for speed) must not change one term.

Each document's model and header are compared by a SHA-256 of their ``repr`` (every field, with its
type: ``Decimal('1.00')`` is not ``'1.00'``, attachment bytes included). A parser change that is
meant to change the model writes the snapshot again, on purpose:

    python -m tests.en16931.test_parser_snapshot --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from service.en16931.parser import DocumentError, parse_document, parse_header
from service.validation.xmlsafe import parse_bytes

from tests.conftest import MIRROR
from tests.en16931.examples import example_documents

SNAPSHOT = Path(__file__).with_name("parser_snapshot.json")
_ROOTS = ("Invoice", "CreditNote", "CrossIndustryInvoice")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(data: bytes) -> dict[str, str]:
    """What the parsers make of ``data``: the model (or the DocumentError's words) and the header."""
    try:
        model = repr(parse_document(data))
    except DocumentError as exc:
        model = f"DocumentError({exc.term!r}, {str(exc)!r})"
    return {"sha256": hashlib.sha256(data).hexdigest(), "model": _digest(model),
            "header": _digest(repr(parse_header(parse_bytes(data))))}


def _key(path: Path) -> str:
    return path.relative_to(MIRROR).as_posix()


DOCUMENTS = example_documents(_ROOTS)


def test_the_snapshot_covers_every_example_of_both_syntaxes():
    expected = json.loads(SNAPSHOT.read_text())
    assert sorted(_key(p) for p in DOCUMENTS) == sorted(expected)
    assert len(expected) >= 45
    assert any("/cii/" in key for key in expected) and any("/ubl/" in key for key in expected)


@pytest.mark.parametrize("path", DOCUMENTS, ids=_key)
def test_the_parsers_give_what_they_gave(path: Path):
    expected = json.loads(SNAPSHOT.read_text())[_key(path)]
    got = fingerprint(path.read_bytes())
    assert got["sha256"] == expected["sha256"], "the artefact changed: write the snapshot again (see above)"
    assert got == expected


def write() -> None:
    SNAPSHOT.write_text(json.dumps({_key(p): fingerprint(p.read_bytes()) for p in DOCUMENTS}, indent=1,
                                   sort_keys=True) + "\n")


if __name__ == "__main__" and "--write" in sys.argv:
    write()
