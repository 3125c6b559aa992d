"""`Accept: text/csv` on the API's lists: same filters, every page, problems stay problems."""

from __future__ import annotations

import csv
import io

import pytest

from service.api.csv_export import cell, flatten, wants_csv
from tests.api.test_invoices import BASE, with_number

XML = {"Content-Type": "application/xml"}
CSV = {"Accept": "text/csv"}


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/csv", True),
    ("text/csv;q=0.9, application/json;q=0.5", True),
    ("application/json, text/csv;q=0.5", False),
    ("application/json", False),
    ("*/*", False),
    ("text/csv;q=0", False),
])
def test_csv_only_when_preferred(accept, expected):
    assert wants_csv(accept) is expected


def test_cells():
    assert flatten({"a": {"b": 1, "c": {"d": None}}, "e": []}) == {"a.b": 1, "a.c.d": None, "e": []}
    assert cell(None) == "" and cell(True) == "true" and cell([{"code": "X"}]) == '[{"code":"X"}]'
    assert cell("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    assert cell("@SUM(A1)") == "'@SUM(A1)"
    assert cell("-12.50") == "-12.50"  # a negative amount stays a number


@pytest.fixture
def five(client, make_key):
    headers = {**make_key("gateway"), **XML}
    numbers = [f"EXP-{i}" for i in range(5)]
    for number in numbers:
        assert client.post("/v1/invoices", content=with_number(BASE, number), headers=headers).status_code == 201
    return headers, numbers


def test_invoices_as_csv_every_page(client, five):
    headers, numbers = five
    r = client.get("/v1/invoices", params={"limit": 2}, headers={**headers, **CSV})
    got = rows(r)
    assert [row["invoice_number"] for row in got] == list(reversed(numbers))  # all pages, newest first
    assert r.headers["content-disposition"] == 'attachment; filename="invoices.csv"'
    assert r.headers["x-content-type-options"] == "nosniff"
    first = got[0]
    assert first["totals.payable_amount"] == "1656.25"
    assert first["seller.name"] == "SupplierOfficialName Ltd"
    assert first["status"] in ("needs_review", "approved")


def test_filters_apply_to_the_csv(client, five):
    headers, _ = five
    got = rows(client.get("/v1/invoices", params={"q": "EXP-3"}, headers={**headers, **CSV}))
    assert [row["invoice_number"] for row in got] == ["EXP-3"]
    assert rows(client.get("/v1/invoices", params={"status": "rejected"}, headers={**headers, **CSV})) == []


def test_json_is_unchanged_without_the_accept_header(client, five):
    headers, _ = five
    r = client.get("/v1/invoices", params={"limit": 2}, headers=headers)
    assert r.headers["content-type"] == "application/json" and len(r.json()["data"]) == 2


def test_problems_stay_problems(client, five):
    headers, _ = five
    r = client.get("/v1/invoices", params={"cursor": "nonsense"}, headers={**headers, **CSV})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    r = client.get("/v1/invoices", headers=CSV)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_a_single_resource_stays_json(client, five):
    headers, _ = five
    listed = client.get("/v1/invoices", headers=headers).json()["data"][0]
    r = client.get(f"/v1/invoices/{listed['id']}", headers={**headers, **CSV})
    assert r.status_code == 200 and r.json()["id"] == listed["id"]


def test_suppliers_as_csv_with_a_formula_name_defused(client, make_key):
    erp = make_key("erp")
    for i, name in enumerate(["Kantoor B.V.", '=HYPERLINK("http://evil.example","klik")']):
        body = {"name": name, "electronic_address": {"scheme": "0106", "value": f"1234567{i}"}}
        assert client.post("/v1/suppliers", json=body, headers=erp).status_code == 201
    got = rows(client.get("/v1/suppliers", params={"limit": 1}, headers={**erp, **CSV}))
    assert sorted(row["name"] for row in got) == ["'=HYPERLINK(\"http://evil.example\",\"klik\")", "Kantoor B.V."]
    assert {row["electronic_address.value"] for row in got} == {"12345670", "12345671"}


def test_the_change_feed_as_csv_ends(client, five, make_key):
    erp = make_key("erp")
    got = rows(client.get("/v1/events", params={"limit": 2}, headers={**erp, **CSV}))
    assert len(got) >= 5 and {"invoice_id", "from", "to", "cursor"} <= set(got[0])


def test_openapi_documents_csv_on_every_list(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/invoices", "/v1/suppliers", "/v1/purchase-orders", "/v1/goods-receipts", "/v1/events"):
        assert "text/csv" in paths[path]["get"]["responses"]["200"]["content"], path
    assert "text/csv" not in paths["/v1/invoices/{invoice_id}"]["get"]["responses"]["200"]["content"]


def test_an_export_counts_once_against_the_rate_limit(settings, engine, make_key):
    from fastapi.testclient import TestClient

    from service.main import create_app

    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}), engine=engine)
    erp = make_key("erp")
    with TestClient(app) as c:
        for i in range(6):
            body = {"name": f"Leverancier {i}", "electronic_address": {"scheme": "0106", "value": f"8765432{i}"}}
            assert c.post("/v1/suppliers", json=body, headers=make_key("erp")).status_code == 201
        # six pages of one supplier: one request for the limit, all six rows in the file
        assert len(rows(c.get("/v1/suppliers", params={"limit": 1}, headers={**erp, **CSV}))) == 6
        assert c.get("/v1/suppliers", headers=erp).status_code == 200
        assert c.get("/v1/suppliers", headers=erp).status_code == 200
        assert c.get("/v1/suppliers", headers=erp).status_code == 429  # the export was one of three
