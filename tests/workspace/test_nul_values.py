"""A NUL character (U+0000) in any workspace query or form value: a readable 422 page on both databases.

PostgreSQL text cannot hold U+0000 and answers a comparison with one by an error (a 500 page);
SQLite stores and compares it. The workspace refuses it before any page runs, as the API does.
"""

from __future__ import annotations

import re

from service.main import create_app  # noqa: F401  (the app fixture builds it)
from tests.routes import app_routes
from tests.workspace.factories import make_invoice
from tests.workspace.test_pages import csrf_of, login, user  # noqa: F401  (fixture)

# every query value a workspace page reads (filters, find, saved views, periods, messages, sign-in)
NAMES = ("q", "status", "supplier", "reason", "age", "order", "sort", "dir", "page", "cursor", "view",
         "from", "to", "msg", "ref", "error", "next", "code", "state")


def _pages(app, invoice_id) -> list[str]:
    paths = [path for method, path in app_routes(app)
             if method == "GET" and path.startswith("/ui") and not path.startswith("/ui/static")]
    values = {"invoice_id": str(invoice_id), "supplier_id": "7b0c2a43-90a5-4d6c-9d8e-0f3b2a1c4d5e", "position": "0"}
    return [re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], path) for path in paths]


def test_every_page_refuses_nul_in_a_query_value(bare_app, bare_client, user, session):  # noqa: F811
    invoice = make_invoice(session, number="F-NUL-1")
    login(bare_client)
    pages = _pages(bare_app, invoice.id)
    assert "/ui/search" in pages and "/ui/queue" in pages and len(pages) >= 15
    for path in pages:
        for name in NAMES:
            r = bare_client.get(path, params={name: "ab\x00cd"}, follow_redirects=False)
            assert r.status_code == 422, (path, name, r.status_code)
            assert "NUL" in r.text and "text/html" in r.headers["content-type"], (path, name)
    # the same values without the NUL still answer (the guard refuses only the NUL)
    assert bare_client.get("/ui/search", params={"q": "abcd"}).status_code == 200
    assert bare_client.get("/ui/queue", params={"supplier": "abcd"}).status_code == 200


def test_nul_in_a_parameter_name_is_refused_too(bare_client, user):  # noqa: F811
    login(bare_client)
    r = bare_client.get("/ui/search?q%00x=1", follow_redirects=False)
    assert r.status_code == 422 and "NUL" in r.text


def test_the_page_says_why_in_dutch(bare_client, user, session):  # noqa: F811
    login(bare_client)
    r = bare_client.get("/ui/search", params={"q": "\x00"})
    assert r.status_code == 422 and "ongeldig teken" in r.text


def _forms(app, invoice_id) -> list[str]:
    values = {"invoice_id": str(invoice_id), "action": "comment", "decision": "approve", "line_id": "1",
              "username": "anna"}
    return [re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "7b0c2a43-90a5-4d6c-9d8e-0f3b2a1c4d5e"), path)
            for method, path in app_routes(app) if method == "POST" and path.startswith("/ui")]


def test_every_form_refuses_nul_in_a_field(bare_app, bare_client, user, session):  # noqa: F811
    invoice = make_invoice(session, number="F-NUL-2")
    login(bare_client)
    csrf = csrf_of(bare_client.get(f"/ui/invoices/{invoice.id}").text)
    forms = _forms(bare_app, invoice.id)
    assert f"/ui/invoices/{invoice.id}/comment" in forms and "/ui/login" in forms and len(forms) >= 12
    for path in forms:
        r = bare_client.post(path, data={"csrf_token": csrf, "comment": "a\x00b", "reason": "a\x00b",
                                         "username": "an\x00na", "name": "a\x00b"}, follow_redirects=False)
        assert r.status_code == 422 and "ongeldig teken" in r.text, (path, r.status_code)
    # the comment without the NUL is stored (PostgreSQL refused the NUL with an error: a 500 page)
    ok = bare_client.post(f"/ui/invoices/{invoice.id}/comment", data={"csrf_token": csrf, "comment": "a b"},
                          follow_redirects=False)
    assert ok.status_code == 303 and "msg=commented" in ok.headers["location"]
