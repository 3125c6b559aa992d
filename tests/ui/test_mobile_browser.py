"""The workspace on a phone (390 px wide) and after an expired session, in headless Chromium (#17).

At 390 px no page scrolls sideways (wide tables scroll inside their own box) and the key actions of
the invoice page can be reached and pressed; every page passes axe-core's WCAG 2.1 A/AA rules.
A comment typed while the session expired is not lost: sending it leads to the sign-in page, and
signing in again returns to the invoice with the text back in its field.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import screenshot
from tests.ui.test_workspace_browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

WIDTH = 390


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, locale="nl-NL", is_mobile=True,
                                  has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def _no_sideways_scrolling(page, name: str) -> None:
    wide = page.evaluate("""() => {
        const doc = document.documentElement;
        const over = [...document.querySelectorAll('body *')].filter(el => {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= window.innerWidth + 1) return false;
            for (let p = el.parentElement; p; p = p.parentElement) {  // inside a box that scrolls itself
                const o = getComputedStyle(p).overflowX;
                if ((o === 'auto' || o === 'scroll') && p.getBoundingClientRect().right <= window.innerWidth + 1) return false;
            }
            return true;
        }).slice(0, 5).map(el => el.tagName + '.' + el.className + '#' + el.id);
        return {scroll: doc.scrollWidth, inner: window.innerWidth, over};
    }""")
    assert wide["scroll"] <= WIDTH and not wide["over"], f"{name} scrolls sideways at {WIDTH} px: {wide}"


def _reachable(page, selector: str) -> None:
    el = page.locator(selector)
    el.scroll_into_view_if_needed()
    assert el.is_visible() and el.is_enabled(), selector
    box = el.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 1, (selector, box)


def test_the_workspace_at_390_px(phone, server, seeded, axe_source):
    page = phone
    sign_in(page, server)
    late = seeded["ids"]["late"]
    for name, path in [("queue", "/ui/queue"), ("find", "/ui/search?q=Bouwbedrijf"),
                       ("invoice", f"/ui/invoices/{late}"), ("dashboard", "/ui/dashboard")]:
        page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
        _no_sideways_scrolling(page, name)
        assert_accessible(page, axe_source, f"{name} at {WIDTH} px")
        screenshot(page, f"phone-{name}")
    page.goto(f"{server}/ui/invoices/{late}")
    for selector in ("#approve", "#reject", "#hold", "#add-comment", "#rematch", "#back-to-queue"):
        _reachable(page, selector)
    page.locator("#approve").click()  # the confirmation fits the screen too
    _reachable(page, "#approve-confirm-button")
    page.locator("#approve-cancel").click()
    page.goto(f"{server}/ui/queue")
    _reachable(page, "a.row-link >> nth=0")


def test_an_expired_session_keeps_the_typed_comment(phone, server, seeded):
    page = phone
    sign_in(page, server)
    invoice = f"{server}/ui/invoices/{seeded['ids']['third']}"
    page.goto(invoice)
    text = "Levering van 3 stuks nagevraagd bij de leverancier; wachten op pakbon."
    page.locator("#comment-text").fill(text)
    page.context.clear_cookies()  # the session expires while the clerk types
    page.locator("#add-comment").click()
    page.wait_for_url(re.compile(r"/ui/login"))
    page.get_by_label("Gebruikersnaam").fill("anna")
    from tests.ui.conftest import PASSWORD

    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(re.escape(invoice)))
    assert page.locator("#comment-text").input_value() == text
    page.locator("#add-comment").click()  # now it is sent, and then forgotten
    page.wait_for_url(re.compile(r"msg=commented"))
    assert text in page.locator("#trail").inner_text()
    page.reload()
    assert page.locator("#comment-text").input_value() == ""
