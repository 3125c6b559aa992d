"""Workspace pages through the ASGI app: sign-in, CSRF, queue, invoice page, actions, dashboard."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from service.models.invoices import AuditEvent, Invoice
from service.models.workspace import StaffUser
from service.ui import accounts
from tests.workspace.factories import make_invoice, not_received, price_variance

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(engine):
    with Session(engine) as s:
        u = accounts.create_user(s, username="anna", password=PASSWORD, display_name="Anna de Vries")
        s.commit()
        return u


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username="anna", password=PASSWORD):
    page = client.get("/ui/login")
    return client.post("/ui/login", data={"username": username, "password": password,
                                          "csrf_token": csrf_of(page.text), "next": "/ui/queue"},
                       follow_redirects=False)


def test_pages_need_a_session(bare_client):
    r = bare_client.get("/ui/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next=")
    assert bare_client.get("/", follow_redirects=False).headers["location"] == "/ui/queue"


def test_login_sets_a_safe_cookie_and_logout_ends_it(bare_client, user):
    r = login(bare_client)
    assert r.status_code == 303 and r.headers["location"] == "/ui/queue"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("einvoice_session=")).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    queue = bare_client.get("/ui/queue")
    assert queue.status_code == 200 and "Anna de Vries" in queue.text
    assert "Content-Security-Policy" in queue.headers
    stolen = bare_client.cookies.get("einvoice_session")
    r = bare_client.post("/ui/logout", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False)
    assert r.status_code == 303
    # the old cookie no longer works (session epoch bumped)
    bare_client.cookies.set("einvoice_session", stolen)
    assert bare_client.get("/ui/queue", follow_redirects=False).status_code == 303


def test_login_form_without_csrf_is_refused(bare_client, user):
    r = bare_client.post("/ui/login", data={"username": "anna", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and "error=csrf" in r.headers["location"]
    assert "einvoice_session" not in r.headers.get("set-cookie", "")


def test_wrong_passwords_lock_the_account(bare_client, user, engine):
    for _ in range(accounts.MAX_FAILED_LOGINS):
        r = login(bare_client, password="wrong password")
        assert "error=1" in r.headers["location"]
    r = login(bare_client)  # right password, but locked now
    assert "error=1" in r.headers["location"]
    with Session(engine) as s:
        assert accounts.is_locked(s.exec(select(StaffUser)).one())


def test_queue_lists_oldest_due_first_with_reason_counts_and_filters(bare_client, user, session):
    today = date.today()
    late = make_invoice(session, number="LATE-1", due=today - timedelta(days=3), reasons=[price_variance(), not_received()])
    soon = make_invoice(session, number="SOON-1", due=today + timedelta(days=2), seller="Groen BV", purchase_order="PO-9")
    make_invoice(session, number="HELD-1", status=make_invoice.__globals__["InvoiceStatus"].on_hold)
    login(bare_client)
    html = bare_client.get("/ui/queue").text
    assert html.index("LATE-1") < html.index("SOON-1")
    assert "HELD-1" not in html
    assert re.search(r"Prijsafwijking <span class=\"n\">2</span>", html)
    assert re.search(r"Niet ontvangen <span class=\"n\">1</span>", html)
    assert "3 dagen over tijd" in html
    assert "€\xa01.656,25" in html
    only = bare_client.get("/ui/queue", params={"reason": "NOT_RECEIVED"}).text
    assert "LATE-1" in only and "SOON-1" not in only
    assert "SOON-1" in bare_client.get("/ui/queue", params={"supplier": "groen"}).text
    assert "LATE-1" not in bare_client.get("/ui/queue", params={"order": "PO-9"}).text
    assert "HELD-1" in bare_client.get("/ui/queue", params={"status": "on_hold"}).text
    del late, soon


def test_queue_pages_with_a_cursor(bare_client, user, session):
    from service.ui import queue

    invoices = [make_invoice(session, number=f"P-{i}", due=date.today() + timedelta(days=i), commit=False)
                for i in range(7)]
    undated = sorted((make_invoice(session, number=f"U-{i}", commit=False) for i in range(3)), key=lambda i: i.id)
    for inv in undated:  # no BT-9 due date: they come last
        inv.due_date = None
    session.commit()
    flt = queue.QueueFilter()
    pages = [queue.page(session, flt, limit=3)]
    while pages[-1].next_cursor:
        pages.append(queue.page(session, flt, pages[-1].next_cursor, limit=3))
    numbers = [i.invoice_number for p in pages for i in p.rows]
    expected = [f"P-{i}" for i in range(7)] + [u.invoice_number for u in undated]
    assert numbers == expected and len(pages) == 4 and pages[0].total == 10
    # previous / next on the invoice page follow the same order, across the dated/undated border
    assert queue.neighbours(session, invoices[0], flt) == (None, invoices[1].id)
    assert queue.neighbours(session, invoices[6], flt) == (invoices[5].id, undated[0].id)
    assert queue.neighbours(session, undated[0], flt) == (invoices[6].id, undated[1].id)
    assert queue.neighbours(session, undated[2], flt) == (undated[1].id, None)


def test_invoice_page_shows_checks_lines_and_trail(bare_client, user, session):
    report = {"outcome": "valid", "layers": [{"kind": "schematron", "artefact": "peppol", "validity": "valid",
              "findings": [{"rule_id": "PEPPOL-EN16931-R002", "severity": "warning",
                            "message": "No more than one note is allowed on document level."}]}]}
    inv = make_invoice(session, number="INV-77", reasons=[price_variance("1"), not_received("2")],
                       validation_report=report, commit=False)
    inv.data = {**inv.data, "notes": ["Levering week 47"], "payment_terms": "30 dagen netto"}
    session.add(inv)
    session.commit()
    login(bare_client)
    html = bare_client.get(f"/ui/invoices/{inv.id}").text
    assert "PEPPOL-EN16931-R002" in html and "No more than one note" in html
    assert "Levering week 47" in html and "30 dagen netto" in html
    for expected in ("INV-77", "Prijsafwijking", "Verwacht", "400.00", "410.00", "Tolerantie", "2%",
                     "Inhuur ontwerper", "NL91ABNA0417164300", "Gemeente Voorbeeld", "Te beoordelen",
                     "Historie", "Origineel document"):
        assert expected in html, expected
    doc = bare_client.get(f"/ui/invoices/{inv.id}/document")
    assert doc.content == inv.document and "attachment" in doc.headers["content-disposition"]
    assert bare_client.get("/ui/invoices/not-a-uuid").status_code == 404


def test_actions_through_forms_are_audited_and_move_on(bare_client, user, session):
    a = make_invoice(session, number="A-1", due=date.today())
    b = make_invoice(session, number="B-1", due=date.today() + timedelta(days=1))
    login(bare_client)
    html = bare_client.get(f"/ui/invoices/{a.id}").text
    token = csrf_of(html)
    # CSRF is required
    r = bare_client.post(f"/ui/invoices/{a.id}/approve", data={"csrf_token": "nope"}, follow_redirects=False)
    assert "error=csrf" in r.headers["location"]
    # a reject without a reason stays on the page with an error
    r = bare_client.post(f"/ui/invoices/{a.id}/reject", data={"csrf_token": token, "reason": " "}, follow_redirects=False)
    assert "error=reason" in r.headers["location"]
    r = bare_client.post(f"/ui/invoices/{a.id}/approve", data={"csrf_token": token, "comment": "ok", "confirmed": "yes",
                                                              "version": str(a.version)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/ui/invoices/{b.id}?")
    assert "Factuur A-1 is goedgekeurd" in bare_client.get(r.headers["location"]).text
    # acting on a stale version is refused
    r = bare_client.post(f"/ui/invoices/{a.id}/hold", data={"csrf_token": token, "version": str(a.version)},
                         follow_redirects=False)
    assert "error=stale" in r.headers["location"]
    r = bare_client.post(f"/ui/invoices/{b.id}/reject", data={"csrf_token": token, "reason": "Te duur",
                                                             "reason_codes": ["PRICE_VARIANCE"]}, follow_redirects=False)
    assert r.headers["location"].startswith("/ui/queue?")
    r = bare_client.post(f"/ui/invoices/{b.id}/comment", data={"csrf_token": token, "comment": "gebeld"},
                         follow_redirects=False)
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Invoice, a.id).status.value == "approved"
    ev = session.exec(select(AuditEvent).where(AuditEvent.invoice_id == b.id).order_by(AuditEvent.at.desc())).first()
    assert ev.to_status.value == "rejected" and ev.actor == "user:anna" and ev.reason_codes == ["PRICE_VARIANCE"]
    assert "gebeld" in bare_client.get(f"/ui/invoices/{b.id}").text


def test_language_switch_is_per_user(bare_client, user):
    login(bare_client)
    html = bare_client.get("/ui/queue").text
    assert '<html lang="nl">' in html
    bare_client.post("/ui/language", data={"csrf_token": csrf_of(html), "language": "en", "next": "/ui/queue"})
    html = bare_client.get("/ui/queue").text
    assert '<html lang="en">' in html and "Invoices under review" in html


def test_dashboard_renders_svg_charts(bare_client, user, session):
    from service.models.invoices import InvoiceStatus
    from service.ui import dashboard

    dashboard._cache.clear()  # figures are cached per database for a minute
    make_invoice(session, number="D-1")
    make_invoice(session, number="D-2", reasons=[], status=InvoiceStatus.approved)
    make_invoice(session, number="D-3", reasons=[{"code": "RULE_VIOLATION", "rule_id": "BR-CO-15"}],
                 status=InvoiceStatus.rejected)
    login(bare_client)
    html = bare_client.get("/ui/dashboard").text
    assert html.count("<svg") >= 5
    assert "BR-CO-15" in html and "Prijsafwijking" in html and "50,0%" in html


def test_attachments_download_and_checks_spanning_lines(bare_client, user, session):
    import hashlib

    from service.models.invoices import InvoiceAttachment

    inv = make_invoice(session, number="ATT-1", reasons=[
        {"code": "QUANTITY_EXCEEDS_ORDERED", "line_id": "1,2", "order_line_id": "1", "expected": "10",
         "actual": "12", "tolerance": "0", "message_nl": "Samen meer dan besteld", "message_en": "Together more than ordered"}])
    pdf = b"%PDF-1.4 test"
    session.add(InvoiceAttachment(invoice_id=inv.id, position=1, document_reference="Timesheet", description="Uren",
                                  filename="uren.pdf", mime_code="application/pdf", mime_allowed=True,
                                  content_matches=True, size_bytes=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(),
                                  content=pdf))
    session.commit()
    login(bare_client)
    html = bare_client.get(f"/ui/invoices/{inv.id}").text
    assert html.count('class="flag"') == 2  # both invoice lines are marked
    assert "Samen meer dan besteld" in html and "uren.pdf" in html
    r = bare_client.get(f"/ui/invoices/{inv.id}/attachments/1")
    assert r.content == pdf and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-security-policy"].startswith("sandbox") or "sandbox" in r.headers["content-security-policy"]
    assert bare_client.get(f"/ui/invoices/{inv.id}/attachments/2").status_code == 404
    # signed in already: the login page sends you on
    assert bare_client.get("/ui/login", follow_redirects=False).headers["location"] == "/ui/queue"


def test_cross_site_posts_and_foreign_redirects_are_refused(bare_client, user, session):
    inv = make_invoice(session)
    page = bare_client.get("/ui/login")
    r = bare_client.post("/ui/login", data={"username": "anna", "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                            "next": "https://evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/ui/queue"  # never an open redirect
    token = csrf_of(bare_client.get("/ui/queue").text)
    r = bare_client.post(f"/ui/invoices/{inv.id}/approve", data={"csrf_token": token},
                         headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert "error=csrf" in r.headers["location"]
    session.expire_all()
    assert session.get(Invoice, inv.id).status.value == "needs_review"
    r = bare_client.post("/ui/language", data={"csrf_token": token, "language": "en", "next": "//evil.example"},
                         follow_redirects=False)
    assert r.headers["location"] == "/ui/queue"


def test_invoice_page_without_en16931_data(bare_client, user, session):
    """A document that could not be parsed (no ``data``) still shows what is known."""
    inv = make_invoice(session, number="RAW-1", reasons=[{"code": "NOT_WELL_FORMED"}], commit=False)
    inv.data = None
    session.add(inv)
    session.commit()
    login(bare_client)
    r = bare_client.get(f"/ui/invoices/{inv.id}")
    assert r.status_code == 200
    assert "RAW-1" in r.text and "Geen geldige XML" in r.text and "Bouwbedrijf De Vries B.V." in r.text
