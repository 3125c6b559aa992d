"""Rights (review, second_approval) and personal approval limits, on API keys and staff users."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sqlmodel import Session, select

from service.approvals.grants import grant_user
from service.models.keys import ApiKey
from service.ui import accounts
from tests.approvals.test_four_eyes_api import bank_unverified, fresh
from tests.workspace.factories import make_invoice
from tests.workspace.test_pages import PASSWORD, csrf_of, login


def _key_with(bare_client, make_key, admin, *, rights=None, limit=None, name="k"):
    key = make_key("reviewer", name=name)
    prefix = key["Authorization"].split("_")[1]
    r = bare_client.put(f"/v1/keys/{prefix}/rights", json={"rights": rights, "approval_limit": limit}, headers=admin)
    assert r.status_code == 200, r.text
    return key


def _approve(client, invoice_id, key):
    return client.post(f"/v1/invoices/{invoice_id}/approve", headers=key)


def test_approving_needs_review_and_completing_needs_second_approval(bare_client, session, make_key):
    admin = make_key("admin")
    only_second = _key_with(bare_client, make_key, admin, rights=["second_approval"])
    only_review = _key_with(bare_client, make_key, admin, rights=["review"])
    inv = make_invoice(session, reasons=[bank_unverified()])

    r = _approve(bare_client, inv.id, only_second)
    assert r.status_code == 403 and r.json()["type"] == "/problems/right-missing" and r.json()["right"] == "review"
    assert _approve(bare_client, inv.id, only_review).json()["status"] == "awaiting_approval"
    other_reviewer = _key_with(bare_client, make_key, admin, rights=["review"])
    r = _approve(bare_client, inv.id, other_reviewer)
    assert r.status_code == 403 and r.json()["right"] == "second_approval"
    fresh(session)
    assert session.get(type(inv), inv.id).status.value == "awaiting_approval"
    assert _approve(bare_client, inv.id, only_second).json()["status"] == "approved"


def test_holding_every_right_never_completes_ones_own_approval(bare_client, session, make_key):
    admin = make_key("admin")  # an admin key holds every right
    inv = make_invoice(session, reasons=[bank_unverified()])
    assert _approve(bare_client, inv.id, admin).json()["status"] == "awaiting_approval"
    assert _approve(bare_client, inv.id, admin).json()["type"] == "/problems/second-approver-required"


def test_above_a_personal_approval_limit_four_eyes_apply(bare_client, session, make_key):
    admin = make_key("admin")
    junior = _key_with(bare_client, make_key, admin, rights=["review"], limit="1000")
    inv = make_invoice(session, amount=Decimal("1656.25"))  # PRICE_VARIANCE only: no rule covers it
    body = _approve(bare_client, inv.id, junior).json()
    assert body["status"] == "awaiting_approval"
    assert body["event"]["approval"]["triggers"] == ["ABOVE_APPROVER_LIMIT"]
    small = make_invoice(session, amount=Decimal("999.99"))
    assert _approve(bare_client, small.id, junior).json()["status"] == "approved"
    # the limit is the junior's: a colleague without one approves the same amount alone
    assert _approve(bare_client, make_invoice(session).id, make_key("reviewer")).json()["status"] == "approved"


def test_only_an_admin_grants_rights_and_unknown_ones_are_refused(bare_client, session, make_key):
    admin, reviewer = make_key("admin"), make_key("reviewer", name="target")
    prefix = reviewer["Authorization"].split("_")[1]
    assert bare_client.get(f"/v1/keys/{prefix}/rights", headers=reviewer).status_code == 403
    r = bare_client.get(f"/v1/keys/{prefix}/rights", headers=admin)
    assert r.json()["rights"] == ["review", "second_approval"] and r.json()["role_defaults"] is True
    r = bare_client.put(f"/v1/keys/{prefix}/rights", json={"rights": ["approve_everything"]}, headers=admin)
    assert r.status_code == 422 and r.json()["type"] == "/problems/invalid-input"
    r = bare_client.put(f"/v1/keys/{prefix}/rights", json={"approval_limit": "-1"}, headers=admin)
    assert r.status_code == 422
    r = bare_client.put(f"/v1/keys/{prefix}/rights", json={"rights": ["verify_bank_accounts"], "approval_limit": "500"},
                        headers=admin)
    assert r.json()["rights"] == ["verify_bank_accounts"] and r.json()["approval_limit"] == "500"
    fresh(session)
    stored = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).one()
    assert stored.rights == ["verify_bank_accounts"] and stored.approval_limit == Decimal(500)
    assert bare_client.get("/v1/keys/nope/rights", headers=admin).status_code == 404


def test_a_staff_users_limit_and_rights_apply_in_the_workspace(bare_client, engine, session):
    with Session(engine) as s:
        accounts.create_user(s, username="anna", password=PASSWORD)
        grant_user(s, "anna", ["review"], Decimal("1000"))
        s.commit()
    inv = make_invoice(session, amount=Decimal("1656.25"))
    login(bare_client)
    token = csrf_of(bare_client.get(f"/ui/invoices/{inv.id}").text)
    r = bare_client.post(f"/ui/invoices/{inv.id}/approve", data={"csrf_token": token, "confirmed": "yes"},
                         follow_redirects=False)
    assert "msg=awaiting_approval" in r.headers["location"]
    assert "wacht nu op de goedkeuring van een tweede persoon" in bare_client.get(r.headers["location"]).text
    r = bare_client.post(f"/ui/invoices/{inv.id}/approve", data={"csrf_token": token, "confirmed": "yes"},
                         follow_redirects=False)
    assert "error=second" in r.headers["location"]
    assert "een andere persoon moet de tweede geven" in bare_client.get(r.headers["location"]).text
    fresh(session)
    assert session.get(type(inv), inv.id).status.value == "awaiting_approval"


@pytest.mark.process  # runs the command line (tests/lanes.py)
def test_the_cli_sets_a_staff_users_rights_and_limit(tmp_path):
    from tests.workspace.test_users_cli import run

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run(["migrate"], env).returncode == 0
    assert run(["users", "create", "piet", "--password-stdin"], env, PASSWORD + "\n").returncode == 0
    r = run(["rights", "set", "--user", "piet", "--right", "review", "--right", "verify_bank_accounts",
             "--approval-limit", "5000"], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "user piet: rights review, verify_bank_accounts; approval limit 5000"
    r = run(["rights", "set", "--user", "piet"], env)  # no --right: back to the role's defaults
    assert r.stdout.strip() == "user piet: rights review, second_approval; approval limit none"
    r = run(["rights", "set", "--user", "nobody", "--right", "review"], env)
    assert r.returncode == 2 and "no staff user nobody" in r.stderr
    assert run(["rights", "set", "--user", "piet", "--approval-limit", "lots"], env).returncode == 2


def test_an_admin_sets_a_staff_users_rights_over_http_audited_and_only_within_its_organisation(
        bare_client, engine, session, make_key):
    import uuid

    from service.models.masterdata import MasterDataEvent, MasterDataEventKind
    from service.models.organisations import Organisation
    from service.models.workspace import StaffUser
    from service.organisations.staff import join_organisations

    with Session(engine) as s:
        other_org, third_org = Organisation(name="Gemeente Elders"), Organisation(name="Gemeente Derde")
        s.add_all([other_org, third_org])
        s.flush()
        piet = accounts.create_user(s, username="piet", password=PASSWORD)
        join_organisations(s, piet.id, [str(other_org.id)])
        s.commit()
        piet_id, other_org_id, third_org_id = piet.id, other_org.id, third_org.id
    admin = make_key("admin")  # instance-wide
    r = bare_client.get("/v1/staff/piet/rights", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["rights"] == ["review", "second_approval"] and r.json()["role_defaults"] is True
    r = bare_client.put(f"/v1/staff/{piet_id}/rights", headers=admin,
                        json={"rights": ["review", "verify_bank_accounts"], "approval_limit": "2500"})
    assert r.status_code == 200, r.text
    assert r.json() == {"user_id": str(piet_id), "username": "piet", "role": "reviewer",
                        "rights": ["review", "verify_bank_accounts"], "role_defaults": False, "approval_limit": "2500"}
    fresh(session)
    stored = session.get(StaffUser, piet_id)
    assert stored.rights == ["review", "verify_bank_accounts"] and stored.approval_limit == Decimal(2500)
    events = session.exec(select(MasterDataEvent).where(MasterDataEvent.kind == MasterDataEventKind.rights_changed)).all()
    assert [(e.actor, e.data["subject"], e.data["rights"], e.data["previous_rights"]) for e in events] == [
        (f"key:{admin['Authorization'].split('_')[1]}", "user:piet", ["review", "verify_bank_accounts"], None)]
    # bad input, other roles, unknown users
    assert bare_client.put("/v1/staff/piet/rights", headers=admin, json={"rights": ["everything"]}).status_code == 422
    reviewer = make_key("reviewer", organisation_id=other_org_id)
    assert bare_client.put("/v1/staff/piet/rights", headers=reviewer, json={}).status_code == 403
    assert bare_client.get("/v1/staff/nobody/rights", headers=admin).status_code == 404
    # an organisation's admin: its own staff only; another organisation's person does not exist for it
    own_admin = make_key("admin", organisation_id=other_org_id)
    assert bare_client.get("/v1/staff/piet/rights", headers=own_admin).status_code == 200
    default_admin = make_key("admin", organisation_id=third_org_id)
    r = bare_client.put("/v1/staff/piet/rights", headers=default_admin, json={"rights": ["review"]})
    assert r.status_code == 404 and r.json()["type"] == "/problems/not-found"
    assert bare_client.get(f"/v1/staff/{uuid.uuid4()}/rights", headers=default_admin).status_code == 404
