"""The workspace's approval needs the confirmation's own button (server side), and the queue of
invoices awaiting my second approval leaves out my own first approvals."""

from __future__ import annotations

from sqlmodel import Session

from service import review
from service.ui import accounts
from tests.approvals.test_four_eyes_api import bank_unverified, fresh
from tests.workspace.factories import make_invoice
from tests.workspace.test_pages import PASSWORD, csrf_of, login


def _users(engine, *names):
    with Session(engine) as s:
        for name in names:
            accounts.create_user(s, username=name, password=PASSWORD)
        s.commit()


def test_an_approval_without_the_confirmation_shows_the_confirmation_page_and_decides_nothing(bare_client, engine, session):
    _users(engine, "anna")
    inv = make_invoice(session)
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{inv.id}").text
    assert 'id="approve-confirm"' in page and 'name="confirmed" value="yes"' in page
    # the visible button posts the form without confirmed=yes (script opens the dialog instead)
    assert 'type="submit" class="primary" id="approve"' in page
    r = bare_client.post(f"/ui/invoices/{inv.id}/approve", data={"csrf_token": csrf_of(page), "comment": "gezien"},
                         follow_redirects=False)
    # without JavaScript: the confirmation as a page, naming what is approved; nothing decided yet
    assert r.status_code == 200 and 'id="approve-confirm-page"' in r.text
    assert 'name="confirmed" value="yes"' in r.text and ">gezien</textarea>" in r.text
    assert "Goedkeuren bevestigen" in r.text
    fresh(session)
    assert session.get(type(inv), inv.id).status.value == "needs_review"
    r = bare_client.post(f"/ui/invoices/{inv.id}/approve", data={"csrf_token": csrf_of(r.text), "comment": "gezien",
                                                                 "confirmed": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and "msg=approved" in r.headers["location"]
    fresh(session)
    assert session.get(type(inv), inv.id).status.value == "approved"


def test_awaiting_my_second_approval_leaves_out_my_own_first_approvals(bare_client, engine, session):
    _users(engine, "anna")
    mine = make_invoice(session, number="MINE-1", reasons=[bank_unverified()])
    theirs = make_invoice(session, number="THEIRS-1", reasons=[bank_unverified()])
    review.approve(session, mine.id, actor="user:anna")
    review.approve(session, theirs.id, actor="user:bert")
    session.commit()
    login(bare_client)
    html = bare_client.get("/ui/queue?status=awaiting_second").text
    assert "THEIRS-1" in html and "MINE-1" not in html
    assert "Wacht op mijn tweede goedkeuring" in html
    both = bare_client.get("/ui/queue?status=awaiting_approval").text
    assert "THEIRS-1" in both and "MINE-1" in both


def test_the_audit_trail_names_each_approval_step_and_its_rule(bare_client, engine, session):
    _users(engine, "anna")
    inv = make_invoice(session, number="TRAIL-1", reasons=[bank_unverified()])
    review.approve(session, inv.id, actor="user:bert", comment="IBAN nagebeld")
    review.approve(session, inv.id, actor="user:carla")
    session.commit()
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{inv.id}").text
    assert "Eerste goedkeuring (vier ogen) · Regel global:0 (BANK_ACCOUNT_UNVERIFIED)" in page
    assert "Tweede goedkeuring (vier ogen) · Regel global:0" in page
