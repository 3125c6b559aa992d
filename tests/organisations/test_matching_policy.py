"""Matching policies per organisation (DESIGN.md: matching policies are per organisation): an
organisation's admin sets its own policy (versioned like the global one); its invoices are matched
with it, another organisation's with the global one (the instance default). Both databases."""

from __future__ import annotations

from decimal import Decimal

from tests.api.test_cii_intake import SELLER
from tests.cii_builder import CiiLine, cii_invoice
from tests.organisations.test_isolation import OINS, world  # noqa: F401 (the two-organisation fixture)


def _invoice(client, side, name: str, number: str, price: str) -> dict:
    xml = cii_invoice(number, [CiiLine("1", "Bureaustoel", Decimal(1), Decimal(price), "10", seller_item_id="BS-1")],
                      po=side.ids["number"], buyer_endpoint=("0190", OINS[name]), **SELLER)
    r = client.post("/v1/invoices", content=xml, headers={**side.keys["gateway"], "Content-Type": "application/xml"})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_organisations_own_policy_matches_its_invoices_and_only_its_own(client, world, make_key) -> None:  # noqa: F811
    noord, zuid = world["noord"], world["zuid"]
    r = client.put("/v1/matching/policy", json={"price_over_pct": "25"}, headers=noord.keys["admin"])
    assert r.status_code == 200, r.text
    assert (r.json()["scope"], r.json()["version"]) == (f"organisation:{noord.organisation_id}", 1)
    assert r.json()["created_by"].startswith("key:")
    # each organisation reads the policy in force for it
    assert client.get("/v1/matching/policy", headers=noord.keys["erp"]).json()["scope"] == \
        f"organisation:{noord.organisation_id}"
    assert client.get("/v1/matching/policy", headers=zuid.keys["erp"]).json()["scope"] == "global"
    # another organisation's own policy is not listed for Zuid
    scopes = {v["scope"] for v in client.get("/v1/matching/policy/versions", headers=zuid.keys["erp"]).json()["data"]}
    assert f"organisation:{noord.organisation_id}" not in scopes

    # 10 % over the order price: within Noord's 25 %, outside the global 2 % that Zuid uses
    to_noord = _invoice(client, noord, "noord", "F-NOORD-POL", "165.00")
    to_zuid = _invoice(client, zuid, "zuid", "F-ZUID-POL", "165.00")
    assert "PRICE_VARIANCE" not in {x["code"] for x in to_noord["reasons"]}
    assert "PRICE_VARIANCE" in {x["code"] for x in to_zuid["reasons"]}
    decision = client.get(f"/v1/invoices/{to_noord['id']}/decision", headers=noord.keys["erp"]).json()
    assert decision["policy_version"] == f"organisation:{noord.organisation_id}:1"
    decision = client.get(f"/v1/invoices/{to_zuid['id']}/decision", headers=zuid.keys["erp"]).json()
    assert decision["policy_version"].startswith("global:")

    # an instance-wide admin sets an organisation's policy with ?organisation=, the global one without
    admin = make_key("admin")
    r = client.put("/v1/matching/policy", params={"organisation": zuid.organisation_id}, json={"price_over_pct": "12"},
                   headers=admin)
    assert (r.json()["scope"], r.json()["version"]) == (f"organisation:{zuid.organisation_id}", 1)
    assert client.put("/v1/matching/policy", json={"price_over_pct": "3"}, headers=admin).json()["scope"] == "global"
    # a key of an organisation cannot name another
    r = client.put("/v1/matching/policy", params={"organisation": zuid.organisation_id}, json={},
                   headers=noord.keys["admin"])
    assert r.status_code == 422
    assert client.put("/v1/matching/policy", json={}, headers=noord.keys["erp"]).status_code == 403


def test_an_organisation_lists_its_own_suppliers_overrides_not_anothers(client, world) -> None:  # noqa: F811
    noord, zuid = world["noord"], world["zuid"]
    for side in (noord, zuid):  # each organisation's copy of the supplier gets an override of its own
        current = client.get(f"/v1/suppliers/{side.ids['supplier_id']}", headers=side.keys["erp"]).json()
        body = {k: current[k] for k in ("name", "identifiers", "electronic_address")}
        r = client.put(f"/v1/suppliers/{side.ids['supplier_id']}", headers=side.keys["erp"],
                       json={**body, "policy": {"price_over_pct": "5"}})
        assert r.status_code == 200, r.text
    for side, other in ((noord, zuid), (zuid, noord)):
        scopes = {v["scope"] for v in client.get("/v1/matching/policy/versions", headers=side.keys["erp"]).json()["data"]}
        assert f"supplier:{side.ids['supplier_id']}" in scopes
        assert f"supplier:{other.ids['supplier_id']}" not in scopes
