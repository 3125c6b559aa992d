"""Every posted workspace form passes one check (service/ui/session.check_form): a form without its
CSRF token goes back to the page it was on with error=csrf, or gets the 403 page where there is no
page to go back to; nothing it asked for happens."""

from __future__ import annotations

import uuid

from service.models.invoices import Invoice
from tests.workspace.factories import make_invoice
from tests.workspace.test_pages import login, user  # noqa: F401  (fixture)


def test_a_form_without_its_token_goes_back_or_is_refused(bare_client, user, session):  # noqa: F811
    inv = make_invoice(session)
    login(bare_client)
    supplier, change, view = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    back = {
        f"/ui/invoices/{inv.id}/hold": f"/ui/invoices/{inv.id}?error=csrf",
        f"/ui/invoices/{inv.id}/lines/1/pair": f"/ui/invoices/{inv.id}?error=csrf",
        f"/ui/invoices/{inv.id}/handover/assign": f"/ui/invoices/{inv.id}?error=csrf",
        f"/ui/invoices/{inv.id}/delivery/confirm": f"/ui/invoices/{inv.id}/delivery/answer?error=csrf",
        "/ui/bank-account-changes": f"/ui/invoices/{inv.id}?error=csrf",
        f"/ui/bank-account-changes/{change}/verify": f"/ui/suppliers/{supplier}?error=csrf",
        "/ui/search/views": "/ui/search?error=csrf",
        f"/ui/search/views/{view}/delete": "/ui/search?error=csrf",
    }
    form = {"csrf_token": "forged", "invoice_id": str(inv.id), "supplier_id": str(supplier), "comment": "x",
            "assignee": "anna", "iban": "NL91ABNA0417164300", "view_name": "x", "order_line": "10"}
    for url, expected in back.items():
        r = bare_client.post(url, data=form, follow_redirects=False)
        assert (r.status_code, r.headers.get("location")) == (303, expected), url
    for url in ("/ui/notifications/read", "/ui/bulk"):
        r = bare_client.post(url, data={**form, "action": "hold", "invoice": str(inv.id), "reason": "x"},
                             follow_redirects=False)
        assert r.status_code == 403, url
    session.expire_all()
    assert session.get(Invoice, inv.id).status.value == "needs_review"
