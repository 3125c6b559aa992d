"""Context on the invoice page (#17): the earlier invoices that consumed an order line, listed and
linked next to it; differences with the order highlighted; units by their name; people and keys in
the trail by their names; supplier ids of a supplier mismatch shown as names."""

from __future__ import annotations

import re
from decimal import Decimal

from bench.matching_corpus.documents import SupplierSpec
from bench.matching_corpus.orders import PoLine
from tests.matching.test_api import World, world  # noqa: F401  (fixture)
from tests.workspace.test_pages import login, user  # noqa: F401  (fixture)


def test_the_order_line_lists_the_invoices_that_consumed_it(world, bare_client, user, make_key):  # noqa: F811
    line = PoLine("10", "Kopieerpapier", Decimal(10), unit="XPK", price=Decimal("4.00"))
    world.order("PO-CTX-1", line)
    first = world.post(world.doc("F-CTX-1", "PO-CTX-1", line.invoice_line("1", Decimal(8))))
    assert first["status"] == "approved"
    second = world.post(world.doc("F-CTX-2", "PO-CTX-1", line.invoice_line("1", Decimal(5), price=Decimal("4.50"))))
    assert {r["code"] for r in second["reasons"]} == {"QUANTITY_EXCEEDS_ORDERED", "PRICE_VARIANCE"}
    named = make_key("reviewer", name="Koppeling Inkoop")
    assert world.client.post(f"/v1/invoices/{second['id']}/comments", json={"text": "navragen"},
                             headers=named).status_code == 201
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{second['id']}").text
    consumed = page.split('class="consumed"', 1)[1].split("</span>", 1)[0]
    assert "Eerder gefactureerd op deze orderregel" in consumed
    assert f'<a href="/ui/invoices/{first["id"]}">F-CTX-1</a> (8, Goedgekeurd)' in consumed
    # quantity and price differ from the order: highlighted; the unit by its name
    assert len(re.findall(r'class="num differs"', page)) == 2 and 'class="num order differs"' in page
    assert "5 pakken <span class=\"muted\">(XPK)</span>" in page
    assert "Koppeling Inkoop" in page  # the key's name in the trail, not only its prefix
    decisions = page.split('id="decisions"', 1)[1].split("</section>", 1)[0]
    assert "Ontvangst" in decisions and "Ter beoordeling" in decisions and "Meer dan besteld" in decisions
    # the first invoice's own page lists the second, which is under review and counts too
    page = bare_client.get(f"/ui/invoices/{first['id']}").text
    assert f'<a href="/ui/invoices/{second["id"]}">F-CTX-2</a> (5, Te beoordelen)' in page


def test_a_supplier_mismatch_names_both_suppliers(world, bare_client, user):  # noqa: F811
    other = SupplierSpec("T", "Meubel Noord B.V.", "30127845", "NL812345678B01", "NL67INGB0006543210")
    r = world.client.post("/v1/suppliers", json=other.payload(), headers=world.erp)
    assert r.status_code == 201, r.text
    line = PoLine("1", "Bureau", Decimal(2), price=Decimal("300.00"))
    order = dict(number="PO-CTX-3", supplier_id=r.json()["id"], currency="EUR", buyer_reference="X",
                 lines=[line.payload()])
    assert world.client.post("/v1/purchase-orders", json=order, headers=world.erp).status_code == 201
    inv = world.post(world.doc("F-CTX-3", "PO-CTX-3", line.invoice_line("1", Decimal(2))))
    assert "SUPPLIER_MISMATCH" in {r["code"] for r in inv["reasons"]}
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{inv['id']}").text
    assert "<dd>Meubel Noord B.V.</dd>" in page and "<dd>Kantoor B.V.</dd>" in page
    assert r.json()["id"] not in page.split('id="h-checks"', 1)[1].split("</section>", 1)[0]


def test_a_refused_duplicate_links_the_first_invoice(world, bare_client, user):  # noqa: F811
    line = PoLine("1", "Bureau", Decimal(2), price=Decimal("300.00"))
    world.order("PO-CTX-4", line)
    first = world.post(world.doc("F-CTX-4", "PO-CTX-4", line.invoice_line("1", Decimal(1))))
    again = world.post(world.doc("F-CTX-4", "PO-CTX-4", line.invoice_line("1", Decimal(1), price=Decimal("299.00"))))
    assert again["id"] != first["id"] and again["status"] == "rejected"
    login(bare_client)
    page = bare_client.get(f"/ui/invoices/{again['id']}").text
    assert f'<a href="/ui/invoices/{first["id"]}">F-CTX-4</a>' in page.split('id="duplicate-of"', 1)[1]
