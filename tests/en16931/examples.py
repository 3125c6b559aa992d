"""The example documents of the official artefacts (the mirror), chosen by their root element."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tests.conftest import MIRROR


def example_documents(roots: tuple[str, ...]) -> list[Path]:
    """Every XML file of the mirror whose root element is one of ``roots``, in path order."""
    out = []
    for path in sorted(MIRROR.rglob("*.xml")):
        try:
            root = etree.parse(str(path)).getroot()
        except etree.XMLSyntaxError:
            continue
        if etree.QName(root).localname in roots:
            out.append(path)
    return out
