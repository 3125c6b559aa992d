"""A new IBAN is never approved along with an invoice: one person proposes it, another verifies it,
and only then do the supplier's waiting invoices with that IBAN pass the bank check (re-matched in
the same unit of work). Real documents through POST /v1/invoices, real matching, real HTTP."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import select

from bench.matching_corpus.orders import PoLine
from service.models.masterdata import MasterDataEvent
from tests.matching.test_api import World

NEW_IBAN = "NL20INGB0001234567"


@pytest.fixture
def world(client, make_key) -> World:
    return World(client, make_key)


def _grant(world, key, *rights):
    prefix = key["Authorization"].split("_")[1]
    r = world.client.put(f"/v1/keys/{prefix}/rights", json={"rights": list(rights)}, headers=world.admin)
    assert r.status_code == 200, r.text


def _invoice_with_new_iban(world, number="F-IBAN-1", po="PO-IBAN-1"):
    line = PoLine("1", "Bureaustoel", Decimal(10), price=Decimal("150.00"))
    world.order(po, line)
    inv = world.post(world.doc(number, po, line.invoice_line("1", Decimal(2)), iban=NEW_IBAN))
    assert inv["status"] == "needs_review" and [r["code"] for r in inv["reasons"]] == ["BANK_ACCOUNT_UNVERIFIED"]
    return inv


def test_an_iban_is_verified_by_a_second_person_and_waiting_invoices_rematch(world, make_key, session):
    alice, bob = world.reviewer, make_key("reviewer", name="bob")
    inv = _invoice_with_new_iban(world)

    r = world.client.post(f"/v1/suppliers/{world.supplier_id}/bank-account-changes", headers=alice,
                          json={"iban": "nl20 ingb 0001 2345 67", "note": "nieuwe bank volgens factuur",
                                "invoice_id": inv["id"]})
    assert r.status_code == 201, r.text
    change = r.json()
    assert (change["iban"], change["action"], change["status"]) == (NEW_IBAN, "add", "proposed")
    assert r.headers["location"] == f"/v1/bank-account-changes/{change['id']}"
    assert world.get(inv["id"])["status"] == "needs_review"  # proposing changes nothing for matching

    verify = f"/v1/bank-account-changes/{change['id']}/verify"
    r = world.client.post(verify, json={"method": "callback"}, headers=alice)
    assert r.status_code == 403 and r.json()["type"] == "/problems/right-missing"
    _grant(world, alice, "review", "verify_bank_accounts")
    r = world.client.post(verify, json={"method": "callback"}, headers=alice)
    assert r.status_code == 409 and r.json()["type"] == "/problems/verifier-must-differ"
    assert world.get(inv["id"])["status"] == "needs_review"

    _grant(world, bob, "verify_bank_accounts")
    assert world.client.post(verify, json={}, headers=bob).status_code == 422  # how it was verified is required
    r = world.client.post(verify, json={"method": "callback", "note": "teruggebeld op 020-1234567 (bekend nummer)"},
                          headers=bob)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "verified" and done["method"] == "callback" and done["decided_by"] != done["proposed_by"]
    assert done["rematched_approved"] == [inv["id"]]
    assert world.get(inv["id"])["status"] == "approved"

    again = world.client.post(verify, json={"method": "portal"}, headers=world.admin)
    assert again.status_code == 409 and again.json()["type"] == "/problems/bank-account-change-decided"
    history = world.client.get(f"/v1/suppliers/{world.supplier_id}/bank-account-changes", headers=world.erp).json()
    # newest first: this change, then the ERP's account of the World's set-up (verified by the admin)
    assert [(h["iban"], h["status"], h["method"]) for h in history["data"]] == [
        (NEW_IBAN, "verified", "callback"), ("NL91ABNA0417164300", "verified", "callback")]
    kinds = session.execute(select(MasterDataEvent.kind).where(MasterDataEvent.supplier_id == uuid.UUID(world.supplier_id))
                            .order_by(MasterDataEvent.at)).scalars().all()
    assert [k.value for k in kinds][-2:] == ["bank_account_proposed", "bank_account_verified"]
    # a later invoice on that IBAN passes the bank check at once
    line = PoLine("1", "Lamp", Decimal(5), price=Decimal("20.00"))
    world.order("PO-IBAN-2", line)
    assert world.post(world.doc("F-IBAN-2", "PO-IBAN-2", line.invoice_line("1", Decimal(1)), iban=NEW_IBAN))[
        "status"] == "approved"


def test_a_rejected_proposal_leaves_the_invoice_waiting(world, make_key):
    inv = _invoice_with_new_iban(world)
    change = world.client.post(f"/v1/suppliers/{world.supplier_id}/bank-account-changes", headers=world.erp,
                               json={"iban": NEW_IBAN, "note": "uit ERP"}).json()
    r = world.client.post(f"/v1/bank-account-changes/{change['id']}/reject", json={"note": "leverancier kent dit IBAN niet"},
                          headers=world.admin)
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["method"] is None
    assert world.get(inv["id"])["status"] == "needs_review"


def test_removing_a_verified_iban_follows_the_same_path(world, make_key):
    from tests.matching.test_api import SUPPLIER

    r = world.client.post(f"/v1/suppliers/{world.supplier_id}/bank-account-changes", headers=world.reviewer,
                          json={"iban": SUPPLIER.iban, "action": "remove", "note": "rekening opgeheven"})
    assert r.status_code == 201, r.text
    same = world.client.post(f"/v1/suppliers/{world.supplier_id}/bank-account-changes", headers=world.erp,
                             json={"iban": SUPPLIER.iban, "action": "remove", "note": "nogmaals"})
    assert same.status_code == 409 and same.json()["type"] == "/problems/bank-account-unchanged"
    r = world.client.post(f"/v1/bank-account-changes/{r.json()['id']}/verify", json={"method": "signed_letter"},
                          headers=world.admin)
    assert r.status_code == 200, r.text
    line = PoLine("1", "Stoel", Decimal(5), price=Decimal("20.00"))
    world.order("PO-IBAN-3", line)
    inv = world.post(world.doc("F-IBAN-3", "PO-IBAN-3", line.invoice_line("1", Decimal(1))))
    assert [x["code"] for x in inv["reasons"]] == ["BANK_ACCOUNT_UNVERIFIED"]
    bad = world.client.post(f"/v1/suppliers/{world.supplier_id}/bank-account-changes", headers=world.erp,
                            json={"iban": "NL00BANK0000000000", "note": "x"})
    assert bad.status_code == 422 and bad.json()["type"] == "/problems/invalid-input"
