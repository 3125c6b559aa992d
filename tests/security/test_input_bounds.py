"""Input bounds: every value a request can carry has a domain bound, enforced at the edge with a
422 problem naming the field, the same on SQLite and PostgreSQL; no stored row can make a read fail."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from service.models.masterdata import Supplier
from service.models.matching import StandingOrderRule

# strings whose format bounds them already
_BOUNDED_FORMATS = {"uuid", "date", "date-time", "binary", "time", "duration"}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def unbounded(spec: dict, schema: dict, where: str, seen: frozenset = frozenset()) -> list[str]:
    """Every place in ``schema`` where a string, number, integer or array has no upper bound."""
    ref = schema.get("$ref")
    if ref in seen:
        return []
    seen = seen | {ref} if ref else seen
    schema = _resolve(spec, schema)
    if "enum" in schema or "const" in schema:
        return []
    alternatives = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if alternatives:
        kinds = [k for k in (_resolve(spec, a) for a in alternatives) if k.get("type") != "null"]
        # a Decimal is {number with bounds} or {string}: pydantic checks the string against the
        # same bounds (max_digits, le/ge), which JSON Schema cannot say
        if {k.get("type") for k in kinds} == {"number", "string"}:
            number = next(k for k in kinds if k.get("type") == "number")
            return [] if "maximum" in number else [f"{where}: decimal without maximum"]
        return [p for a in alternatives for p in unbounded(spec, a, where, seen)]
    kind = schema.get("type")
    if kind == "string" and "maxLength" not in schema and schema.get("format") not in _BOUNDED_FORMATS:
        return [f"{where}: string without maxLength"]
    if kind in ("integer", "number") and "maximum" not in schema and "exclusiveMaximum" not in schema:
        return [f"{where}: {kind} without maximum"]
    if kind == "array":
        problems = [] if "maxItems" in schema else [f"{where}: array without maxItems"]
        return problems + unbounded(spec, schema.get("items", {}), f"{where}[]", seen)
    if kind == "object" or "properties" in schema:
        return [p for name, sub in schema.get("properties", {}).items()
                for p in unbounded(spec, sub, f"{where}.{name}", seen)]
    return []


def test_every_request_value_has_a_bound(bare_app):
    spec = bare_app.openapi()
    problems = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            name = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                problems += unbounded(spec, param.get("schema", {}), f"{name} {param['in']}:{param['name']}")
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                problems += unbounded(spec, content["application/json"]["schema"], f"{name} body")
    assert problems == [], "\n".join(problems)


# --- behaviour at the edge ------------------------------------------------------------------------


def _supplier(session) -> Supplier:
    row = Supplier(name="Verhuur B.V.", electronic_address_scheme="0106", electronic_address_value="11112222")
    session.add(row)
    session.commit()
    return row


def _field_errors(r) -> list[list[Any]]:
    assert r.status_code == 422, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["type"] == "/problems/invalid-input"
    return [e["loc"] for e in body["errors"]]


class TestStandingOrders:
    @pytest.mark.parametrize("amount", [1e40, "1E+40", "12345678901234.5", "1.1234567", "NaN", "Infinity", -1])
    def test_amounts_out_of_range_are_422_naming_the_field(self, bare_client, make_key, session, amount):
        body = {"supplier_id": str(_supplier(session).id), "expected_amount": amount}
        r = bare_client.post("/v1/standing-orders", json=body, headers=make_key("erp"))
        assert ["body", "expected_amount"] in _field_errors(r)
        assert session.exec(text("SELECT count(*) FROM standing_order_rules")).one()[0] == 0

    def test_the_largest_amount_is_stored_and_read_back(self, bare_client, make_key, session):
        erp = make_key("erp")
        body = {"supplier_id": str(_supplier(session).id), "expected_amount": "9999999999999.999999",
                "tolerance_pct": "1000"}
        r = bare_client.post("/v1/standing-orders", json=body, headers=erp)
        assert r.status_code == 201, r.text
        assert r.json()["expected_amount"] == "9999999999999.999999"
        assert bare_client.get("/v1/standing-orders", headers=erp).json()["data"][0]["expected_amount"] == \
            "9999999999999.999999"

    @pytest.mark.parametrize("field, value", [("name", "n" * 201), ("buyer_reference", "r" * 201),
                                              ("currency", "eur"), ("tolerance_pct", "1000.1")])
    def test_strings_and_percentages_beyond_the_columns_are_422(self, bare_client, make_key, session, field, value):
        body = {"supplier_id": str(_supplier(session).id), "expected_amount": "100", field: value}
        r = bare_client.post("/v1/standing-orders", json=body, headers=make_key("erp"))
        assert ["body", field] in _field_errors(r)

    def test_a_row_stored_before_the_bounds_does_not_break_the_list(self, bare_client, make_key, session, engine):
        """Issue #21: 1E+40 stored on SQLite made every list of standing orders answer 500."""
        supplier = _supplier(session)
        huge = "1E+40" if engine.dialect.name == "sqlite" else "99999999999999999999.99999999"
        rule = StandingOrderRule(supplier_id=supplier.id, expected_amount=Decimal(1), name="old")
        session.add(rule)
        session.commit()
        with engine.begin() as conn:  # written past the service, as an older version could have
            conn.execute(text("UPDATE standing_order_rules SET expected_amount = :v"), {"v": huge})
        erp = make_key("erp")
        r = bare_client.get("/v1/standing-orders", headers=erp)
        assert r.status_code == 200, r.text
        assert Decimal(r.json()["data"][0]["expected_amount"]) == Decimal(huge)
        assert bare_client.get(f"/v1/standing-orders/{rule.id}", headers=erp).status_code == 200


