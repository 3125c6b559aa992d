"""The find list in headless Chromium: a clerk finds an invoice by its number whatever its status,
opens it, sorts, and exports the result (axe-core on the page)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.ui.conftest import screenshot
from tests.ui.test_workspace_browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def test_find_a_rejected_invoice_by_number_open_it_and_export(page, server, seeded, axe_source):
    sign_in(page, server)
    page.get_by_role("link", name="Zoeken").click()
    page.wait_for_url(re.compile(r"/ui/search"))
    page.get_by_label("Zoek op factuurnummer").fill("bad-1")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url(re.compile(r"q=bad-1"))
    rows = page.locator("#find-table tbody tr")
    assert rows.count() == 1 and "Afgewezen" in rows.nth(0).inner_text()
    assert_accessible(page, axe_source, "find")

    # sorting by amount, highest first, on the whole list
    page.goto(f"{server}/ui/search")
    page.get_by_role("link", name="Bedrag").click()
    page.wait_for_url(re.compile(r"sort=amount"))
    assert page.locator("th[aria-sort='ascending']").count() == 1
    page.get_by_role("link", name="Bedrag").click()
    page.wait_for_url(re.compile(r"dir=desc"))
    screenshot(page, "find")

    # the export holds what the list holds
    page.get_by_label("Zoek op factuurnummer").fill("Kantoorartikelen Noord")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url(re.compile(r"q=Kantoorartikelen"))
    shown = page.locator("#find-table tbody tr").count()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporteren als CSV").click()
    table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(table) - 1 == shown >= 3
    assert {row[1] for row in table[1:]} == {"Kantoorartikelen Noord"}

    # any status opens, with its history
    page.goto(f"{server}/ui/search?q=BAD-1")
    page.locator("a.row-link").first.click()
    page.wait_for_url(re.compile(r"/ui/invoices/"))
    assert "BAD-1" in page.locator("h1").inner_text()
    assert page.locator("#trail").is_visible()


def test_the_invoice_as_the_supplier_sent_it(page, server, seeded, axe_source):
    sign_in(page, server)
    page.goto(f"{server}/ui/invoices/{seeded['ids']['late']}")
    page.get_by_role("link", name="Factuur als leesbaar document").click()
    page.wait_for_url(re.compile(r"/rendering$"))
    article = page.locator("article.rendering")
    assert "Factuur F2026-0101" in article.locator("h2").first.inner_text()
    assert "Te betalen (BT-115)" in article.inner_text() and "Inhuur ontwerper" in article.inner_text()
    screenshot(page, "rendering")
    assert_accessible(page, axe_source, "rendering")


def test_a_clerk_links_the_right_order_in_place(page, server, seeded, axe_source):
    sign_in(page, server)
    page.goto(f"{server}/ui/invoices/{seeded['ids']['fourth']}")
    assert_accessible(page, axe_source, "invoice with the resolve forms")
    page.get_by_label("Inkoopordernummer").fill("PO-BESTAAT-NIET")
    page.get_by_role("button", name="Order koppelen").click()
    assert "Die order bestaat niet" in page.get_by_role("alert").inner_text()
    page.get_by_label("Inkoopordernummer").fill("PO-4711")
    page.get_by_role("button", name="Order koppelen").click()
    page.wait_for_url(re.compile(r"msg=order_linked"))
    assert "is aan de order gekoppeld" in page.get_by_role("status").inner_text()
    page.locator("#trail").scroll_into_view_if_needed()
    assert "Order gekoppeld: PO-4711 → PO-4711" in page.locator("#trail").inner_text()
