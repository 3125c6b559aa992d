"""/v1/organisations: admin only, identifiers checked and unique, the default organisation listed."""

from __future__ import annotations

import pytest

OIN = "00000001001234560000"  # prefix 00000001 + RSIN 001234560 (11-test) + suffix 000


@pytest.fixture
def admin(make_key) -> dict:
    return make_key("admin")


def test_a_fresh_instance_has_one_default_organisation_that_takes_every_buyer(bare_client, admin) -> None:
    r = bare_client.get("/v1/organisations", headers=admin)
    assert r.status_code == 200, r.text
    [org] = r.json()["data"]
    assert org["default"] is True and org["takes_every_buyer"] is True and org["identifiers"] == []


def test_create_read_replace(bare_client, admin) -> None:
    r = bare_client.post("/v1/organisations", headers=admin, json={
        "name": "Gemeente Noord",
        "identifiers": [{"scheme": "0190", "value": OIN},
                        {"scheme": "iso6523-actorid-upis", "value": "0106:1234 5678"}]})
    assert r.status_code == 201, r.text
    org = r.json()
    assert r.headers["Location"].endswith(f"/v1/organisations/{org['id']}")
    assert {(i["scheme"], i["value"]) for i in org["identifiers"]} == {("0190", OIN), ("0106", "12345678")}
    assert f"iso6523-actorid-upis::0190:{OIN}" in {i["participant_id"] for i in org["identifiers"]}
    assert org["default"] is False and org["takes_every_buyer"] is False
    # now that an organisation has identifiers, the default no longer takes every buyer
    listed = bare_client.get("/v1/organisations", headers=admin).json()["data"]
    assert [o["takes_every_buyer"] for o in listed if o["default"]] == [False]

    put = bare_client.put(f"/v1/organisations/{org['id']}", headers=admin,
                          json={"name": "Gemeente Noord-Oost", "identifiers": [{"scheme": "0106", "value": "12345678"}]})
    assert put.status_code == 200, put.text
    got = bare_client.get(f"/v1/organisations/{org['id']}", headers=admin).json()
    assert got["name"] == "Gemeente Noord-Oost"
    assert [(i["scheme"], i["value"]) for i in got["identifiers"]] == [("0106", "12345678")]


def test_an_identifier_of_another_organisation_is_a_conflict(bare_client, admin) -> None:
    body = {"name": "A", "identifiers": [{"scheme": "0106", "value": "12345678"}]}
    assert bare_client.post("/v1/organisations", headers=admin, json=body).status_code == 201
    r = bare_client.post("/v1/organisations", headers=admin, json={**body, "name": "B"})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "/problems/organisation-identifier-taken"


@pytest.mark.parametrize("ident, says", [
    ({"scheme": "0190", "value": "12345"}, "20 digits"),
    ({"scheme": "0106", "value": "1234567"}, "8 digits"),
    ({"scheme": "0088", "value": "8712345678907"}, "check digit"),
    ({"scheme": "VAT", "value": "NL123456782B01"}, "four-digit"),
    ({"scheme": "iso6523-actorid-upis", "value": "no-scheme"}, "participant id"),
])
def test_invalid_identifiers_are_422_saying_why(bare_client, admin, ident, says) -> None:
    r = bare_client.post("/v1/organisations", headers=admin, json={"name": "X", "identifiers": [ident]})
    assert r.status_code == 422
    assert r.json()["type"] == "/problems/invalid-input"
    assert says in r.text


def test_only_admins_manage_organisations(bare_client, make_key) -> None:
    for role in ("erp", "reviewer", "gateway"):
        key = make_key(role)
        assert bare_client.get("/v1/organisations", headers=key).status_code == 403
        assert bare_client.post("/v1/organisations", headers=key, json={"name": "X"}).status_code == 403


def test_unknown_organisation_is_404(bare_client, admin) -> None:
    r = bare_client.get("/v1/organisations/6a1c2f0e-0000-4000-8000-000000000099", headers=admin)
    assert r.status_code == 404 and r.json()["type"] == "/problems/organisation-not-found"
