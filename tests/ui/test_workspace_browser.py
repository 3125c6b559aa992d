"""The review workspace in headless Chromium: sign in, work the queue, switch language, dashboard.

Each page is checked with axe-core (WCAG 2.1 A/AA rules) inside the page; screenshots go to
test-output/screenshots/.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.ui.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page, axe_source: str, name: str) -> None:
    page.evaluate(axe_source)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} -> " + "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                                                                     else str(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert not problems, f"accessibility violations on {name}:\n" + "\n".join(problems)
    assert result["passes"], "axe-core ran no checks"


def api_status(server: str, key: str, invoice_id) -> str:
    r = httpx.get(f"{server}/v1/invoices/{invoice_id}", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["status"]


def _texts_by_local_name(xml: bytes) -> dict[str, list[str]]:
    from lxml import etree

    out: dict[str, list[str]] = {}
    for el in etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True)).iter():
        if isinstance(el.tag, str):
            out.setdefault(etree.QName(el).localname, []).append((el.text or "").strip())
    return out


def all_events(server: str, key: str) -> list[dict]:
    events, after = [], None
    while True:
        params = {"limit": 1000, **({"after": after} if after else {})}
        r = httpx.get(f"{server}/v1/events", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert r.status_code == 200, r.text
        page = r.json()
        events += page["data"]
        if not page["data"]:
            return events
        after = page["next_cursor"]


def sign_in(page, server: str) -> None:
    page.goto(f"{server}/ui/queue")
    assert "/ui/login" in page.url
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"/ui/queue"))


def test_login_page_is_accessible_and_refuses_a_wrong_password(page, server, axe_source):
    page.goto(f"{server}/ui/login")
    assert_accessible(page, axe_source, "login")
    page.get_by_label("Gebruikersnaam").fill("anna")
    page.get_by_label("Wachtwoord").fill("not the password")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"error=1"))
    assert page.get_by_role("alert").is_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "einvoice_session" not in cookies


def test_work_the_queue(page, server, seeded, axe_source):
    ids, key = seeded["ids"], seeded["api_key"]
    sign_in(page, server)
    cookie = {c["name"]: c for c in page.context.cookies()}["einvoice_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # The queue: oldest due date first, counts per reason code, Dutch formatting.
    rows = page.locator("tr.queue-row")
    assert rows.count() == 4
    assert "F2026-0101" in rows.nth(0).inner_text() and "F2026-0104" in rows.nth(3).inner_text()
    assert "4 dagen over tijd" in rows.nth(0).inner_text()
    assert "€\xa01.656,25" in rows.nth(0).inner_text()
    assert page.locator(".chips").get_by_text("Prijsafwijking").is_visible()
    screenshot(page, "queue")
    assert_accessible(page, axe_source, "queue")

    # Filter by reason code.
    page.get_by_label("Reden", exact=True).select_option("NOT_RECEIVED")
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_url(re.compile(r"reason=NOT_RECEIVED"))
    assert page.locator("tr.queue-row").count() == 1
    page.get_by_role("link", name="Wissen").click()
    page.wait_for_url(re.compile(r"/ui/queue$"))

    # Keyboard: j selects the first row, Enter opens it.
    page.locator("body").press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/ui/invoices/{ids['late']}"))

    # The invoice page: failed checks with expected / actual / tolerance, lines beside the order.
    checks = page.locator("section[aria-labelledby='h-checks']")
    assert "Prijsafwijking" in checks.inner_text() and "Tolerantie" in checks.inner_text()
    lines = page.locator("table.lines")
    assert "Inhuur ontwerper" in lines.inner_text()
    first_line = lines.locator("tbody tr").nth(0).inner_text()
    assert "10 dagen" in first_line and "7" in first_line  # ordered 10 days (unit DAY by its Dutch name, plural), received 7
    assert page.locator("tr.deviates").count() == 2
    assert page.get_by_role("link", name="Origineel document (XML)").is_visible()
    screenshot(page, "invoice")
    assert_accessible(page, axe_source, "invoice")

    # Approve with the keyboard shortcut, which opens the confirmation; its button approves and the
    # page goes straight on to the next invoice.
    page.locator("body").press("a")
    page.get_by_role("button", name="Ja, goedkeuren").click()
    page.wait_for_url(re.compile(rf"/ui/invoices/{ids['second']}\?.*msg=approved"))
    assert "Factuur F2026-0101 is goedgekeurd" in page.get_by_role("status").inner_text()
    assert api_status(server, key, ids["late"]) == "approved"

    # Reject with a reason (r focuses the reason field).
    page.locator("body").press("r")
    assert page.evaluate("document.activeElement.id") == "reject-reason"
    page.keyboard.type("Rekeningnummer is niet van deze leverancier")
    page.get_by_role("button", name=re.compile("^Afwijzen")).click()
    page.wait_for_url(re.compile(rf"/ui/invoices/{ids['third']}\?.*msg=rejected"))
    assert api_status(server, key, ids["second"]) == "rejected"

    # Put one on hold.
    page.get_by_label("Waarom in de wacht? (optioneel)").fill("Wacht op creditnota")
    page.get_by_role("button", name=re.compile("^In de wacht zetten")).click()
    page.wait_for_url(re.compile(rf"/ui/invoices/{ids['fourth']}\?.*msg=on_hold"))
    assert api_status(server, key, ids["third"]) == "on_hold"

    # A comment shows up in the audit trail and through the API.
    page.get_by_label("Opmerking", exact=True).fill("Leverancier gebeld")
    page.get_by_role("button", name="Opmerking toevoegen").click()
    page.wait_for_url(re.compile(r"msg=commented"))
    assert "Leverancier gebeld" in page.locator("#trail").inner_text()
    comments = httpx.get(f"{server}/v1/invoices/{ids['fourth']}/comments",
                         headers={"Authorization": f"Bearer {key}"}).json()["data"]
    assert [c["text"] for c in comments] == ["Leverancier gebeld"] and comments[0]["actor"] == "user:anna"

    # The change feed reports each person's action, in order.
    mine = [e for e in all_events(server, key) if e["actor"] == "user:anna"]
    assert [(e["invoice_id"], e["from"], e["to"]) for e in mine] == [
        (str(ids["late"]), "needs_review", "approved"),
        (str(ids["second"]), "needs_review", "rejected"),
        (str(ids["third"]), "needs_review", "on_hold"),
    ]
    assert mine[1]["reason_codes"] == ["BANK_ACCOUNT_UNVERIFIED"]

    # The rejection became an RE Invoice Response with the matching clarification code and the reason.
    r = httpx.get(f"{server}/v1/invoices/{ids['second']}/response", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    texts = _texts_by_local_name(r.content)
    assert "RE" in texts["ResponseCode"]
    assert "PAY" in texts.get("StatusReasonCode", [])
    assert any("Rekeningnummer is niet van deze leverancier" in t for t in texts.get("StatusReason", []))

    # The decided invoices have left the queue.
    page.goto(f"{server}/ui/queue")
    assert page.locator("tr.queue-row").count() == 1

    # The audit trail of the rejected invoice names the reviewer and the reason.
    page.goto(f"{server}/ui/invoices/{ids['second']}")
    trail = page.locator("#trail").inner_text()
    assert "user:anna" in trail and "Rekeningnummer is niet van deze leverancier" in trail
    assert "Afgewezen" in page.locator("#invoice-status").inner_text()


def test_switch_language_and_dashboard(page, server, axe_source):
    sign_in(page, server)
    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/ui/queue"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Invoices under review")

    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"/ui/dashboard"))
    assert page.locator("svg.chart").count() >= 6
    assert page.get_by_role("heading", name="Straight-through rate per week").is_visible()
    body = page.locator("main").inner_text()
    assert "BR-CO-15" in body and "Kantoorartikelen Noord" in body
    screenshot(page, "dashboard")
    assert_accessible(page, axe_source, "dashboard")

    # Back to Dutch for the next runs; the preference is per user and stored.
    page.get_by_role("button", name="Nederlands").click()
    page.wait_for_url(re.compile(r"/ui/dashboard"))
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url(re.compile(r"/ui/login"))
    page.goto(f"{server}/ui/queue")
    assert "/ui/login" in page.url
