"""service/jsontext.py (orjson) writes the values the standard library's encoder wrote, and the
invoice resources' JSONBody the bytes JSONResponse wrote."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, String, cast, literal, select

from service import jsontext
from service.api.json_body import JSONBody

VALUES = [
    None, True, 0, -1, 2**63 - 1, 2**63, 2**64 + 1, -(2**70), 0.1, 1.5, -0.0, 1e16, 1e22, 5e-324, 1e-7,
    "", "plain", "Café Zoë — ß € 😀", "\x00\x01\x1f\x7f\u2028\u2029/\\\"\b\f\n\r\t", "\udc80 lone surrogate",
    [], {}, [1, "a", None, [2, {"b": []}]], (1, 2),
    {"z": 1, "a": 2, "m": {"y": [1, 2], "b": None}},  # key order is kept, not sorted
    {2: "int key", True: "bool key", None: "none key", 2.5: "float key"},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_text_stands_for_the_value_the_standard_library_wrote(value):
    before = json.loads(json.dumps(value))
    text = jsontext.dumps(value)
    assert json.loads(text) == before
    assert jsontext.dumps_bytes(value) == text.encode()
    assert list(_keys(json.loads(text))) == list(_keys(before))  # the order of keys too


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_the_text_is_compact_utf8():
    # what changed (and what the database now holds): no spaces, no \\u escapes of non-ASCII
    assert jsontext.dumps({"a": [1, "Café"]}) == '{"a":[1,"Café"]}'


@dataclass
class _Point:
    x: int


@pytest.mark.parametrize("value", [Decimal("1.10"), datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 1), {1, 2},
                                   _Point(1), {"nested": [object()]}], ids=repr)
def test_what_the_standard_library_refused_is_still_refused(value):
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        jsontext.dumps(value)


def test_reading_takes_what_only_the_standard_library_reads():
    assert math.isnan(jsontext.loads('{"x": NaN}')["x"])
    assert jsontext.loads(memoryview(b'{"x": [1, "\\u00e9"]}')) == {"x": [1, "é"]}


def test_the_database_writes_orjson_text_and_reads_with_the_standard_library(engine):
    value = {"name": "Café", "list": [1, None], "big": 2**63}
    big = {"big": 2**70}  # beyond orjson: written by the standard library
    with engine.connect() as conn:
        row = conn.execute(select(cast(literal(value, JSON), String), literal(value, JSON), literal(big, JSON))).one()
    assert row[0] == '{"name":"Café","list":[1,null],"big":9223372036854775808}'
    assert row[1] == value and row[2] == big and isinstance(row[2]["big"], int)  # orjson would read a float


RESOURCE = {
    "id": str(uuid.uuid4()), "status": "needs_review", "invoice_number": "Café/2026-ß",
    "totals": {"payable_amount": "1656.25"}, "seller": {"name": "Zoë \u2028 \"B.V.\"", "vat_id": None},
    "reasons": [{"code": "PO_NOT_FOUND", "message": "Geen order gevonden.\n"}], "validation": {
        "outcome": "valid", "duration_ms": 3.25, "counts": [0, 1, 2**63]}, "attachments": [],
    "dates": {"2026-01-01": True},
}


@pytest.mark.parametrize("content", [RESOURCE, [RESOURCE, RESOURCE], {}, "text", 1.0, 1e16, 2**64])
def test_the_body_is_what_json_response_wrote(content):
    assert JSONBody(content).body == JSONResponse(content).body
    assert JSONBody(content).headers["content-type"] == "application/json"


def test_the_body_differs_only_in_small_exponents():
    assert json.loads(JSONBody({"x": 1e-7}).body) == json.loads(JSONResponse({"x": 1e-7}).body)
