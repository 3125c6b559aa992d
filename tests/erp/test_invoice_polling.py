"""The simple integration from the ERP's side: GET /v1/invoices?status=approved&updated_after=... with ETag/304
(the endpoint belongs to intake; this checks what an ERP relies on)."""

from __future__ import annotations

from datetime import timedelta

from service.db import unit_of_work
from service.booking import book
from service.models.base import utcnow
from tests.erp.helpers import S, committed_invoice


def test_erp_lists_approved_invoices_changed_since_a_moment_with_etag(bare_client, engine, make_key):
    key = make_key("erp")
    old = committed_invoice(engine)
    since = utcnow()
    waiting = committed_invoice(engine, path=(S.needs_review,))
    new = [committed_invoice(engine) for _ in range(2)]
    params = {"status": "approved", "updated_after": since.isoformat()}

    r = bare_client.get("/v1/invoices", params=params, headers=key)
    assert r.status_code == 200, r.text
    ids = [x["id"] for x in r.json()["data"]]
    assert ids == [str(i) for i in new] and str(old) not in ids and str(waiting) not in ids
    assert all(x["status"] == "approved" for x in r.json()["data"])
    etag = r.headers["etag"]

    again = bare_client.get("/v1/invoices", params=params, headers=key | {"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""

    with unit_of_work(engine) as s:  # booking changes the invoice: it leaves the approved list
        book(s, new[0], erp_document_number="E-1", actor="erp")
    changed = bare_client.get("/v1/invoices", params=params, headers=key | {"If-None-Match": etag})
    assert changed.status_code == 200 and [x["id"] for x in changed.json()["data"]] == [str(new[1])]

    booked = bare_client.get("/v1/invoices", params={"status": "booked", "updated_after": since.isoformat()},
                             headers=key).json()["data"]
    assert [x["id"] for x in booked] == [str(new[0])]
    later = (utcnow() + timedelta(seconds=1)).isoformat()
    assert bare_client.get("/v1/invoices", params={"updated_after": later}, headers=key).json()["data"] == []


def test_single_invoice_read_has_etag_and_304_and_the_erp_state(bare_client, engine, make_key):
    key = make_key("erp")
    inv = committed_invoice(engine)
    r = bare_client.get(f"/v1/invoices/{inv}", headers=key)
    assert r.status_code == 200 and r.headers["etag"]
    assert bare_client.get(f"/v1/invoices/{inv}", headers=key | {"If-None-Match": r.headers["etag"]}).status_code == 304
    bare_client.post(f"/v1/invoices/{inv}/booked", json={"erp_document_number": "E-9"}, headers=key)
    after = bare_client.get(f"/v1/invoices/{inv}", headers=key | {"If-None-Match": r.headers["etag"]})
    assert after.status_code == 200 and after.json()["status"] == "booked"
    assert after.json()["erp"]["erp_document_number"] == "E-9"
