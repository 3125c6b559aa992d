"""The authorisation matrix (issue #21, Security): every endpoint x every role x own and another
supplier's data, in one organisation (the organisation dimension: tests/organisations/test_isolation.py).

The expected answers come from DESIGN.md, not from the routes' own guards:
- ``supplier`` (bound to one supplier): posts invoices and reads only its own supplier's: another
  supplier's invoice does not exist for it (404);
- ``gateway`` (an access point delivering for any supplier): posts invoices and reads what it
  delivered itself (404 for the rest);
- ``erp``: master data, orders, receipts, reads everything, books and pays;
- ``reviewer``: review actions and what they need to read;
- ``admin``: everything (keys, settings, webhooks, organisations);
- no key: 401 on every /v1 route and /metrics; health, readiness and the API documents are public;
  the workspace (/ui) wants a staff session (to the sign-in page), whatever API key is sent.
A role that may not use an endpoint gets 403 before anything is looked up, whatever the id.

``MATRIX`` has an entry for every route of the app (derived from the app, prefixes included): a new
endpoint without an entry fails ``test_every_route_has_an_entry``. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from service.models.organisations import DEFAULT_ORGANISATION_ID
from tests.cii_builder import CiiLine, cii_invoice
from tests.routes import app_routes

ROLES = ("supplier", "gateway", "erp", "reviewer", "admin")
_PARAM = re.compile(r"{(\w+)(?::path)?}")
MADE_UP = {"n", "delivery_id", "key_id", "line_id", "position", "version", "user_id", "view_id", "handover_id"}  # 404 is a right answer for them
SELLERS = {
    "a": {"seller_name": "Kantoor B.V.", "seller_kvk": "12345678", "seller_vat": "NL123456782B01",
          "iban": "NL91ABNA0417164300"},
    "b": {"seller_name": "Meubel B.V.", "seller_kvk": "87654321", "seller_vat": "NL876543219B01",
          "iban": "NL20INGB0001234567"},
}


@dataclass(frozen=True)
class Entry:
    """Who may call an endpoint besides admin (S supplier, G gateway, E erp, R reviewer), and how
    far its data reaches: ``invoice`` routes show a supplier key only its supplier's invoices and a
    gateway key only what it delivered; ``public`` and ``staff`` (workspace session) need no key."""

    roles: str
    scope: str = ""
    rights: bool = False  # also needs a right granted per key (403 /problems/right-missing without it)
    owner: bool = False  # a person's own: a key of nobody's is 403 /problems/key-without-owner


READ = Entry("SGER", "invoice")  # DESIGN: a supplier reads its own, a gateway what it delivered
REVIEW = Entry("R")
ERP = Entry("E")
MASTER_READ = Entry("ER")  # master data and settings staff need to judge invoices
ADMIN = Entry("")
PUBLIC = Entry("", "public")
STAFF = Entry("", "staff")

MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/"): PUBLIC, ("GET", "/healthz"): PUBLIC, ("GET", "/readyz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC, ("GET", "/docs"): PUBLIC, ("GET", "/redoc"): PUBLIC,
    ("GET", "/docs/assets/swagger-init.js"): PUBLIC,
    ("GET", "/metrics"): ADMIN,  # or the metrics token (tests/security/test_operations_security.py)
    # invoices: submitted by suppliers and gateways, read within each key's reach
    ("POST", "/v1/invoices"): Entry("SG"),
    ("GET", "/v1/invoices"): Entry("SGER", "list"),
    ("GET", "/v1/invoices/{invoice_id}"): READ,
    ("GET", "/v1/invoices/{invoice_id}/validation"): READ,
    ("GET", "/v1/invoices/{invoice_id}/data"): READ,
    ("GET", "/v1/invoices/{invoice_id}/document"): READ,
    ("GET", "/v1/invoices/{invoice_id}/attachments/{n}"): READ,
    ("GET", "/v1/invoices/{invoice_id}/response"): READ,
    ("GET", "/v1/invoices/{invoice_id}/decision"): READ,
    ("GET", "/v1/invoices/{invoice_id}/rendering"): READ,
    ("POST", "/v1/invoices/{invoice_id}/replay"): ADMIN,  # an auditor's recomputation
    # the buyer's internal handling: staff notes, hand-overs (not for suppliers or gateways)
    ("GET", "/v1/invoices/{invoice_id}/comments"): MASTER_READ,
    ("GET", "/v1/invoices/{invoice_id}/handovers"): MASTER_READ,
    ("POST", "/v1/invoices/{invoice_id}/comments"): REVIEW,
    **{("POST", f"/v1/invoices/{{invoice_id}}/{action}"): REVIEW for action in (
        "approve", "reject", "hold", "rematch", "order", "assign", "forward", "delivery/confirm",
        "delivery/decline", "lines/{line_id}/pairing", "lines/{line_id}/accept")},
    ("POST", "/v1/invoices/bulk"): REVIEW,  # hold, assign or approve several at once
    ("GET", "/v1/handovers"): MASTER_READ, ("POST", "/v1/handovers/{handover_id}/withdraw"): REVIEW,
    # a person's own notifications, through their own key (made with `owner`)
    ("GET", "/v1/notifications"): Entry("R", owner=True), ("POST", "/v1/notifications/read"): Entry("R", owner=True),
    ("POST", "/v1/invoices/{invoice_id}/booked"): ERP,
    ("POST", "/v1/invoices/{invoice_id}/paid"): ERP,
    ("GET", "/v1/events"): MASTER_READ,  # the change feed holds every supplier's invoices
    # master data: the ERP loads it, staff read it
    ("POST", "/v1/suppliers"): ERP, ("GET", "/v1/suppliers"): MASTER_READ,
    ("GET", "/v1/suppliers/{supplier_id}"): MASTER_READ, ("PUT", "/v1/suppliers/{supplier_id}"): ERP,
    ("POST", "/v1/suppliers/{supplier_id}/bank-account-changes"): MASTER_READ,
    ("GET", "/v1/suppliers/{supplier_id}/bank-account-changes"): MASTER_READ,
    ("POST", "/v1/bank-account-changes/{change_id}/verify"): Entry("ER", rights=True),
    ("POST", "/v1/bank-account-changes/{change_id}/reject"): Entry("ER", rights=True),
    ("POST", "/v1/purchase-orders"): ERP, ("POST", "/v1/purchase-orders/batch"): ERP,
    ("GET", "/v1/purchase-orders"): MASTER_READ,
    ("GET", "/v1/purchase-orders/{number}"): MASTER_READ, ("PUT", "/v1/purchase-orders/{number}"): ERP,
    ("POST", "/v1/purchase-orders/{number}/close"): ERP, ("POST", "/v1/purchase-orders/{number}/reopen"): ERP,
    ("GET", "/v1/purchase-orders/{number}/versions/{version}"): MASTER_READ,
    ("POST", "/v1/goods-receipts"): ERP, ("GET", "/v1/goods-receipts"): MASTER_READ,
    ("GET", "/v1/goods-receipts/{receipt_id}"): MASTER_READ,
    ("POST", "/v1/standing-orders"): ERP, ("GET", "/v1/standing-orders"): MASTER_READ,
    ("GET", "/v1/standing-orders/{rule_id}"): MASTER_READ, ("PUT", "/v1/standing-orders/{rule_id}"): ERP,
    # settings: staff read the rules they work under, only admins change them
    # an organisation's admin sets its organisation's policy, an instance-wide admin the global one
    ("GET", "/v1/matching/policy"): MASTER_READ, ("PUT", "/v1/matching/policy"): ADMIN,
    ("GET", "/v1/matching/policy/versions"): MASTER_READ,
    ("GET", "/v1/approvals/rules"): MASTER_READ, ("PUT", "/v1/approvals/rules"): ADMIN,
    ("GET", "/v1/approvals/rules/versions"): MASTER_READ, ("GET", "/v1/approvals/report"): MASTER_READ,
    # administration
    ("POST", "/v1/keys"): ADMIN, ("GET", "/v1/keys"): ADMIN, ("DELETE", "/v1/keys/{key_id}"): ADMIN,
    ("GET", "/v1/keys/{key_id}/rights"): ADMIN, ("PUT", "/v1/keys/{key_id}/rights"): ADMIN,
    ("GET", "/v1/staff/{user_id}/rights"): ADMIN, ("PUT", "/v1/staff/{user_id}/rights"): ADMIN,
    ("POST", "/v1/organisations"): ADMIN, ("GET", "/v1/organisations"): ADMIN,
    ("GET", "/v1/organisations/{organisation_id}"): ADMIN, ("PUT", "/v1/organisations/{organisation_id}"): ADMIN,
    ("POST", "/v1/webhooks"): ADMIN, ("GET", "/v1/webhooks"): ADMIN,
    ("GET", "/v1/webhooks/{subscription_id}"): ADMIN, ("PATCH", "/v1/webhooks/{subscription_id}"): ADMIN,
    ("DELETE", "/v1/webhooks/{subscription_id}"): ADMIN,
    ("POST", "/v1/webhooks/{subscription_id}/replay"): ADMIN,
    ("GET", "/v1/webhooks/{subscription_id}/deliveries"): ADMIN,
    ("GET", "/v1/webhooks/{subscription_id}/deliveries/{delivery_id}"): ADMIN,
    ("POST", "/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/replay"): ADMIN,
    # the workspace: a staff session (cookie); sign-in, language, single sign-on and "/ui" (a
    # redirect to the queue) are open
    **{("GET", p): STAFF for p in (
        "/ui/queue", "/ui/work", "/ui/notifications", "/ui/invoices/{invoice_id}/delivery/answer", "/ui/dashboard", "/ui/search", "/ui/search/export.csv",
        "/ui/search/export.xlsx", "/ui/approvals/report", "/ui/approvals/report.csv",
        "/ui/invoices/{invoice_id}", "/ui/invoices/{invoice_id}/document", "/ui/invoices/{invoice_id}/rendering",
        "/ui/invoices/{invoice_id}/attachments/{position}",
        "/ui/invoices/{invoice_id}/attachments/{position}/preview", "/ui/suppliers/{supplier_id}",
        "/ui/admin/users")},
    **{("POST", p): STAFF for p in (
        "/ui/invoices/{invoice_id}/{action}", "/ui/invoices/{invoice_id}/lines/{line_id}/{action}",
        "/ui/bank-account-changes", "/ui/bank-account-changes/{change_id}/{decision}", "/ui/organisation",
        "/ui/bulk", "/ui/invoices/{invoice_id}/delivery/{action}", "/ui/invoices/{invoice_id}/handover/{action}",
        "/ui/notifications/read", "/ui/search/views", "/ui/search/views/{view_id}/delete", "/ui/admin/users",
        "/ui/admin/users/{username}")},
    **dict.fromkeys((("GET", "/ui"), ("GET", "/ui/"), ("GET", "/ui/login"), ("POST", "/ui/login"),
                     ("POST", "/ui/logout"), ("POST", "/ui/language"), ("GET", "/ui/oidc/start"),
                     ("GET", "/ui/oidc/callback")), PUBLIC),
}


def _key(method: str, path: str) -> tuple[str, str]:
    return method, re.sub(r"{(\w+):path}", r"{\1}", path)


@dataclass
class Side:
    keys: dict[str, dict] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> this side's resource
    number: str = ""  # the invoice's BT-1


def _side(client, make_key, name: str, erp: dict, admin: dict) -> Side:
    seller = SELLERS[name]
    side = Side()
    r = client.post("/v1/suppliers", headers=erp, json={
        "name": seller["seller_name"],
        "identifiers": [{"scheme": "0106", "value": seller["seller_kvk"]}, {"scheme": "VAT", "value": seller["seller_vat"]}],
        "electronic_address": {"scheme": "0106", "value": seller["seller_kvk"]},
        "bank_accounts": [{"iban": seller["iban"]}]})
    assert r.status_code == 201, r.text
    supplier_id = r.json()["id"]
    number = f"PO-{name.upper()}-1"
    r = client.post("/v1/purchase-orders", headers=erp, json={
        "number": number, "supplier_id": supplier_id, "currency": "EUR", "status": "open",
        "lines": [{"line_id": "10", "item": {"name": "Bureaustoel", "seller_item_id": "BS-1"}, "quantity": "10",
                   "unit_code": "C62", "unit_price": "150.00", "vat_category": "S", "vat_rate": "21"}]})
    assert r.status_code == 201, r.text
    r = client.post("/v1/goods-receipts", headers=erp, json={
        "receipt_id": f"GR-{name.upper()}-1", "po_number": number, "date": "2026-11-30",
        "lines": [{"po_line_id": "10", "quantity": "5"}]})
    assert r.status_code == 201, r.text
    r = client.post("/v1/standing-orders", headers=erp, json={
        "supplier_id": supplier_id, "name": "Huur", "period": "month", "expected_amount": "100.00"})
    assert r.status_code == 201, r.text
    rule_id = r.json()["id"]
    r = client.post(f"/v1/suppliers/{supplier_id}/bank-account-changes", headers=erp,
                    json={"iban": "NL39RABO0300065264", "action": "add", "note": "letter of 1 December"})
    assert r.status_code == 201, r.text
    change_id = r.json()["id"]
    r = client.post("/v1/webhooks", headers=admin, json={"url": f"https://erp.example.nl/{name}", "event_types": ["*"]})
    assert r.status_code == 201, r.text
    subscription_id = r.json()["id"]
    side.keys = {"supplier": make_key("supplier", supplier_id=uuid.UUID(supplier_id)), "gateway": make_key("gateway")}
    side.number = f"F-{name.upper()}-1"
    xml = cii_invoice(side.number, [CiiLine("1", "Bureaustoel", Decimal(5), Decimal("150.00"), "10",
                                            seller_item_id="BS-1")], po=number, **seller)
    r = client.post("/v1/invoices", content=xml, headers={**side.keys["gateway"], "Content-Type": "application/xml"})
    assert r.status_code == 201, r.text
    assert r.json()["seller"]["supplier_id"] == supplier_id
    side.ids = {"invoice_id": r.json()["id"], "supplier_id": supplier_id, "number": number, "version": "1",
                "receipt_id": f"GR-{name.upper()}-1", "rule_id": rule_id, "change_id": change_id,
                "subscription_id": subscription_id, "organisation_id": str(DEFAULT_ORGANISATION_ID),
                "n": "1", "line_id": "1", "position": "1", "delivery_id": str(uuid.uuid4()),
                "key_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "view_id": str(uuid.uuid4()), "username": "anna",
                "action": "hold", "decision": "verify", "handover_id": str(uuid.uuid4())}
    return side


@pytest.fixture
def world(client, make_key, engine) -> dict:
    # keys of the one organisation (an instance-wide admin's webhooks would be no organisation's data)
    from sqlmodel import Session

    from service.organisations.staff import join_organisations
    from service.ui.accounts import create_user

    erp, admin = make_key("erp"), make_key("admin", organisation_id=DEFAULT_ORGANISATION_ID)
    a, b = _side(client, make_key, "a", erp, admin), _side(client, make_key, "b", erp, admin)
    keys = {"erp": erp, "admin": admin, "reviewer": make_key("reviewer")}
    for name, side in (("a", a), ("b", b)):
        side.keys.update(keys)
        with Session(engine) as s:  # a staff member of the organisation (their rights: /v1/staff/{id}/rights)
            person = create_user(s, username=f"staff.{name}", password="correct horse battery staple")
            join_organisations(s, person.id, [str(DEFAULT_ORGANISATION_ID)])
            s.commit()
            side.ids["user_id"] = str(person.id)
    return {"own": a, "other": b}


def _url(path: str, ids: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: ids[m.group(1)], path)


def _api(app) -> list[tuple[str, str]]:
    routes = [(m, p) for m, p in app_routes(app) if MATRIX[_key(m, p)].scope not in ("public", "staff")]
    return sorted(routes, key=lambda mp: (mp[0] == "DELETE", mp[1], mp[0]))  # deleting last


def test_every_route_has_an_entry(app) -> None:
    routes = {_key(m, p) for m, p in app_routes(app)}
    assert len(routes) > 100, "the routes of included routers were not found"
    assert not routes - MATRIX.keys(), f"routes without an entry in MATRIX: {sorted(routes - MATRIX.keys())}"
    assert not MATRIX.keys() - routes, f"entries for routes that no longer exist: {sorted(MATRIX.keys() - routes)}"


def _expected(entry: Entry, role: str, side: str) -> str:
    if role != "admin" and role[0].upper() not in entry.roles:
        return "403"
    if entry.scope == "invoice" and role in ("supplier", "gateway") and side == "other":
        return "404"
    return "answered"


@pytest.mark.parametrize("role", ROLES)
def test_every_api_route_answers_each_role_as_designed(client, world, role) -> None:
    wrong = []
    for method, path in _api(client.app):
        entry = MATRIX[_key(method, path)]
        made_up = bool(MADE_UP & set(_PARAM.findall(path)))
        sides = ("other", "own") if "{" in path else ("own",)
        for side in sides:
            r = client.request(method, _url(path, world[side].ids), headers=world["own"].keys[role], json={})
            want = _expected(entry, role, side)
            if want == "answered":
                right_missing = entry.rights and r.status_code == 403 and r.json()["type"] == "/problems/right-missing"
                no_owner = entry.owner and r.status_code == 403 and r.json()["type"] == "/problems/key-without-owner"
                bad = (r.status_code in (401, 403) and not (right_missing or no_owner)) \
                    or (r.status_code == 404 and not made_up)
            else:
                bad = str(r.status_code) != want
            if bad:
                wrong.append(f"{method} {path} ({side}'s data): {r.status_code}, expected {want}: {r.text[:120]}")
            elif r.status_code in (403, 404) and not r.headers["content-type"].startswith("application/problem+json"):
                wrong.append(f"{method} {path}: {r.status_code} without a problem document")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_without_a_key_only_the_public_endpoints_answer(client, world) -> None:
    wrong = []
    for method, path in app_routes(client.app):
        entry = MATRIX[_key(method, path)]
        url = _url(path, world["own"].ids)
        r = client.request(method, url, follow_redirects=False, data={} if method == "POST" else None)
        if entry.scope == "public":
            ok = r.status_code not in (401, 403)
        elif entry.scope == "staff":  # to the sign-in page (a form post without a session: refused)
            ok = r.status_code in (303, 401, 403) and "/ui/login" in r.headers.get("location", "/ui/login")
        else:
            ok = r.status_code == 401
        if not ok:
            wrong.append(f"{method} {path}: {r.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_an_api_key_opens_no_workspace_page(client, world, role) -> None:
    headers = world["own"].keys[role]
    wrong = []
    for method, path in app_routes(client.app):
        if MATRIX[_key(method, path)].scope != "staff":
            continue
        r = client.request(method, _url(path, world["own"].ids), headers=headers, follow_redirects=False,
                           data={} if method == "POST" else None)
        if r.status_code not in (303, 401, 403) or "/ui/login" not in r.headers.get("location", "/ui/login"):
            wrong.append(f"{method} {path}: {r.status_code}")
    assert not wrong, f"{role}: " + "; ".join(wrong)


@pytest.mark.parametrize("role", ("supplier", "gateway"))
def test_lists_and_searches_hold_only_what_the_key_may_read(client, world, role) -> None:
    own, other = world["own"], world["other"]
    headers = own.keys[role]
    for params in ({}, {"q": other.number}, {"q": own.number}, {"seller": other.ids["supplier_id"]},
                   {"purchase_order": other.ids["number"]}, {"status": "needs_review"}, {"status": "approved"}):
        r = client.get("/v1/invoices", params=params, headers=headers)
        assert r.status_code == 200, (params, r.text)
        ids = {i["id"] for i in r.json()["data"]}
        assert other.ids["invoice_id"] not in ids, (role, params)
        if params in ({}, {"q": own.number}):
            assert ids == {own.ids["invoice_id"]}, (role, params)
    csv = client.get("/v1/invoices", headers={**headers, "Accept": "text/csv"})
    assert csv.status_code == 200 and own.number in csv.text and other.number not in csv.text


def test_staff_and_the_erp_see_both_suppliers_invoices(client, world) -> None:
    for role in ("erp", "reviewer", "admin"):
        r = client.get("/v1/invoices", headers=world["own"].keys[role])
        ids = {i["id"] for i in r.json()["data"]}
        assert {world["own"].ids["invoice_id"], world["other"].ids["invoice_id"]} <= ids, role


def test_a_supplier_key_files_only_its_own_suppliers_invoices(client, world) -> None:
    key = {**world["own"].keys["supplier"], "Content-Type": "application/xml"}
    lines = [CiiLine("1", "Bureaustoel", Decimal(1), Decimal("150.00"), "10", seller_item_id="BS-1")]
    theirs = cii_invoice("F-B-2", lines, po=world["other"].ids["number"], **SELLERS["b"])
    r = client.post("/v1/invoices", content=theirs, headers=key)
    assert r.status_code == 403 and r.json()["type"] == "/problems/seller-not-your-supplier"
    mine = cii_invoice("F-A-2", lines, po=world["own"].ids["number"], **SELLERS["a"])
    assert client.post("/v1/invoices", content=mine, headers=key).status_code == 201


def test_the_matching_policy_is_changed_by_admins_only_each_at_its_own_level(client, make_key) -> None:
    policy = client.get("/v1/matching/policy", headers=make_key("erp")).json()
    r = client.put("/v1/matching/policy", headers=make_key("admin"), json=policy)
    assert r.status_code == 200 and not r.json()["scope"].startswith("organisation:"), r.text
    r = client.put("/v1/matching/policy", headers=make_key("admin", organisation_id=DEFAULT_ORGANISATION_ID),
                   json=policy)
    assert r.status_code == 200 and r.json()["scope"] == f"organisation:{DEFAULT_ORGANISATION_ID}", r.text
    for role in ("erp", "reviewer", "gateway"):  # (supplier keys: the matrix)
        assert client.put("/v1/matching/policy", headers=make_key(role), json=policy).status_code == 403


# --- the workspace: staff users per role x their own and another organisation's data -------------
#
# The same rule as for keys (DESIGN.md "Organisations"): a person sees only the organisation they work
# on, and another organisation's invoice, supplier, bank-account change, saved view or colleague does
# not exist for them (404, nothing changed); user administration is for admins (404 for reviewers).

STAFF_ROLES = ("reviewer", "admin")
ADMIN_PAGES = {("GET", "/ui/admin/users"), ("POST", "/ui/admin/users"), ("POST", "/ui/admin/users/{username}")}
# path parameters that name an organisation's data (the others name an action or a position)
OWNED = {"invoice_id", "supplier_id", "change_id", "view_id", "username"}
STAFF_MADE_UP = {"position", "line_id"}  # positions nobody has: 404 is a right answer
STAFF_ACTIONS = {"/delivery/{action}", "/handover/{action}"}  # "hold" is none of theirs: 404 is right


@pytest.fixture
def staff_world(client, make_key, engine) -> dict:
    """Two organisations (tests/organisations/test_isolation.py), each with an invoice under review (so
    that an action on it would show) and a saved view of its staff member; a reviewer and an admin who
    work for Noord."""
    from sqlmodel import Session

    from service.models.workspace import StaffRole
    from service.organisations.staff import join_organisations
    from service.ui import accounts, find, saved_views
    from tests.api.test_cii_intake import SELLER
    from tests.organisations.test_isolation import OINS, _build

    admin = make_key("admin")  # instance-wide: creates the organisations
    sides = {name: _build(client, make_key, engine, name, admin) for name in ("noord", "zuid")}
    for name, side in sides.items():  # 180.00 against the order's 150.00: PRICE_VARIANCE
        xml = cii_invoice(f"F-{name.upper()}-2", [CiiLine("1", "Bureaustoel", Decimal(1), Decimal("180.00"), "10",
                                                          seller_item_id="BS-1")],
                          po=side.ids["number"], buyer_endpoint=("0190", OINS[name]), **SELLER)
        r = client.post("/v1/invoices", content=xml, headers={**side.keys["gateway"], "Content-Type": "application/xml"})
        assert r.status_code == 201 and r.json()["status"] == "needs_review", r.text
        side.ids["invoice_id"] = r.json()["id"]
    people = {}
    with Session(engine) as s:
        for name, side in sides.items():
            colleague = accounts.find_user(s, f"staff-{name}")
            view = saved_views.save(s, colleague.id, "Alles", find.FindFilter())
            side.ids.update(view_id=str(view.id), username=colleague.username, position="1", action="hold",
                            decision="verify")
        for role in STAFF_ROLES:
            person = accounts.create_user(s, username=f"{role}.noord", password="correct horse battery staple",
                                          role=StaffRole(role))
            join_organisations(s, person.id, [sides["noord"].organisation_id])
            people[role] = person.username
        s.commit()
    return {"own": sides["noord"], "other": sides["zuid"], "people": people}


def _sign_in(client, username: str) -> str:
    """Sign ``username`` in on ``client``; the session's CSRF token."""
    page = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/ui/login", data={"username": username, "password": "correct horse battery staple",
                                       "csrf_token": token, "next": "/ui/queue"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/queue", r.headers.get("location")
    queue = client.get("/ui/queue")
    return re.search(r'name="csrf_token" value="([^"]+)"', queue.text).group(1)


