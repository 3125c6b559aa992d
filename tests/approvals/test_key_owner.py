"""A person's own API key and their workspace account are one person for four eyes (issue 16):
a key created with an owner cannot complete, or verify, what its owner started, nor the reverse."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from service.organisations.staff import join_organisations
from service.ui import accounts
from tests.approvals.test_four_eyes_api import bank_unverified
from tests.workspace.factories import make_invoice
from tests.workspace.test_pages import PASSWORD, csrf_of, login


def _staff(engine, username: str) -> uuid.UUID:
    with Session(engine) as s:
        user = accounts.create_user(s, username=username, password=PASSWORD)
        join_organisations(s, user.id, [])  # the instance's only organisation
        s.commit()
        return user.id


def _owned_key(client, admin, owner: str | None, role: str = "reviewer") -> dict[str, str]:
    r = client.post("/v1/keys", headers=admin, json={"role": role, "name": f"key of {owner}", "owner": owner})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['key']}"}


def test_a_key_owned_by_a_person_cannot_complete_the_approval_its_owner_started_in_the_workspace(
        bare_client, engine, session, make_key):
    anna_id = _staff(engine, "anna")
    admin = make_key("admin")
    r = bare_client.post("/v1/keys", headers=admin, json={"role": "reviewer", "owner": "anna"})
    assert r.status_code == 201 and r.json()["owner_id"] == str(anna_id), r.text
    annas_key = {"Authorization": f"Bearer {r.json()['key']}"}
    inv = make_invoice(session, reasons=[bank_unverified()])

    login(bare_client)  # anna, in the workspace
    token = csrf_of(bare_client.get(f"/ui/invoices/{inv.id}").text)
    r = bare_client.post(f"/ui/invoices/{inv.id}/approve", data={"csrf_token": token, "confirmed": "yes"},
                         follow_redirects=False)
    assert "msg=awaiting_approval" in r.headers["location"]

    refused = bare_client.post(f"/v1/invoices/{inv.id}/approve", headers=annas_key)
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/second-approver-required"
    assert refused.json()["first_approver"] == "user:anna"
    # a key nobody owns is another person: it completes the approval
    done = bare_client.post(f"/v1/invoices/{inv.id}/approve", headers=make_key("reviewer"))
    assert done.status_code == 200 and done.json()["status"] == "approved", done.text


def test_a_person_cannot_verify_the_bank_account_their_own_key_proposed(bare_client, engine, session, make_key):
    from service.approvals.grants import grant_user
    from tests.masterdata.conftest import supplier_body

    _staff(engine, "bert")
    with Session(engine) as s:
        grant_user(s, "bert", ["review", "verify_bank_accounts"], None)
        s.commit()
    admin = make_key("admin")
    berts_erp_key = _owned_key(bare_client, admin, "bert", role="erp")
    supplier = bare_client.post("/v1/suppliers", headers=berts_erp_key, json=supplier_body())
    assert supplier.status_code == 201, supplier.text
    change_id = supplier.json()["pending_bank_accounts"][0]["change_id"]
    berts_reviewer_key = _owned_key(bare_client, admin, "bert")
    with Session(engine) as s:  # bert's reviewer key holds the right too
        from service.approvals.grants import find_key, grant_key

        grant_key(s, find_key(s, berts_reviewer_key["Authorization"].split("_")[1]), ["verify_bank_accounts"], None)
        s.commit()
    r = bare_client.post(f"/v1/bank-account-changes/{change_id}/verify", headers=berts_reviewer_key,
                         json={"method": "callback"})
    assert r.status_code == 409 and r.json()["type"] == "/problems/verifier-must-differ", r.text
    ok = bare_client.post(f"/v1/bank-account-changes/{change_id}/verify", headers=admin, json={"method": "callback"})
    assert ok.status_code == 200, ok.text


def test_an_unknown_owner_is_a_422(bare_client, make_key):
    r = bare_client.post("/v1/keys", headers=make_key("admin"), json={"role": "reviewer", "owner": "nobody"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "owner"], r.text


def test_awaiting_my_second_approval_leaves_out_what_my_own_key_approved_first(bare_client, engine, session, make_key):
    from service import review

    _staff(engine, "anna")
    annas_key = _owned_key(bare_client, make_key("admin"), "anna")
    by_key = make_invoice(session, number="BY-ANNAS-KEY", reasons=[bank_unverified()])
    by_other = make_invoice(session, number="BY-SOMEONE", reasons=[bank_unverified()])
    session.commit()
    assert bare_client.post(f"/v1/invoices/{by_key.id}/approve", headers=annas_key).status_code == 200
    review.approve(session, by_other.id, actor="user:bert")
    session.commit()
    login(bare_client)  # anna
    html = bare_client.get("/ui/queue?status=awaiting_second").text
    assert "BY-SOMEONE" in html and "BY-ANNAS-KEY" not in html  # she may not complete her key's approval
