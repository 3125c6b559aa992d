"""Peppol base-size invoices for load runs: the official base example, made distinct.

Each document gets its own BT-1 number, a seller out of ``sellers`` (BT-34 electronic address
0106:<8 digits>, so every seller is its own seller key) and an issue date spread over a year, so
the duplicate look-ups and list indexes see data shaped like a real buyer's, not one seller's one
day. The result is still valid Peppol BIS Billing 3.0 (a test checks it with the real engine).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

BASE = "peppol-bis-billing-3/rules/examples/base-example.xml"
_NUMBER = b"<cbc:ID>Snippet1</cbc:ID>"
_ISSUED = b"<cbc:IssueDate>2017-11-13</cbc:IssueDate>"
_DUE = b"<cbc:DueDate>2017-12-01</cbc:DueDate>"
_SELLER = b'<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>'
FIRST_DAY = date(2026, 1, 1)


def base_example(artifacts_dir: Path) -> bytes:
    return (artifacts_dir / BASE).read_bytes()


def seller_address(seller: int) -> str:
    return f"0106:{10_000_000 + seller:08d}"


def distinct(base: bytes, run: str, i: int, *, sellers: int = 500, days: int = 365) -> bytes:
    """Invoice ``i`` of a run: number ``<run>-<i>``, seller ``i % sellers``, day ``i % days``."""
    issued = FIRST_DAY + timedelta(days=i % days)
    scheme, value = seller_address(i % sellers).split(":")
    doc = base.replace(_NUMBER, f"<cbc:ID>{run}-{i:07d}</cbc:ID>".encode(), 1)
    doc = doc.replace(_ISSUED, f"<cbc:IssueDate>{issued.isoformat()}</cbc:IssueDate>".encode(), 1)
    doc = doc.replace(_DUE, f"<cbc:DueDate>{(issued + timedelta(days=30)).isoformat()}</cbc:DueDate>".encode(), 1)
    return doc.replace(_SELLER, f'<cbc:EndpointID schemeID="{scheme}">{value}</cbc:EndpointID>'.encode(), 1)
