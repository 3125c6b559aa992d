"""The workspace with two organisations, in Chromium: a person of both switches between them and
sees only the one they work on; a person of one gets "not found" for the other's invoice."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from tests.ui.conftest import PASSWORD, app_server
from tests.ui.test_workspace_browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def two_organisations(server_db):
    from service.db import make_engine
    from service.models.workspace import Language, StaffRole
    from service.organisations.payloads import OrganisationIn
    from service.organisations.staff import join_organisations
    from service.organisations.store import create_organisation
    from service.ui.accounts import create_user
    from tests.workspace.factories import make_invoice

    engine = make_engine(server_db)
    with Session(engine) as s:
        noord = create_organisation(s, OrganisationIn(name="Gemeente Noord", identifiers=[
            {"scheme": "0190", "value": "00000001001234560000"}]))
        zuid = create_organisation(s, OrganisationIn(name="Gemeente Zuid", identifiers=[
            {"scheme": "0190", "value": "00000001001234572000"}]))
        sara = create_user(s, username="sara", password=PASSWORD, role=StaffRole.reviewer, display_name="Sara",
                           language=Language.nl)
        piet = create_user(s, username="piet", password=PASSWORD, role=StaffRole.reviewer, display_name="Piet",
                           language=Language.nl)
        join_organisations(s, sara.id, [str(noord.id), str(zuid.id)])
        join_organisations(s, piet.id, [str(noord.id)])
        ids = {}
        for org, number in ((noord, "NOORD-0001"), (zuid, "ZUID-0001")):
            invoice = make_invoice(s, number=number, seller="Kantoor B.V.", commit=False)
            invoice.organisation_id = org.id
            s.add(invoice)
            ids[number] = invoice.id
        ids["zuid"] = zuid.id
        s.commit()
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def org_server(server_db, two_organisations, tmp_path_factory):
    with app_server(server_db, tmp_path_factory, {}) as base:
        yield base


def _sign_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/ui/queue")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"/ui/queue"))


def test_a_person_of_two_organisations_switches_between_them(page, org_server, two_organisations,
                                                             axe_source) -> None:
    _sign_in(page, org_server, "sara")
    queue = page.locator("main")
    assert "NOORD-0001" in queue.inner_text() and "ZUID-0001" not in queue.inner_text()
    assert_accessible(page, axe_source, "queue with the organisation switch")
    page.get_by_label("Organisatie").select_option(label="Gemeente Zuid")
    page.get_by_role("button", name="Wisselen").click()
    page.wait_for_url(re.compile(r"/ui/queue"))
    assert "ZUID-0001" in page.locator("main").inner_text()
    assert "NOORD-0001" not in page.locator("main").inner_text()
    # Noord's invoice does not exist while working on Zuid
    response = page.goto(f"{org_server}/ui/invoices/{two_organisations['NOORD-0001']}")
    assert response.status == 404


def test_a_person_of_one_organisation_never_sees_the_others(page, org_server, two_organisations) -> None:
    _sign_in(page, org_server, "piet")
    assert page.locator("#switch-organisation").count() == 0
    assert "ZUID-0001" not in page.locator("main").inner_text()
    response = page.goto(f"{org_server}/ui/invoices/{two_organisations['ZUID-0001']}")
    assert response.status == 404
    # a forged organisation cookie cannot choose an organisation the person does not work for
    page.context.add_cookies([{"name": "einvoice_organisation", "value": str(two_organisations["zuid"]),
                               "url": f"{org_server}/ui/"}])
    page.goto(f"{org_server}/ui/queue")
    assert "NOORD-0001" in page.locator("main").inner_text()
