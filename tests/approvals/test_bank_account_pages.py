"""The workspace side of bank-account verification: propose the invoice's IBAN from its page; on the
supplier page a different person with the right verifies it, and the invoice is matched again."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import Session

from bench.matching_corpus.orders import PoLine
from service.approvals.grants import grant_user
from service.ui import accounts
from tests.approvals.test_bank_accounts import NEW_IBAN
from tests.matching.test_api import World
from tests.workspace.test_pages import PASSWORD, csrf_of, login


def test_propose_on_the_invoice_page_and_verify_on_the_supplier_page(client, app, engine, make_key):
    world = World(client, make_key)
    with Session(engine) as s:
        accounts.create_user(s, username="anna", password=PASSWORD)
        accounts.create_user(s, username="bert", password=PASSWORD)
        grant_user(s, "bert", ["review", "second_approval", "verify_bank_accounts"], None)
        s.commit()
    line = PoLine("1", "Bureaustoel", Decimal(10), price=Decimal("150.00"))
    world.order("PO-UI-IBAN", line)
    inv = world.post(world.doc("F-UI-IBAN", "PO-UI-IBAN", line.invoice_line("1", Decimal(2)), iban=NEW_IBAN))
    assert inv["status"] == "needs_review"

    login(client)
    page = client.get(f"/ui/invoices/{inv['id']}").text
    assert f'name="iban" maxlength="64" required value="{NEW_IBAN}"' in page
    token = csrf_of(page)
    r = client.post("/ui/bank-account-changes", data={"csrf_token": token, "invoice_id": inv["id"], "iban": NEW_IBAN, "note": ""},
                    follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:600])
    assert "error=iban_invalid" in r.headers["location"]  # the note is required
    r = client.post("/ui/bank-account-changes",
                    data={"csrf_token": token, "invoice_id": inv["id"], "iban": NEW_IBAN,
                          "note": "nieuwe bank volgens de factuur"},
                    follow_redirects=False)
    assert r.status_code == 303 and "msg=proposed" in r.headers["location"]
    supplier_page = client.get(r.headers["location"]).text
    assert "is voorgesteld" in supplier_page and "Voorgesteld" in supplier_page and NEW_IBAN in supplier_page
    change_id = world.client.get(f"/v1/suppliers/{world.supplier_id}/bank-account-changes",
                                 headers=world.erp).json()["data"][0]["id"]
    # anna (a reviewer without the verification right) cannot verify
    r = client.post(f"/ui/bank-account-changes/{change_id}/verify",
                    data={"csrf_token": csrf_of(supplier_page), "supplier_id": world.supplier_id, "method": "callback"},
                    follow_redirects=False)
    assert "error=right" in r.headers["location"]
    assert world.get(inv["id"])["status"] == "needs_review"

    with TestClient(app) as other:
        login(other, "bert")
        page = other.get(f"/ui/suppliers/{world.supplier_id}").text
        r = other.post(f"/ui/bank-account-changes/{change_id}/verify",
                       data={"csrf_token": csrf_of(page), "supplier_id": world.supplier_id, "method": "callback",
                             "note": "teruggebeld op het bekende nummer"}, follow_redirects=False)
        assert "msg=verified" in r.headers["location"], r.headers["location"]
        shown = other.get(r.headers["location"]).text
        assert "Teruggebeld op een bekend nummer" in shown and "user:bert" in shown and "Geverifieerd" in shown
    assert world.get(inv["id"])["status"] == "approved"