def test_the_database_refuses_what_does_not_fit_on_both_backends(engine):
    supplier_id = uuid.uuid4()
    with Session(engine) as s:
        s.add(StandingOrderRule(supplier_id=supplier_id, expected_amount=Decimal("1E+20")))
        with pytest.raises(Exception, match=r"NUMERIC|numeric|overflow"):
            s.flush()


class TestPolicyAndErp:
    @pytest.mark.parametrize("field, value", [("price_over_pct", 1e40), ("total_abs", "1E+19"),
                                              ("quantity_over_pct", "-1"), ("charge_abs", "0.0000001")])
    def test_policy_values_out_of_range_are_422(self, bare_client, make_key, field, value):
        r = bare_client.put("/v1/matching/policy", json={field: value}, headers=make_key("admin"))
        assert ["body", field] in _field_errors(r)

    def test_paid_amount_out_of_range_is_422(self, bare_client, make_key):
        r = bare_client.post(f"/v1/invoices/{uuid.uuid4()}/paid", json={"payment_date": "2026-01-05",
                                                                        "amount": "1E+30"}, headers=make_key("erp"))
        assert ["body", "amount"] in _field_errors(r)


class TestQueryAndPath:
    @pytest.mark.parametrize("n", [2**63, 10_001, 0, -1])
    def test_attachment_index_out_of_range_is_422(self, bare_client, make_key, n):
        r = bare_client.get(f"/v1/invoices/{uuid.uuid4()}/attachments/{n}", headers=make_key("erp"))
        assert ["path", "n"] in _field_errors(r)

    @pytest.mark.parametrize("url", [
        "/v1/invoices?limit=201", "/v1/invoices?cursor=" + "c" * 501, "/v1/invoices?purchase_order=" + "p" * 201,
        "/v1/events?limit=1001", "/v1/purchase-orders/PO-1/versions/2147483648",
        "/v1/purchase-orders/" + "p" * 201,
    ])
    def test_query_and_path_values_out_of_range_are_422(self, bare_client, make_key, url):
        r = bare_client.get(url, headers=make_key("erp"))
        assert _field_errors(r)

    def test_review_version_beyond_int4_is_422(self, bare_client, make_key):
        r = bare_client.post(f"/v1/invoices/{uuid.uuid4()}/approve", json={"version": 2**31},
                             headers=make_key("reviewer"))
        assert ["body", "version"] in _field_errors(r)


class TestNulCharacter:
    """PostgreSQL text cannot hold U+0000: refused at the edge, the same on both backends."""

    @pytest.mark.parametrize("url, loc", [
        ("/v1/matching/policy/versions?scope=a%00b", ["query", "scope"]),
        ("/v1/invoices?purchase_order=PO%00", ["query", "purchase_order"]),
        ("/v1/purchase-orders/PO%001", ["path", "number"]),
    ])
    def test_in_query_and_path_is_422(self, bare_client, make_key, url, loc):
        assert loc in _field_errors(bare_client.get(url, headers=make_key("erp")))

    def test_in_a_json_body_is_422(self, bare_client, make_key, session):
        body = {"supplier_id": str(_supplier(session).id), "expected_amount": "1", "name": "huur\u0000"}
        r = bare_client.post("/v1/standing-orders", json=body, headers=make_key("erp"))
        assert ["body"] in _field_errors(r)
