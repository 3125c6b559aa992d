"""POST/GET/PUT /v1/suppliers and the list: checks on the way in, conflicts, roles, versions."""

from __future__ import annotations

import uuid

from sqlmodel import select

from service.models.masterdata import MasterDataEvent, MasterDataEventKind
from tests.bank_accounts import verify_pending
from tests.masterdata.conftest import IBAN, KVK, VAT, errors_of, supplier_body

OTHER_IBAN = "DE89370400440532013000"


def erp_prefix(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ").split("_")[1]


class TestBankAccountsFromTheErp:
    """One ERP call never sets a bank account: it proposes, a different person verifies (issue 16)."""

    def test_a_verified_account_stays_verified_and_the_same_body_proposes_nothing_again(
            self, client, erp, make_key, supplier):
        assert supplier["bank_accounts"] == [] and len(supplier["pending_bank_accounts"]) == 1
        again = client.put(f"/v1/suppliers/{supplier['id']}", json=supplier_body(), headers=erp).json()
        assert again["pending_bank_accounts"] == supplier["pending_bank_accounts"]  # not proposed twice
        verified = verify_pending(client, supplier, make_key("admin"))
        assert verified["bank_accounts"] == [{"iban": IBAN}] and verified["pending_bank_accounts"] == []
        after = client.put(f"/v1/suppliers/{supplier['id']}", json=supplier_body(), headers=erp).json()
        assert after["bank_accounts"] == [{"iban": IBAN}] and after["pending_bank_accounts"] == []
        listed = client.get("/v1/suppliers", headers=erp).json()["data"]
        assert [(s["bank_accounts"], s["pending_bank_accounts"]) for s in listed] == [([{"iban": IBAN}], [])]

    def test_an_account_missing_from_the_erp_is_proposed_for_removal_and_stays_until_verified(
            self, client, erp, make_key, supplier):
        admin = make_key("admin")
        verify_pending(client, supplier, admin)
        r = client.put(f"/v1/suppliers/{supplier['id']}", json=supplier_body(
            bank_accounts=[{"iban": OTHER_IBAN, "note": "new bank per letter of 3 Nov"}]), headers=erp)
        got = r.json()
        assert got["bank_accounts"] == [{"iban": IBAN}]  # still the verified one
        assert sorted((p["iban"], p["action"], p["note"]) for p in got["pending_bank_accounts"]) == [
            (OTHER_IBAN, "add", "new bank per letter of 3 Nov"),
            (IBAN, "remove", "ERP sync: no longer in the supplier's master data")]
        assert verify_pending(client, supplier, admin)["bank_accounts"] == [{"iban": OTHER_IBAN}]

    def test_the_proposing_key_cannot_verify_even_with_the_right(self, client, make_key, supplier, erp):
        admin = make_key("admin")
        r = client.post("/v1/suppliers", headers=admin, json=supplier_body(
            name="Ander B.V.", identifiers=[], electronic_address={"scheme": "0106", "value": "87654321"},
            bank_accounts=[{"iban": OTHER_IBAN}]))
        assert r.status_code == 201, r.text
        change_id = r.json()["pending_bank_accounts"][0]["change_id"]
        refused = client.post(f"/v1/bank-account-changes/{change_id}/verify", headers=admin,
                              json={"method": "callback"})
        assert refused.status_code == 409 and refused.json()["type"] == "/problems/verifier-must-differ"
        assert client.get(f"/v1/suppliers/{r.json()['id']}", headers=admin).json()["bank_accounts"] == []


class TestCreateSupplier:
    def test_creates_with_normalised_identifiers_and_location(self, client, erp):
        body = supplier_body(identifiers=[{"scheme": "0106", "value": "1234 5678"}, {"scheme": "vat", "value": "nl0000.99998.b57"}],
                             bank_accounts=[{"iban": "nl91 abna 0417 1643 00"}], policy={"price_over_pct": 2.5})
        r = client.post("/v1/suppliers", json=body, headers=erp)
        assert r.status_code == 201, r.text
        got = r.json()
        assert r.headers["location"] == f"/v1/suppliers/{got['id']}"
        assert got["identifiers"] == [{"scheme": "0106", "value": KVK}, {"scheme": "VAT", "value": VAT}]
        assert got["bank_accounts"] == []  # proposed, not verified: a second person verifies it
        assert [(p["iban"], p["action"], p["status"], p["proposed_by"], p["note"])
                for p in got["pending_bank_accounts"]] == [(IBAN, "add", "proposed", "key:" + erp_prefix(erp), "ERP sync")]
        assert got["electronic_address"] == {"scheme": "0106", "value": KVK}
        assert got["policy"] == {"price_over_pct": "2.5"}
        assert got["version"] == 1

    def test_every_field_error_is_listed_in_one_422(self, client, erp):
        body = {
            "name": "",
            "identifiers": [{"scheme": "0106", "value": "1234567"}, {"scheme": "0190", "value": "123"},
                            {"scheme": "0088", "value": "7300010000002"}, {"scheme": "VAT", "value": "NL123456789B01"},
                            {"scheme": "XX", "value": "1"}],
            "electronic_address": {"scheme": "ZZZZ", "value": "1"},
            "bank_accounts": [{"iban": "NL91ABNA0417164301"}],
            "policy": {"price_over_pct": "-1", "receipt_mode": "sometimes", "unknown": 1},
            "extra": True,
        }
        r = client.post("/v1/suppliers", json=body, headers=erp)
        got = errors_of(r)
        assert set(got) >= {
            (("body", "name"), "string_too_short"),
            (("body", "identifiers", 0), "invalid_identifier"),
            (("body", "identifiers", 1), "invalid_identifier"),
            (("body", "identifiers", 2), "invalid_identifier"),
            (("body", "identifiers", 3), "invalid_identifier"),
            (("body", "identifiers", 4, "scheme"), "unknown_scheme"),
            (("body", "electronic_address", "scheme"), "unknown_scheme"),
            (("body", "bank_accounts", 0, "iban"), "invalid_iban"),
            (("body", "policy", "price_over_pct"), "greater_than_equal"),
            (("body", "policy", "receipt_mode"), "literal_error"),
            (("body", "policy", "unknown"), "extra_forbidden"),
            (("body", "extra"), "extra_forbidden"),
        }
        assert r.json()["type"] == "/problems/invalid-input"

    def test_body_that_is_not_json_is_a_422(self, client, erp):
        r = client.post("/v1/suppliers", content=b"{nope", headers={**erp, "Content-Type": "application/json"})
        assert errors_of(r) == [(("body",), "json_invalid")]

    def test_body_that_is_not_an_object_is_a_422(self, client, erp):
        r = client.post("/v1/suppliers", json=[1, 2], headers=erp)
        assert errors_of(r) == [(("body",), "model_type")]

    def test_xml_is_not_accepted_for_suppliers(self, client, erp):
        r = client.post("/v1/suppliers", content=b"<x/>", headers={**erp, "Content-Type": "application/xml"})
        assert r.status_code == 415

    def test_electronic_address_of_another_supplier_is_a_conflict(self, client, erp, supplier):
        body = supplier_body(identifiers=[], name="Other")
        r = client.post("/v1/suppliers", json=body, headers=erp)
        assert r.status_code == 409
        assert r.json()["supplier"] == f"/v1/suppliers/{supplier['id']}"

    def test_legal_identifier_of_another_supplier_is_a_conflict(self, client, erp, supplier):
        body = supplier_body(electronic_address=None, name="Other")
        assert client.post("/v1/suppliers", json=body, headers=erp).status_code == 409

    def test_a_shared_vat_id_is_allowed(self, client, erp, supplier):
        # a Dutch fiscal unity: several legal entities, one VAT id
        body = supplier_body(name="Zuster BV", identifiers=[{"scheme": "VAT", "value": VAT}],
                             electronic_address={"scheme": "0106", "value": "87654321"})
        assert client.post("/v1/suppliers", json=body, headers=erp).status_code == 201

    def test_reviewer_and_supplier_roles_may_not_write(self, client, make_key):
        for role in ("reviewer", "supplier", "gateway"):
            headers = make_key(role, supplier_id=uuid.uuid4() if role == "supplier" else None)
            assert client.post("/v1/suppliers", json=supplier_body(), headers=headers).status_code == 403

    def test_admin_may_write(self, client, make_key):
        assert client.post("/v1/suppliers", json=supplier_body(), headers=make_key("admin")).status_code == 201

    def test_without_key_is_401(self, client):
        assert client.post("/v1/suppliers", json=supplier_body()).status_code == 401

    def test_records_a_master_data_event(self, client, erp, supplier, session):
        events = session.exec(select(MasterDataEvent)).all()
        assert [(e.kind, str(e.supplier_id)) for e in events] == [
            (MasterDataEventKind.supplier_created, supplier["id"]),
            (MasterDataEventKind.bank_account_proposed, supplier["id"])]


class TestReadSupplier:
    def test_reviewer_reads(self, client, reviewer, supplier):
        r = client.get(f"/v1/suppliers/{supplier['id']}", headers=reviewer)
        assert r.status_code == 200 and r.json() == supplier

    def test_unknown_is_404_problem(self, client, erp):
        r = client.get(f"/v1/suppliers/{uuid.uuid4()}", headers=erp)
        assert r.status_code == 404 and r.json()["type"] == "/problems/supplier-not-found"

    def test_malformed_id_is_422(self, client, erp):
        assert client.get("/v1/suppliers/not-a-uuid", headers=erp).status_code == 422

    def test_supplier_role_may_not_read_master_data(self, client, make_key, supplier):
        headers = make_key("supplier", supplier_id=uuid.UUID(supplier["id"]))
        assert client.get(f"/v1/suppliers/{supplier['id']}", headers=headers).status_code == 403


class TestReplaceSupplier:
    def test_replaces_and_bumps_version(self, client, erp, supplier):
        body = supplier_body(name="Kantoorartikelen B.V.", identifiers=[{"scheme": "0106", "value": KVK}],
                             bank_accounts=[{"iban": "DE89370400440532013000"}], policy={})
        r = client.put(f"/v1/suppliers/{supplier['id']}", json=body, headers=erp)
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["version"] == 2 and got["name"] == "Kantoorartikelen B.V."
        assert got["identifiers"] == [{"scheme": "0106", "value": KVK}]
        assert got["bank_accounts"] == []
        assert sorted(p["iban"] for p in got["pending_bank_accounts"]) == ["DE89370400440532013000", IBAN]
        assert got["policy"] == {}

    def test_same_content_keeps_the_version(self, client, erp, supplier):
        r = client.put(f"/v1/suppliers/{supplier['id']}", json=supplier_body(), headers=erp)
        assert r.status_code == 200 and r.json()["version"] == 1

    def test_unknown_supplier_is_404(self, client, erp):
        assert client.put(f"/v1/suppliers/{uuid.uuid4()}", json=supplier_body(), headers=erp).status_code == 404

    def test_invalid_body_is_422(self, client, erp, supplier):
        r = client.put(f"/v1/suppliers/{supplier['id']}", json={"name": "x", "bank_accounts": [{"iban": "NL00"}]}, headers=erp)
        assert errors_of(r) == [(("body", "bank_accounts", 0, "iban"), "invalid_iban")]

    def test_taking_another_suppliers_identifier_is_409(self, client, erp, supplier):
        other = client.post("/v1/suppliers", json={"name": "Other"}, headers=erp).json()
        r = client.put(f"/v1/suppliers/{other['id']}", json={"name": "Other", "identifiers": [{"scheme": "0106", "value": KVK}]}, headers=erp)
        assert r.status_code == 409


class TestListSuppliers:
    def test_cursor_pages_through_all(self, client, erp):
        created = [client.post("/v1/suppliers", json={"name": f"S{i}"}, headers=erp).json()["id"] for i in range(5)]
        seen, cursor = [], None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = client.get("/v1/suppliers", params=params, headers=erp).json()
            seen += [s["id"] for s in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == created

    def test_find_by_identifier(self, client, erp, supplier):
        client.post("/v1/suppliers", json={"name": "Other"}, headers=erp)
        for query in (f"0106:{KVK}", f"VAT:{VAT}", KVK):
            page = client.get("/v1/suppliers", params={"identifier": query}, headers=erp).json()
            assert [s["id"] for s in page["data"]] == [supplier["id"]], query
        assert client.get("/v1/suppliers", params={"identifier": "0106:99999999"}, headers=erp).json()["data"] == []

    def test_bad_cursor_is_400(self, client, erp):
        r = client.get("/v1/suppliers", params={"cursor": "garbage"}, headers=erp)
        assert r.status_code == 400 and r.json()["type"] == "/problems/invalid-cursor"

    def test_limit_is_bounded(self, client, erp):
        assert client.get("/v1/suppliers", params={"limit": 0}, headers=erp).status_code == 422
