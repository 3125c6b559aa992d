"""The workspace's find list: any status, search, sorting, paging, CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from openpyxl import load_workbook

from service.models.invoices import InvoiceStatus
from tests.workspace.factories import make_invoice
from tests.workspace.test_pages import login, user  # noqa: F401  (fixture)


def _numbers(html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/ui/invoices/[^"]+">([^<]+)</a>', html)


def _seed(session):
    make_invoice(session, number="F-2026-001", seller="Bouwbedrijf De Vries B.V.", amount=Decimal("1656.25"))
    make_invoice(session, number="F-2026-002", seller="Drukkerij Jansen", amount=Decimal("99.95"),
                 status=InvoiceStatus.on_hold)
    make_invoice(session, number="X-9", seller="=cmd|' /C calc'!A0", amount=Decimal("10"), reasons=[],
                 status=InvoiceStatus.approved)
    make_invoice(session, number="R-1", seller="Drukkerij Jansen", amount=Decimal("5"),
                 reasons=[{"code": "RULE_VIOLATION", "message": "BR-CO-15"}], status=InvoiceStatus.rejected)


def test_every_status_is_listed_and_searchable(bare_client, user, session):  # noqa: F811
    _seed(session)
    login(bare_client)
    page = bare_client.get("/ui/search")
    assert page.status_code == 200
    assert sorted(_numbers(page.text)) == ["F-2026-001", "F-2026-002", "R-1", "X-9"]
    assert _numbers(bare_client.get("/ui/search", params={"q": "jansen"}).text) == ["R-1", "F-2026-002"]
    assert _numbers(bare_client.get("/ui/search", params={"q": "1.656,25"}).text) == ["F-2026-001"]
    assert _numbers(bare_client.get("/ui/search", params={"q": "jansen", "status": "rejected"}).text) == ["R-1"]
    empty = bare_client.get("/ui/search", params={"q": "nothing-like-it"})
    assert _numbers(empty.text) == [] and "Geen facturen gevonden" in empty.text


def test_columns_sort_both_ways(bare_client, user, session):  # noqa: F811
    _seed(session)
    login(bare_client)
    up = bare_client.get("/ui/search", params={"sort": "amount", "dir": "asc"}).text
    assert _numbers(up) == ["R-1", "X-9", "F-2026-002", "F-2026-001"]
    assert 'aria-sort="ascending"' in up
    down = bare_client.get("/ui/search", params={"sort": "amount", "dir": "desc"}).text
    assert _numbers(down) == ["F-2026-001", "F-2026-002", "X-9", "R-1"]
    assert _numbers(bare_client.get("/ui/search", params={"sort": "number", "dir": "asc"}).text) == [
        "F-2026-001", "F-2026-002", "R-1", "X-9"]
    # an unknown column falls back to the receipt order instead of failing
    assert bare_client.get("/ui/search", params={"sort": "document; drop"}).status_code == 200


def test_a_rejected_invoice_opens_with_its_history(bare_client, user, session):  # noqa: F811
    _seed(session)
    login(bare_client)
    listed = bare_client.get("/ui/search", params={"q": "R-1"}).text
    href = re.search(r'class="row-link" href="(/ui/invoices/[^"]+)"', listed).group(1)
    page = bare_client.get(href)
    assert page.status_code == 200 and "R-1" in page.text
    assert 'id="trail"' in page.text and "Afgewezen" in page.text


def test_pages_are_numbered(bare_client, user, session):  # noqa: F811
    for i in range(52):
        make_invoice(session, number=f"P-{i:03d}", commit=False)
    session.commit()
    login(bare_client)
    first = bare_client.get("/ui/search", params={"sort": "number", "dir": "asc"}).text
    assert len(_numbers(first)) == 50 and "Pagina 1 van 2" in first
    second = bare_client.get("/ui/search", params={"sort": "number", "dir": "asc", "page": "2"}).text
    assert _numbers(second) == ["P-050", "P-051"]
    assert _numbers(bare_client.get("/ui/search", params={"page": "999"}).text) != []  # past the end: the last page


def test_csv_export_has_every_row_in_dutch_with_formulas_defused(bare_client, user, session):  # noqa: F811
    _seed(session)
    login(bare_client)
    r = bare_client.get("/ui/search/export.csv", params={"sort": "number", "dir": "asc"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="facturen.csv"'
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Factuurnummer", "Leverancier", "Factuurdatum"]
    assert [row[0] for row in table[1:]] == ["F-2026-001", "F-2026-002", "R-1", "X-9"]
    assert table[1][5] == "1656.25" and table[4][1].startswith("'=")
    assert table[2][7] == "In de wacht"


def test_xlsx_export_keeps_amounts_as_numbers(bare_client, user, session):  # noqa: F811
    _seed(session)
    login(bare_client)
    r = bare_client.get("/ui/search/export.xlsx", params={"q": "jansen"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Factuurnummer" and len(rows) == 3
    assert sorted(float(row[5]) for row in rows[1:]) == [5.0, 99.95]


def test_exports_need_a_session(bare_client):
    for path in ("/ui/search", "/ui/search/export.csv", "/ui/search/export.xlsx"):
        r = bare_client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")


def test_the_amount_order_is_exact_with_missing_amounts_last_both_ways(session):
    from service.models.invoices import MAX_CENTS, cents
    from service.ui import find

    assert [cents(Decimal(v)) for v in ("12.34", "-0.01", "0.005", "-0.005", "1E+30")] == [1234, -1, 0, -1, MAX_CENTS]
    assert cents(None) is None
    amounts = {"A": "1656.25", "B": "-40.00", "C": "0.01", "D": None, "E": "99999999999.99", "F": "1656.24",
               "G": "0"}
    for number, amount in amounts.items():
        inv = make_invoice(session, number=number, amount=Decimal(amount) if amount else None, commit=False)
        # the INSERT writes the key from the row's own amount (nobody sets it)
        assert inv.payable_cents == cents(Decimal(amount) if amount else None)
    session.commit()
    up = [i.invoice_number for i in find.page(session, find.FindFilter(sort="amount", desc=False)).rows]
    down = [i.invoice_number for i in find.page(session, find.FindFilter(sort="amount", desc=True)).rows]
    assert up == ["B", "G", "C", "F", "A", "E", "D"]
    assert down == ["E", "A", "F", "C", "G", "B", "D"]


def test_the_amount_order_reads_an_index_not_every_invoice(session):
    from sqlalchemy import text

    from service.ui import find

    for i in range(20):
        make_invoice(session, number=f"S-{i}", amount=Decimal(i) / 7, commit=False)
    session.commit()
    dialect = session.get_bind().dialect
    for desc in (False, True):
        query = find._ordered(find.select(find.Invoice), find.FindFilter(sort="amount", desc=desc)).limit(50)
        sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "sqlite":
            plan = " | ".join(r[-1] for r in session.exec(text("EXPLAIN QUERY PLAN " + sql)))
            assert "ix_invoices_payable_cents" in plan and "TEMP B-TREE" not in plan, plan
        else:
            session.exec(text("SET LOCAL enable_seqscan = off"))  # a table of 20 rows: force the choice
            plan = " | ".join(r[0] for r in session.exec(text("EXPLAIN " + sql)))
            assert "ix_invoices_payable_cents" in plan and "Sort" not in plan, plan
            session.rollback()