def _other_state(engine, other) -> dict:
    """What a person of another organisation could change of Zuid's data."""
    from sqlmodel import Session

    from service.models.approvals import BankAccountChange
    from service.models.invoices import Invoice
    from service.models.workspace import SavedView, StaffUser
    from service.ui.accounts import find_user

    with Session(engine) as s:
        invoice = s.get(Invoice, uuid.UUID(other.ids["invoice_id"]))
        change = s.get(BankAccountChange, uuid.UUID(other.ids["change_id"]))
        user: StaffUser = find_user(s, other.ids["username"])
        return {"invoice": (invoice.status, invoice.version), "change": change.status,
                "view": s.get(SavedView, uuid.UUID(other.ids["view_id"])) is not None,
                "colleague": (user.role, user.active, user.rights, user.approval_limit)}


def _staff_routes(app) -> list[tuple[str, str]]:
    routes = [(m, p) for m, p in app_routes(app) if MATRIX[_key(m, p)].scope == "staff"]
    assert len(routes) > 25, routes
    return routes


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_workspace_route_answers_each_staff_role_as_designed(client, staff_world, engine, role) -> None:
    own, other = staff_world["own"], staff_world["other"]
    csrf = _sign_in(client, staff_world["people"][role])
    before = _other_state(engine, other)
    wrong = []
    for method, path in _staff_routes(client.app):
        params = set(_PARAM.findall(path))
        for side in (("other", "own") if params & OWNED else ("own",)):
            ids = (other if side == "other" else own).ids
            # forms name the other organisation's data wherever a form field can name data
            form = {"csrf_token": csrf, "invoice_id": other.ids["invoice_id"], "invoice": other.ids["invoice_id"],
                    "organisation": other.organisation_id, "supplier_id": other.ids["supplier_id"],
                    "action": "hold", "iban": "NL39RABO0300065264", "note": "x", "reason": "x",
                    "method": "callback", "view_name": "x", "username": "new.person", "password": "x" * 16}
            r = client.request(method, _url(path, ids), follow_redirects=False,
                               data=form if method == "POST" else None)
            to_login = r.status_code in (303, 307) and "/ui/login" in r.headers.get("location", "")
            if role != "admin" and (method, path) in ADMIN_PAGES:
                bad = r.status_code not in (403, 404)
            elif side == "other":
                # not there for them; deleting another person's saved view answers as a deletion of nothing
                bad = r.status_code != 404 and not (path.endswith("/delete") and r.status_code == 303)
            elif not params and method == "POST":
                # the form names the other organisation's data: refused as unknown, or done on none of
                # it (its state is compared below); never the sign-in page
                bad = to_login or r.status_code in (401, 403)
            else:
                made_up = bool(STAFF_MADE_UP & params) or any(path.endswith(a) for a in STAFF_ACTIONS)
                bad = to_login or r.status_code in (401, 403) or (r.status_code == 404 and not made_up)
            # (a form that named the other's invoice may echo its id as "no invoice ..."; never its number)
            shown = "F-ZUID-" in r.text or (method == "GET" and other.ids["invoice_id"] in r.text)
            if bad:
                wrong.append(f"{method} {path} ({side}'s data): {r.status_code} {r.headers.get('location', '')}")
            elif r.status_code == 200 and shown:
                wrong.append(f"{method} {path} ({side}'s data): shows the other organisation's invoice")
    assert _other_state(engine, other) == before, "another organisation's data was changed"
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_workspace_lists_and_searches_hold_only_the_own_organisations_invoices(client, staff_world, role) -> None:
    own, other = staff_world["own"], staff_world["other"]
    _sign_in(client, staff_world["people"][role])
    for url in ("/ui/queue", "/ui/work", "/ui/dashboard", "/ui/dashboard?scope=all", "/ui/search",
                "/ui/search?q=F-ZUID-1", "/ui/search?q=F-", "/ui/search/export.csv?q=F-",
                f"/ui/invoices/{own.ids['invoice_id']}"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert other.ids["invoice_id"] not in r.text, url
        assert "F-ZUID-" not in r.text.replace("q=F-ZUID-1", "").replace('value="F-ZUID-1"', ""), url
    assert "F-NOORD-2" in client.get("/ui/search?q=F-").text  # the own organisation's are found
    assert "F-NOORD-2" in client.get("/ui/queue").text
    # "all organisations" on the dashboard is for those who work for all of them: here it is Noord's
    assert client.get("/ui/dashboard?scope=all").text.replace("?scope=all", "") == client.get("/ui/dashboard").text


def test_an_admin_who_works_for_every_organisation_sees_the_dashboard_of_all(client, staff_world, engine) -> None:
    from sqlmodel import Session, select

    from service.models.organisations import Organisation
    from service.organisations.staff import join_organisations
    from service.ui.accounts import find_user

    with Session(engine) as s:  # Noord, Zuid and the default organisation the migration made
        join_organisations(s, find_user(s, "admin.noord").id, [str(i) for i in s.exec(select(Organisation.id))])
        s.commit()
    _sign_in(client, "admin.noord")
    assert client.get("/ui/dashboard?scope=all").text.replace("?scope=all", "") != client.get("/ui/dashboard").text
