"""No accidental approvals, in headless Chromium: keys open a confirmation that names the amount,
the supplier and the open reasons (risky ones marked); only its own button approves; the queue never
approves an unopened invoice; a second person finds the invoice in "awaiting my second approval".
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from tests.ui.conftest import PASSWORD
from tests.ui.test_workspace_browser import api_status, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def seeded(server_db):
    """Two reviewers, a risky invoice (unknown IBAN) due first and an ordinary one."""
    from service.approvals import bank_accounts
    from service.db import make_engine
    from service.models.approvals import BankAccountAction
    from service.models.masterdata import Supplier
    from service.keys import create_key
    from service.models.keys import Role
    from service.models.workspace import Language
    from service.ui.accounts import create_user
    from tests.approvals.test_four_eyes_api import bank_unverified
    from tests.workspace.factories import make_invoice, price_variance

    engine = make_engine(server_db)
    today = date.today()
    with Session(engine) as s:
        create_user(s, username="anna", password=PASSWORD, display_name="Anna de Vries", language=Language.nl)
        create_user(s, username="bert", password=PASSWORD, display_name="Bert Smit", language=Language.nl)
        _, api_key = create_key(s, role=Role.reviewer, name="ui-test")
        ids = {
            "risky": make_invoice(s, number="RISK-1", seller="Hoveniersbedrijf Groen", due=today,
                                  amount=Decimal("4321.00"), reasons=[bank_unverified(), price_variance()],
                                  commit=False).id,
            "plain": make_invoice(s, number="PLAIN-1", seller="Drukkerij Oost", due=today + timedelta(days=5),
                                  commit=False).id,
            "nojs": make_invoice(s, number="NOJS-1", seller="Schilder Zonder Script", due=today + timedelta(days=9),
                                 amount=Decimal("987.65"), reasons=[bank_unverified()], commit=False).id,
        }
        supplier = Supplier(name="Hoveniersbedrijf Groen")
        s.add(supplier)
        s.flush()
        bank_accounts.propose(s, supplier.id, iban="NL20INGB0001234567", action=BankAccountAction.add,
                              note="nieuwe bank volgens factuur RISK-1", actor="user:anna")
        ids["supplier"] = supplier.id
        s.commit()
    engine.dispose()
    return {"ids": ids, "api_key": api_key}


def sign_in_as(page, server: str, username: str) -> None:
    page.goto(f"{server}/ui/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"/ui/queue"))


def test_keys_never_approve_without_the_confirmation(page, browser, server, seeded, axe_source):
    ids, key = seeded["ids"], seeded["api_key"]
    sign_in_as(page, server, "anna")

    # a in the queue opens the top invoice; it approves nothing
    page.locator("body").press("a")
    page.wait_for_url(re.compile(rf"/ui/invoices/{ids['risky']}"))
    dialog = page.locator("dialog#approve-confirm")
    assert not dialog.is_visible()
    assert api_status(server, key, ids["risky"]) == "needs_review"

    # a on the invoice page opens the confirmation: amount, supplier, open reasons, the risk marked
    page.locator("body").press("a")
    assert dialog.is_visible()
    assert page.locator("#confirm-supplier").inner_text() == "Hoveniersbedrijf Groen"
    assert page.locator("#confirm-amount").inner_text() == "€\xa04.321,00"
    risky = page.locator("#confirm-reasons li.risky")
    assert risky.count() == 1 and risky.inner_text().startswith("Risico:")
    assert page.locator("#confirm-reasons li").count() == 2
    assert "tweede, andere persoon" in page.locator("#confirm-four-eyes").inner_text()
    assert_accessible(page, axe_source, "approval confirmation")

    # more keys (a again, Enter on the focused Cancel) do not approve
    page.keyboard.press("a")
    page.keyboard.press("Enter")
    assert not dialog.is_visible()
    assert api_status(server, key, ids["risky"]) == "needs_review"

    # the deliberate second action: the confirmation's own button
    page.locator("body").press("a")
    page.get_by_role("button", name="Ja, goedkeuren").click()
    page.wait_for_url(re.compile(r"msg=awaiting_approval"))
    assert "wacht nu op de goedkeuring van een tweede persoon" in page.get_by_role("status").inner_text()
    assert api_status(server, key, ids["risky"]) == "awaiting_approval"

    # anna's "awaiting my second approval" queue does not offer her own first approval
    page.goto(f"{server}/ui/queue?status=awaiting_second")
    assert page.locator("tr.queue-row").count() == 0

    # bert finds it there and completes it through the confirmation
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    bert = other.new_page()
    bert.set_default_timeout(15000)
    try:
        sign_in_as(bert, server, "bert")
        bert.get_by_label("Status").select_option("awaiting_second")
        bert.get_by_role("button", name="Toepassen").click()
        bert.wait_for_url(re.compile(r"status=awaiting_second"))
        rows = bert.locator("tr.queue-row")
        assert rows.count() == 1 and "RISK-1" in rows.nth(0).inner_text()
        assert_accessible(bert, axe_source, "awaiting my second approval")
        bert.locator("body").press("a")
        bert.wait_for_url(re.compile(rf"/ui/invoices/{ids['risky']}"))
        bert.locator("body").press("a")
        assert "de eerste gaf user:anna" in bert.locator("#confirm-four-eyes").inner_text()
        bert.get_by_role("button", name="Ja, goedkeuren").click()
        bert.wait_for_url(re.compile(r"msg=approved"))
        assert api_status(server, key, ids["risky"]) == "approved"

        # the auditor's report shows it with both approvers; the supplier page shows the proposal
        bert.goto(f"{server}/ui/approvals/report")
        row = bert.locator("#report-table tbody tr").filter(has_text="RISK-1")
        assert "user:bert" in row.inner_text() and "user:anna" in row.inner_text()
        assert_accessible(bert, axe_source, "approvals report")
        bert.goto(f"{server}/ui/suppliers/{ids['supplier']}")
        assert "NL20INGB0001234567" in bert.locator("#bank-history").inner_text()
        assert_accessible(bert, axe_source, "supplier page")
    finally:
        other.close()


def test_without_javascript_the_approve_button_leads_to_a_confirmation_page(browser, server, seeded, axe_source):
    ids, key = seeded["ids"], seeded["api_key"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in_as(page, server, "anna")
        page.goto(f"{server}/ui/invoices/{ids['nojs']}")
        assert not page.locator("dialog#approve-confirm").is_visible()
        page.locator("#approve").click()  # no script opens the dialog: the form goes to the server
        page.wait_for_url(re.compile(rf"/ui/invoices/{ids['nojs']}/approve$"))
        confirmation = page.locator("#approve-confirm-page")
        assert confirmation.is_visible()
        assert page.locator("#confirm-number").inner_text() == "NOJS-1"
        assert page.locator("#confirm-supplier").inner_text() == "Schilder Zonder Script"
        assert page.locator("#confirm-amount").inner_text() == "€\xa0987,65"
        assert "Risico" in page.locator("#confirm-reasons li.risky").inner_text()
        assert "tweede, andere persoon" in page.locator("#confirm-four-eyes").inner_text()
        assert api_status(server, key, ids["nojs"]) == "needs_review"  # reaching the page decided nothing
        # cancelling goes back to the invoice, still undecided
        page.get_by_role("link", name="Annuleren").click()
        page.wait_for_url(re.compile(rf"/ui/invoices/{ids['nojs']}\?"))
        assert api_status(server, key, ids["nojs"]) == "needs_review"
        # the deliberate second action: the page's own button
        page.locator("#approve").click()
        page.get_by_role("button", name="Ja, goedkeuren").click()
        page.wait_for_url(re.compile(r"msg=awaiting_approval"))
        assert api_status(server, key, ids["nojs"]) == "awaiting_approval"
    finally:
        context.close()
    # the page is accessible (axe needs script: a scripted page reaches it by submitting the form itself)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in_as(page, server, "bert")
        page.goto(f"{server}/ui/invoices/{ids['nojs']}")
        with page.expect_navigation():
            page.evaluate("document.getElementById('approve-form').submit()")
        assert page.locator("#approve-confirm-page").is_visible()
        assert "de eerste gaf user:anna" in page.locator("#confirm-four-eyes").inner_text()
        assert_accessible(page, axe_source, "approval confirmation page")
    finally:
        context.close()
