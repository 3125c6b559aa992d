"""Two organisations with the same supplier side by side: every /v1 route with a resource in its
path, for every role, with the own and the other organisation's data; and every list.

The rule (DESIGN.md "Organisations"): a key never sees another organisation's data, and what it
cannot see does not exist for it (404, never 403). Runs on SQLite and PostgreSQL (``client``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlmodel import Session

from tests.api.test_cii_intake import SELLER
from tests.bank_accounts import verify_pending
from tests.cii_builder import CiiLine, cii_invoice
from tests.routes import app_routes

OINS = {"noord": "00000001001234560000", "zuid": "00000001001234572000"}
IBANS = {"noord": SELLER["iban"], "zuid": "NL20INGB0001234567"}  # the seller invoices NL91...: Zuid never saw it
ROLES = ("erp", "reviewer", "supplier", "admin", "gateway")
_PARAM = re.compile(r"{(\w+)(?::path)?}")


@dataclass
class Side:
    organisation_id: str
    keys: dict[str, dict] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> a resource of this side


def _build(client, make_key, engine, name: str, admin: dict) -> Side:
    org = client.post("/v1/organisations", headers=admin, json={
        "name": f"Gemeente {name}", "identifiers": [{"scheme": "0190", "value": OINS[name]}]})
    assert org.status_code == 201, org.text
    side = Side(org.json()["id"])
    org_id = uuid.UUID(side.organisation_id)
    for role in ("erp", "reviewer", "admin", "gateway"):
        side.keys[role] = make_key(role, organisation_id=org_id)
    erp = side.keys["erp"]
    # the same supplier (same KvK, same Peppol address) in both organisations, each with its own account
    supplier = client.post("/v1/suppliers", headers=erp, json={
        "name": "Kantoor B.V.",
        "identifiers": [{"scheme": "0106", "value": "12345678"}, {"scheme": "VAT", "value": "NL123456782B01"}],
        "electronic_address": {"scheme": "0106", "value": "12345678"},
        "bank_accounts": [{"iban": IBANS[name]}]})
    assert supplier.status_code == 201, supplier.text
    side.ids["supplier_id"] = supplier.json()["id"]
    verify_pending(client, side.ids["supplier_id"], side.keys["admin"])
    side.keys["supplier"] = make_key("supplier", supplier_id=uuid.UUID(side.ids["supplier_id"]))
    number = f"PO-{name.upper()}-1"
    order = client.post("/v1/purchase-orders", headers=erp, json={
        "number": number, "supplier_id": side.ids["supplier_id"], "currency": "EUR", "status": "open",
        "lines": [{"line_id": "10", "item": {"name": "Bureaustoel", "seller_item_id": "BS-1"}, "quantity": "10",
                   "unit_code": "C62", "unit_price": "150.00", "vat_category": "S", "vat_rate": "21"}]})
    assert order.status_code == 201, order.text
    side.ids["number"], side.ids["version"] = number, "1"
    receipt = client.post("/v1/goods-receipts", headers=erp, json={
        "receipt_id": f"GR-{name.upper()}-1", "po_number": number, "date": "2026-11-30",
        "lines": [{"po_line_id": "10", "quantity": "5"}]})
    assert receipt.status_code == 201, receipt.text
    side.ids["receipt_id"] = f"GR-{name.upper()}-1"
    xml = cii_invoice(f"F-{name.upper()}-1", [CiiLine("1", "Bureaustoel", Decimal(5), Decimal("150.00"), "10",
                                                      seller_item_id="BS-1")],
                      po=number, buyer_endpoint=("0190", OINS[name]), **SELLER)
    invoice = client.post("/v1/invoices", content=xml, headers={**side.keys["gateway"],
                                                                "Content-Type": "application/xml"})
    assert invoice.status_code == 201, invoice.text
    assert invoice.json()["organisation_id"] == side.organisation_id
    side.ids["invoice_id"] = invoice.json()["id"]
    standing = client.post("/v1/standing-orders", headers=erp, json={
        "supplier_id": side.ids["supplier_id"], "name": "Huur", "period": "month", "expected_amount": "100.00"})
    assert standing.status_code == 201, standing.text
    side.ids["rule_id"] = standing.json()["id"]
    from service.erp.webhooks import create_subscription

    with Session(engine) as s:
        sub = create_subscription(s, url="https://erp.example.nl/hook", event_types=["*"], secret=None,
                                  description=name, active=True, actor="test", organisation_id=org_id)
        s.commit()
        side.ids["subscription_id"] = str(sub.id)
    side.ids["organisation_id"] = side.organisation_id
    from service.organisations.staff import join_organisations
    from service.ui.accounts import create_user

    with Session(engine) as s:
        person = create_user(s, username=f"staff.{name}", password="correct horse battery staple")
        join_organisations(s, person.id, [side.organisation_id])
        s.commit()
        side.ids["user_id"] = str(person.id)
    change = client.post(f"/v1/suppliers/{side.ids['supplier_id']}/bank-account-changes", headers=erp,
                         json={"iban": "NL39RABO0300065264", "action": "add", "note": "letter of 1 December"})
    assert change.status_code == 201, change.text
    side.ids["change_id"] = change.json()["id"]
    side.ids.update(n="1", line_id="1", delivery_id=str(uuid.uuid4()), key_id=_key_id(engine, side.keys["gateway"]))
    from service.organisations.staff import join_organisations
    from service.ui import accounts

    from service.models.handovers import Handover, HandoverKind

    with Session(engine) as s:  # a person working for this organisation (staff rights), handed an invoice
        person = accounts.create_user(s, username=f"staff-{name}", password="correct horse battery staple")
        join_organisations(s, person.id, [side.organisation_id])
        handover = Handover(invoice_id=uuid.UUID(side.ids["invoice_id"]), organisation_id=uuid.UUID(side.organisation_id),
                            kind=HandoverKind.assign, assignee_id=person.id, requested_by=f"user:staff-{name}")
        s.add(handover)
        s.commit()
        side.ids["user_id"], side.ids["handover_id"] = str(person.id), str(handover.id)
    return side


def _key_id(engine, headers: dict) -> str:
    """The id of the key in ``headers`` ("Bearer ei_<prefix>_<secret>")."""
    from sqlmodel import select

    from service.models.keys import ApiKey

    prefix = headers["Authorization"].split("_")[1]
    with Session(engine) as s:
        return str(s.exec(select(ApiKey.id).where(ApiKey.prefix == prefix)).one())


@pytest.fixture
def world(client, make_key, engine) -> dict[str, Side]:
    admin = make_key("admin")  # the centre's: instance-wide
    return {name: _build(client, make_key, engine, name, admin) for name in ("noord", "zuid")}


def _routes(app) -> list[tuple[str, str]]:
    # (the routes of included routers: a scan of app.routes alone found none, so this matrix passed
    # without a single request)
    out = [(method, path) for method, path in app_routes(app) if path.startswith("/v1/") and "{" in path]
    assert len(out) > 40, out
    # deleting comes last: the own side's resources must exist for the calls before
    return sorted(out, key=lambda mp: (mp[0] == "DELETE", mp[1], mp[0]))


def _url(path: str, ids: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: ids[m.group(1)], path)


def test_the_same_supplier_has_its_own_master_data_in_each_organisation(client, world) -> None:
    noord, zuid = world["noord"], world["zuid"]
    assert noord.ids["supplier_id"] != zuid.ids["supplier_id"]
    got = {name: client.get(f"/v1/invoices/{side.ids['invoice_id']}", headers=side.keys["erp"]).json()
           for name, side in world.items()}
    assert got["noord"]["seller"]["supplier_id"] == noord.ids["supplier_id"]
    assert got["zuid"]["seller"]["supplier_id"] == zuid.ids["supplier_id"]
    # the account on the invoice is Noord's known one; Zuid never confirmed it
    assert "BANK_ACCOUNT_UNVERIFIED" not in {r["code"] for r in got["noord"]["reasons"]}
    assert "BANK_ACCOUNT_UNVERIFIED" in {r["code"] for r in got["zuid"]["reasons"]}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_404_for_the_other_organisations_data_and_never_for_the_own(
        client, world, role) -> None:
    me, other = world["noord"], world["zuid"]
    headers = me.keys[role]
    routes = _routes(client.app)
    leaks = []
    for method, path in routes:
        r = client.request(method, _url(path, other.ids), headers=headers, json={})
        if r.status_code != 404:
            leaks.append(f"{method} {path}: {r.status_code}")
        elif not r.headers["content-type"].startswith("application/problem+json"):
            leaks.append(f"{method} {path}: 404 without a problem document")
    assert not leaks, "another organisation's data answered: " + "; ".join(leaks)
    # the own organisation's: allowed or refused by role, never "does not exist" (where it exists)
    made_up = {"n", "delivery_id"}  # ids no side has: 404 is right for them
    missing = []
    for method, path in routes:
        if made_up & set(_PARAM.findall(path)):
            continue
        r = client.request(method, _url(path, me.ids), headers=headers, json={})
        if r.status_code == 404:
            missing.append(f"{method} {path}")
    assert not missing, "the own organisation's data is missing: " + "; ".join(missing)


@pytest.mark.parametrize("role", ("erp", "reviewer", "admin"))
def test_lists_hold_only_the_own_organisations_data(client, world, role) -> None:
    me, other = world["noord"], world["zuid"]
    lists = ["/v1/invoices", "/v1/events", "/v1/suppliers", "/v1/purchase-orders", "/v1/goods-receipts",
             "/v1/standing-orders", "/v1/webhooks", "/v1/keys", "/v1/organisations", "/v1/handovers"]
    seen = {}
    for url in lists:
        r = client.get(url, headers=me.keys[role])
        if r.status_code == 403:
            continue
        assert r.status_code == 200, (url, r.text)
        seen[url] = r.text
        for param in ("invoice_id", "supplier_id", "number", "receipt_id", "subscription_id", "organisation_id",
                      "handover_id"):
            assert other.ids[param] not in r.text, f"{url} shows the other organisation's {param}"
    assert me.ids["invoice_id"] in seen["/v1/invoices"]
    assert me.ids["invoice_id"] in seen["/v1/events"]
    if role != "reviewer":
        assert me.ids["supplier_id"] in seen["/v1/suppliers"]


def test_an_instance_wide_admin_sees_both(client, world, make_key) -> None:
    admin = make_key("admin")
    text = client.get("/v1/invoices", headers=admin).text
    assert world["noord"].ids["invoice_id"] in text and world["zuid"].ids["invoice_id"] in text
    for side in world.values():
        assert client.get(f"/v1/invoices/{side.ids['invoice_id']}", headers=admin).status_code == 200


def test_an_order_of_another_organisation_is_no_order_for_the_invoice(client, world) -> None:
    # Zuid's supplier writes Noord's order number on an invoice to Zuid: PO_NOT_FOUND, not Noord's order
    xml = cii_invoice("F-ZUID-2", [CiiLine("1", "Bureaustoel", Decimal(1), Decimal("150.00"), "10",
                                           seller_item_id="BS-1")],
                      po=world["noord"].ids["number"], buyer_endpoint=("0190", OINS["zuid"]), **SELLER)
    r = client.post("/v1/invoices", content=xml, headers={**world["zuid"].keys["gateway"],
                                                         "Content-Type": "application/xml"})
    assert r.status_code == 201, r.text
    assert "PO_NOT_FOUND" in {reason["code"] for reason in r.json()["reasons"]}


def test_writes_cannot_reach_into_another_organisation(client, world) -> None:
    me, other = world["noord"], world["zuid"]
    erp = me.keys["erp"]
    order = client.post("/v1/purchase-orders", headers=erp, json={
        "number": "PO-X", "supplier_id": other.ids["supplier_id"], "currency": "EUR", "status": "open",
        "lines": [{"line_id": "1", "item": {"name": "X"}, "quantity": "1", "unit_code": "C62",
                   "unit_price": "1.00", "vat_category": "S", "vat_rate": "21"}]})
    assert order.status_code == 422 and "no supplier with id" in order.text
    receipt = client.post("/v1/goods-receipts", headers=erp, json={
        "receipt_id": "GR-X", "po_number": other.ids["number"], "date": "2026-11-30",
        "lines": [{"po_line_id": "10", "quantity": "1"}]})
    assert receipt.status_code == 422 and "no purchase order" in receipt.text
    key = client.post("/v1/keys", headers=me.keys["admin"], json={"role": "erp",
                                                                  "organisation_id": other.organisation_id})
    assert key.status_code == 201 and key.json()["organisation_id"] == me.organisation_id
    assert client.post("/v1/organisations", headers=me.keys["admin"], json={"name": "X"}).status_code == 403


def test_a_bank_account_proposal_naming_another_organisations_invoice_is_404(client, world) -> None:
    me, other = world["noord"], world["zuid"]
    url = f"/v1/suppliers/{me.ids['supplier_id']}/bank-account-changes"
    body = {"iban": "NL44RABO0123456789", "action": "add", "note": "seen on an invoice"}
    r = client.post(url, headers=me.keys["reviewer"], json={**body, "invoice_id": other.ids["invoice_id"]})
    assert r.status_code == 404 and r.json()["type"] == "/problems/invoice-not-found", r.text
    assert other.ids["invoice_id"] not in r.text or "no invoice" in r.json()["detail"]
    # the own organisation's invoice is accepted
    own = client.post(url, headers=me.keys["reviewer"], json={**body, "invoice_id": me.ids["invoice_id"]})
    assert own.status_code == 201, own.text
