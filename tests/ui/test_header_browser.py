"""The top menu at 1280 px: brand, menu and "Aangemeld als ..." with its buttons on one row, in
Dutch and in English (#17: the Dutch header wrapped onto a second row), for an admin too (one menu
item more, "Gebruikers"); axe-core clean."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from tests.ui.conftest import PASSWORD
from tests.ui.test_workspace_browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

MEASURE = """() => {
    const box = el => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: r.height, width: r.width}; };
    const header = document.querySelector('header.site-header');
    const parts = [...header.children].filter(el => el.getBoundingClientRect().height > 0).map(box);
    const who = document.querySelector('.who');
    return {header: box(header).height, parts, who: box(who).height,
            line: parseFloat(getComputedStyle(who).lineHeight) || 1.5 * parseFloat(getComputedStyle(who).fontSize)};
}"""


def _one_row(page, name: str) -> float:
    m = page.evaluate(MEASURE)
    assert len(m["parts"]) == 3, m  # brand, menu, user tools
    # one row: every part of the header shares its vertical band with every other part
    top, bottom = max(p["top"] for p in m["parts"]), min(p["bottom"] for p in m["parts"])
    assert top < bottom, f"{name}: the header wraps onto a second row: {m}"
    assert m["who"] <= 1.5 * m["line"], f"{name}: 'signed in as' wraps within itself: {m}"
    return m["header"]


def _desktop_page(browser, width: int):
    """A Dutch desktop browser context ``width`` px wide, and its page."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _switch_language(page) -> None:
    """The header's language button (Dutch <-> English), and the page it reloads."""
    page.locator("#switch-language").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_header_fits_one_row_at_1280_px(browser, server, seeded, axe_source, language):
    context, page = _desktop_page(browser, 1920)
    try:
        sign_in(page, server)
        if language == "en":
            _switch_language(page)
            assert page.locator("html").get_attribute("lang") == "en"
        wide = _one_row(page, f"{language} at 1920 px")
        page.set_viewport_size({"width": 1280, "height": 900})
        for path in ("/ui/queue", "/ui/search", "/ui/dashboard"):
            page.goto(f"{server}{path}")
            page.wait_for_load_state("load")
            height = _one_row(page, f"{language} {path} at 1280 px")
            assert height <= wide + 1, f"{language} {path}: header {height} px high at 1280 px, {wide} px at 1920 px"
        assert_accessible(page, axe_source, f"header in {language} at 1280 px")
    finally:
        if language == "en":  # the seeded user's language is shared by the module's other tests
            _switch_language(page)
        context.close()


def test_an_admins_header_fits_one_row_at_1280_px_in_dutch(browser, server, server_db, axe_source):
    from service.db import make_engine
    from service.models.workspace import Language, StaffRole
    from service.ui.accounts import create_user

    engine = make_engine(server_db)
    with Session(engine) as s:  # an admin with a name of ordinary length
        create_user(s, username="willemijn", password=PASSWORD, role=StaffRole.admin,
                    display_name="Willemijn van den Heuvel", language=Language.nl)
        s.commit()
    engine.dispose()
    context, page = _desktop_page(browser, 1280)
    try:
        page.goto(f"{server}/ui/login")
        page.get_by_label("Gebruikersnaam").fill("willemijn")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Aanmelden").click()
        page.wait_for_url(re.compile(r"/ui/queue"))
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.get_by_role("link", name="Gebruikers").count() == 1  # the admin's menu
        for path in ("/ui/queue", "/ui/search", "/ui/dashboard", "/ui/admin/users"):
            page.goto(f"{server}{path}")
            page.wait_for_load_state("load")
            _one_row(page, f"admin {path} at 1280 px")
        name = page.locator(".who strong")  # all of the name, however much of it is shown
        assert name.get_attribute("title") == name.inner_text() == "Willemijn van den Heuvel"
        assert_accessible(page, axe_source, "an admin's header in Dutch at 1280 px")
    finally:
        context.close()


