"""Fixtures for the master-data tests: role headers, a registered supplier, order and receipt bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

KVK = "12345678"
VAT = "NL000099998B57"  # valid (mod 97-10 style)
IBAN = "NL91ABNA0417164300"


@pytest.fixture
def erp(make_key) -> dict[str, str]:
    return make_key("erp")


@pytest.fixture
def reviewer(make_key) -> dict[str, str]:
    return make_key("reviewer")


@pytest.fixture
def xml_erp(erp) -> dict[str, str]:
    return {**erp, "Content-Type": "application/xml"}


def supplier_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Kantoorartikelen BV",
        "identifiers": [{"scheme": "0106", "value": KVK}, {"scheme": "VAT", "value": VAT}],
        "electronic_address": {"scheme": "0106", "value": KVK},
        "bank_accounts": [{"iban": IBAN}],
        "policy": {"price_over_pct": "2"},
    }
    body.update(overrides)
    return body


def order_body(supplier_id: str, number: str = "PO-1", **overrides: Any) -> dict[str, Any]:
    body = {
        "number": number,
        "supplier_id": supplier_id,
        "currency": "EUR",
        "buyer_reference": "AFD-12",
        "status": "open",
        "lines": [
            {"line_id": "1", "item": {"name": "Printer paper A4", "seller_item_id": "P-A4", "standard_item_id": "8712345678906"},
             "quantity": "100", "unit_code": "H87", "unit_price": "4.25", "base_quantity": "1",
             "vat_category": "S", "vat_rate": "21", "receipt_required": True},
            {"line_id": "2", "item": {"name": "Toner"}, "quantity": 5, "unit_code": "C62", "unit_price": 89.5,
             "vat_category": "S", "vat_rate": 21},
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def supplier(client, erp) -> dict[str, Any]:
    response = client.post("/v1/suppliers", json=supplier_body(), headers=erp)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def order(client, erp, supplier) -> dict[str, Any]:
    response = client.post("/v1/purchase-orders", json=order_body(supplier["id"]), headers=erp)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def rematches(monkeypatch) -> list[str]:
    """Orders the API / CLI layer asked the matching service to re-match (recorded, not run)."""
    from service.decisions import rematch

    calls: list[str] = []
    monkeypatch.setattr(rematch, "rematch_order", lambda session, po_number: calls.append(po_number) or [])
    return calls


@pytest.fixture(scope="session")
def poacc_examples(artifacts_mirror: Path) -> Path:
    return artifacts_mirror / "peppol-poacc-3" / "rules" / "examples"


def errors_of(response) -> list[tuple[tuple, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(tuple(e["loc"]), e["type"]) for e in response.json()["errors"]]
