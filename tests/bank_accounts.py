"""Test helper: a supplier's bank accounts through the four-eyes path (the ERP proposes, a second
person verifies), for tests whose invoices must pass the bank check."""

from __future__ import annotations

from typing import Any


def verify_pending(client: Any, supplier: dict[str, Any] | str, verifier: dict[str, str]) -> dict[str, Any]:
    """Verify every open bank-account proposal of ``supplier`` (its JSON or id) as ``verifier``
    (headers of a key with the right verify_bank_accounts that did not propose them, e.g. an admin
    key); returns the supplier as read afterwards."""
    supplier_id = supplier if isinstance(supplier, str) else supplier["id"]
    got = client.get(f"/v1/suppliers/{supplier_id}", headers=verifier)
    assert got.status_code == 200, got.text
    for pending in got.json()["pending_bank_accounts"]:
        r = client.post(f"/v1/bank-account-changes/{pending['change_id']}/verify", headers=verifier,
                        json={"method": "callback", "note": "test: called back on the known number"})
        assert r.status_code == 200, r.text
    after = client.get(f"/v1/suppliers/{supplier_id}", headers=verifier).json()
    assert after["pending_bank_accounts"] == [], after
    return after


def propose_and_verify(client: Any, supplier_id: str, iban: str, *, proposer: dict[str, str],
                       verifier: dict[str, str]) -> dict[str, Any]:
    """Add ``iban`` to the supplier's verified accounts: proposed by one key, verified by another."""
    r = client.post(f"/v1/suppliers/{supplier_id}/bank-account-changes", headers=proposer,
                    json={"iban": iban, "action": "add", "note": "test set-up"})
    assert r.status_code == 201, r.text
    return verify_pending(client, supplier_id, verifier)