# A busy admin: three unread notifications, and two organisations to switch between (one with a long
# name). Their own database and server: the module's other tests work for the instance's one organisation.
ORGANISATIONS = ("Gemeente Noord", "Omgevingsdienst Noordzeekanaalgebied")


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    from service.db import make_engine
    from service.migrations import upgrade
    from service.models.handovers import Notification
    from service.models.workspace import Language, StaffRole
    from service.organisations.payloads import OrganisationIn
    from service.organisations.staff import join_organisations
    from service.organisations.store import create_organisation
    from service.ui.accounts import create_user
    from tests.ui.conftest import app_server

    url = f"sqlite:///{tmp_path_factory.mktemp('busy-db') / 'busy.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s:
        orgs = [create_organisation(s, OrganisationIn(name=name)) for name in ORGANISATIONS]
        admin = create_user(s, username="willemijn", password=PASSWORD, role=StaffRole.admin,
                            display_name="Willemijn van den Heuvel", language=Language.nl)
        join_organisations(s, admin.id, [str(o.id) for o in orgs])
        for number in ("F-1", "F-2", "F-3"):
            s.add(Notification(user_id=admin.id, kind="assigned", params={"by": "Clara", "number": number}))
        s.commit()
    engine.dispose()
    with app_server(url, tmp_path_factory, {}) as base:
        yield base


def _sign_in_busy(page, server: str) -> None:
    page.goto(f"{server}/ui/login")
    page.get_by_label("Gebruikersnaam").fill("willemijn")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"/ui/queue"))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_unread_count_and_organisation_switch_fit_one_row_at_1280_px(browser, busy_server, axe_source, language):
    context, page = _desktop_page(browser, 1280)
    try:
        _sign_in_busy(page, busy_server)
        if language == "en":
            _switch_language(page)
        assert page.locator("html").get_attribute("lang") == language
        assert page.get_by_label({"nl": "Organisatie", "en": "Organisation"}[language]).is_visible()
        for path in ("/ui/queue", "/ui/search", "/ui/dashboard", "/ui/admin/users", "/ui/notifications"):
            page.goto(f"{busy_server}{path}")
            page.wait_for_load_state("load")
            _one_row(page, f"busy admin in {language} {path} at 1280 px")
        for width in (1440, 1920):  # wider screens change the header's set-up at 1440 and 1920 px
            page.set_viewport_size({"width": width, "height": 900})
            _one_row(page, f"busy admin in {language} at {width} px")
        page.set_viewport_size({"width": 1280, "height": 900})
        # the organisation takes the name's place; the name is read out
        assert "Willemijn van den Heuvel" in page.locator(".who").inner_text()
        # the count in a pill; "3 ongelezen meldingen" in full for screen readers, in the menu item's name
        badge = page.locator("#unread-count")
        assert badge.locator("[aria-hidden=true]").inner_text() == "3"
        full = {"nl": "3 ongelezen meldingen", "en": "3 unread notifications"}[language]
        assert badge.locator(".visually-hidden").inner_text() == full
        item = {"nl": "Meldingen", "en": "Notifications"}[language]
        assert page.get_by_role("link", name=f"{item} {full}").count() == 1
        assert_accessible(page, axe_source, f"unread count and organisation switch in {language} at 1280 px")
    finally:
        if language == "en":
            _switch_language(page)
        context.close()


def test_unread_count_and_organisation_switch_at_390_px(browser, busy_server, axe_source):
    from tests.ui.test_mobile_browser import WIDTH, _no_sideways_scrolling, _reachable

    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, locale="nl-NL", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        _sign_in_busy(page, busy_server)
        for path in ("/ui/queue", "/ui/search", "/ui/dashboard", "/ui/admin/users", "/ui/notifications"):
            page.goto(f"{busy_server}{path}")
            page.wait_for_load_state("load")
            _no_sideways_scrolling(page, f"busy admin {path}")
        for selector in ("#unread-count", "#organisation", "#switch-organisation button", "#switch-language", "#logout"):
            _reachable(page, selector)
        assert_accessible(page, axe_source, f"unread count and organisation switch at {WIDTH} px")
        # the switch works at this width: the long-named organisation is chosen and stays chosen
        page.locator("#organisation").select_option(label=ORGANISATIONS[1])
        page.locator("#switch-organisation button").click()
        page.wait_for_load_state("load")
        assert page.locator("#organisation option:checked").inner_text() == ORGANISATIONS[1]
        _no_sideways_scrolling(page, "busy admin after switching")
    finally:
        context.close()
