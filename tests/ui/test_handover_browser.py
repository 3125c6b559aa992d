"""The issue's walk-through in headless Chromium (axe-core on every page it shows): a clerk finds a
duplicate by its number, links the order the invoice did not name, forwards it to a budget holder
who confirms the delivery so that the invoice re-matches and passes, puts two others on hold in
bulk, and exports the list. Screenshots of the new pages go to docs/screenshots/."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from bench.matching_corpus.documents import Doc, SupplierSpec
from bench.matching_corpus.orders import Order, PoLine
from tests.ui.conftest import PASSWORD, REPO, app_server, screenshot
from tests.ui.test_workspace_browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

SUPPLIER = SupplierSpec("W", "Meubelfabriek Walk B.V.", "12345678", "NL123456782B01", "NL91ABNA0417164300")
DOCS = REPO / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(server_db, artifacts_dir, tmp_path_factory):
    """The service with the validation artefacts (the walk posts real invoices); compiling them on a
    loaded machine takes minutes, so the compiled artefacts are kept under build/ between runs."""
    cache = REPO / "build" / "validation-cache-ui"
    with app_server(server_db, tmp_path_factory, {"EINVOICE_ARTIFACTS_DIR": str(artifacts_dir),
                                                  "EINVOICE_VALIDATION_CACHE_DIR": str(cache)},
                    start_timeout=900) as base:
        yield base


@pytest.fixture(scope="module")
def walk(server, server_db):
    """Staff (a clerk and a budget holder of the organisation), an order that needs a receipt, and
    invoices posted through the real intake: one without an order reference, the same number again
    (a duplicate), two more to hold."""
    from service.db import make_engine
    from service.keys import create_key
    from service.models.keys import Role
    from service.models.workspace import Language, StaffRole
    from service.organisations.staff import join_organisations
    from service.ui.accounts import create_user

    engine = make_engine(server_db)
    with Session(engine) as s:
        for name, display, role in (("clara", "Clara Crediteuren", StaffRole.reviewer),
                                    ("boris", "Boris Budgethouder", StaffRole.reviewer)):
            user = create_user(s, username=name, password=PASSWORD, role=role, display_name=display,
                               language=Language.nl)
            join_organisations(s, user.id, [])
        _, erp = create_key(s, role=Role.erp, name="walk-erp")
        _, gateway = create_key(s, role=Role.gateway, name="walk-gateway")
        _, admin = create_key(s, role=Role.admin, name="walk-admin")
        s.commit()
    engine.dispose()
    erp_h, gw_h = {"Authorization": f"Bearer {erp}"}, {"Authorization": f"Bearer {gateway}",
                                                        "Content-Type": "application/xml"}
    with httpx.Client(base_url=server, timeout=60) as c:
        supplier = c.post("/v1/suppliers", json=SUPPLIER.payload(), headers=erp_h)
        assert supplier.status_code == 201, supplier.text
        # the supplier's account, verified by a second person (four eyes on bank accounts)
        pending = c.get(f"/v1/suppliers/{supplier.json()['id']}/bank-account-changes", headers=erp_h).json()["data"]
        for change in pending:
            if change["status"] == "proposed":
                assert c.post(f"/v1/bank-account-changes/{change['id']}/verify", json={"method": "callback"},
                              headers={"Authorization": f"Bearer {admin}"}).status_code == 200
        chairs = PoLine("10", "Bureaustoel", Decimal(20), price=Decimal("150.00"), receipt_required=True)
        order = Order("PO-WALK-1", SUPPLIER, [chairs]).payload()
        assert c.post("/v1/purchase-orders", json=dict(order, supplier_id=supplier.json()["id"]),
                      headers=erp_h).status_code == 201
        day = date.today() - timedelta(days=3)
        ids = {}
        for number, po, when, n in (("F-WALK-1", None, day, 5), ("F-WALK-1", None, day - timedelta(days=1), 5),
                                    ("F-WALK-2", "PO-ONBEKEND-2", day, 3), ("F-WALK-3", "PO-ONBEKEND-3", day, 4)):
            r = c.post("/v1/invoices", content=Doc(number, SUPPLIER, when, [chairs.invoice_line("1", Decimal(n), ref=False)],
                                                   po=po).to_xml(), headers=gw_h)
            assert r.status_code in (201, 409), r.text
            body = r.json() if r.status_code == 201 else r.json()["invoice"]
            ids.setdefault(number, body["id"]) if r.status_code == 201 else ids.setdefault("duplicate", body["id"])
    return {"ids": ids, "erp": erp_h}


def _sign_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/ui/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(r"/ui/queue"))


def _keep(page, name: str) -> None:
    path = screenshot(page, name)
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path.with_name(f"{name}-top.png"), DOCS / f"{name}.png")


def test_the_clerk_resolves_an_exception_with_the_budget_holder(browser, server, walk, axe_source):
    clerk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = clerk.new_page()
    page.set_default_timeout(30000)
    _sign_in(page, server, "clara")

    # 1. a duplicate found by its number: the second F-WALK-1 was refused, the first waits for review
    page.get_by_role("link", name="Zoeken").click()
    page.get_by_label("Zoek op factuurnummer").fill("F-WALK-1")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url(re.compile(r"q=F-WALK-1"))
    rows = page.locator("#find-table tbody tr")
    assert rows.count() == 2
    statuses = sorted(rows.nth(i).inner_text() for i in range(2))
    assert any("Afgewezen" in s for s in statuses) and any("Te beoordelen" in s for s in statuses)
    page.goto(f"{server}/ui/invoices/{walk['ids']['F-WALK-1']}")

    # 2. link the order the invoice did not name: now only the receipt is missing
    page.get_by_label("Inkoopordernummer").fill("PO-WALK-1")
    page.get_by_role("button", name="Order koppelen").click()
    page.wait_for_url(re.compile(r"msg=order_linked"))
    assert "Te beoordelen" in page.locator("#invoice-status").inner_text()

    # 3. forward it to the budget holder, who must confirm the delivery within a week
    page.get_by_label("Budgethouder die de levering bevestigt").select_option("boris")
    page.get_by_label("Bevestigen uiterlijk").fill((date.today() + timedelta(days=7)).isoformat())
    page.locator("#forward-note").fill("Zijn de 5 bureaustoelen geleverd?")
    page.get_by_role("button", name="Vraag prestatieverklaring").click()
    page.wait_for_url(re.compile(r"msg=forwarded"))
    assert "Wacht op de prestatieverklaring van Boris Budgethouder" in page.locator("#handover-waiting").inner_text()
    # who asked may take it back (the button is named after whom it was asked of)
    assert page.get_by_role("button", name="Vraag aan Boris Budgethouder intrekken").is_visible()
    assert_accessible(page, axe_source, "invoice with the hand-over panel and its Withdraw button")
    page.locator("#handover").scroll_into_view_if_needed()
    _keep(page, "handover")
    page.get_by_role("link", name="Mijn werk").click()
    assert "Wacht op anderen (1)" in page.locator("#h-others").inner_text()
    assert_accessible(page, axe_source, "my work")

    # 4. the budget holder confirms: the invoice re-matches on the recorded receipt and passes
    holder = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    bpage = holder.new_page()
    bpage.set_default_timeout(30000)
    _sign_in(bpage, server, "boris")
    assert bpage.get_by_role("link", name="Meldingen 1 ongelezen melding").count() == 1  # the count's full text
    bpage.get_by_role("link", name="Mijn werk").click()
    bpage.locator("#assigned-to-me a", has_text="F-WALK-1").click()
    bpage.wait_for_url(re.compile(r"/delivery/answer"))
    assert "Clara Crediteuren vraagt u te bevestigen" in bpage.locator("#delivery-intro").inner_text()
    assert_accessible(bpage, axe_source, "delivery confirmation")
    _keep(bpage, "delivery")
    bpage.get_by_role("button", name="Ja, het is geleverd").click()
    bpage.wait_for_url(re.compile(r"msg=confirmed"))
    decision = httpx.get(f"{server}/v1/invoices/{walk['ids']['F-WALK-1']}/decision", headers=walk["erp"],
                         timeout=30).json()
    assert decision["trigger"] == "prestatieverklaring" and decision["outcome"] == "approve", \
        [c for c in decision["checks"] if c["outcome"] == "fail"]
    assert "msg=confirmed_approved" in bpage.url and "Goedgekeurd" in bpage.locator("#invoice-status").inner_text()
    holder.close()

    # the clerk hears of it
    page.get_by_role("link", name=re.compile("Meldingen")).click()
    assert "Boris Budgethouder heeft bevestigd dat factuur F-WALK-1" in page.locator("#notification-list").inner_text()
    assert_accessible(page, axe_source, "notifications")

    # 5. bulk hold of the two others, with one reason; a result per invoice
    page.get_by_role("link", name="Te beoordelen").click()
    for number in ("F-WALK-2", "F-WALK-3"):
        page.get_by_label(f"Selecteer {number}").check()
    page.get_by_label("Actie").select_option("hold")
    page.get_by_label("Reden (voor alle geselecteerde facturen)").fill("Wacht op de juiste order van de leverancier")
    assert_accessible(page, axe_source, "queue with the bulk form")
    page.get_by_role("button", name="Uitvoeren voor de selectie").click()
    page.wait_for_url(re.compile(r"/ui/bulk"))
    assert "2 gedaan, 0 geweigerd." in page.locator("#bulk-summary").inner_text()
    assert_accessible(page, axe_source, "bulk result")
    _keep(page, "bulk")

    # 6. the export of the list holds what the list holds
    page.goto(f"{server}/ui/search?q=F-WALK")
    shown = page.locator("#find-table tbody tr").count()
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporteren als CSV").click()
    table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(table) - 1 == shown == 4
    clerk.close()
