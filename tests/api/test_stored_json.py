"""A new invoice's JSON on both databases (service/jsontext.py): every value the flow stores (the
EN 16931 model, the validation report, reasons, the decision and its inputs, audit and feed entries,
the webhook outbox) is stored as text that stands for the value the standard library's encoder
wrote before; the webhook body signed from the stored payload is byte for byte the one signed
before; the answers (the invoice, the list, its data and validation report) are the bytes
JSONResponse wrote."""

from __future__ import annotations

import json

from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, cast, select
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from service import jsontext
from service.db import make_engine, unit_of_work
from service.erp.dispatcher import encode
from service.erp.signing import sign
from service.erp.webhooks import create_subscription
from service.main import create_app
from service.models.base import metadata
from service.models.erp import WebhookDelivery
from tests.conftest import MIRROR

BASE = (MIRROR / "peppol-bis-billing-3" / "rules" / "examples" / "base-example.xml").read_bytes()
SELLER = "Leverancier Café Zoë — ß € “quoted” \\ B.V."
DOC = BASE.replace(b"<cbc:RegistrationName>SupplierOfficialName Ltd</cbc:RegistrationName>",
                   f"<cbc:RegistrationName>{SELLER}</cbc:RegistrationName>".encode(), 1)


def _json_columns():
    for table in metadata.sorted_tables:
        for column in table.columns:
            kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
            if isinstance(kind, JSON):
                yield table, column


def _stored_texts(engine) -> set[tuple[str, str, str]]:
    """Every JSON value in the database as the text it is stored as."""
    out = set()
    with engine.connect() as conn:
        for table, column in _json_columns():
            for (text,) in conn.execute(select(cast(column, String)).where(column.is_not(None))):
                out.add((table.name, column.name, text))
    return out


def test_a_new_invoice_stores_the_values_it_stored_before(db_url, engine, settings, validation, make_key,
                                                          monkeypatch):
    written: dict[str, object] = {}  # text -> the value the engine was given

    def recording(encoder):
        def dumps(value):
            text = encoder(value)
            written[text.decode() if isinstance(text, bytes) else text] = value
            return text
        return dumps

    monkeypatch.setattr(jsontext, "dumps", recording(jsontext.dumps))
    monkeypatch.setattr(jsontext, "dumps_bytes", recording(jsontext.dumps_bytes))
    eng = make_engine(db_url)  # (the fixture's engine empties the tables afterwards)
    try:
        with unit_of_work(eng) as s:
            create_subscription(s, url="https://erp.example.test/hook", event_types=["*"], secret="whsec_" + "s" * 32,
                                description="", active=True, actor="test")
        gateway = {**make_key("gateway"), "Content-Type": "application/xml"}
        before = _stored_texts(eng)
        with TestClient(create_app(settings, engine=eng, validation=validation)) as client:
            created = client.post("/v1/invoices", content=DOC, headers=gateway)
            assert created.status_code == 201, created.text
            read = client.get(f"/v1/invoices/{created.json()['id']}", headers=gateway)
            answers = [created, read] + [client.get(f"/v1/invoices{path}", headers=gateway) for path in (
                "", f"/{created.json()['id']}/data", f"/{created.json()['id']}/validation")]
        new = _stored_texts(eng) - before

        tables = {table for table, _, _ in new}
        assert {"invoices", "match_decisions", "change_feed", "webhook_deliveries"} <= tables, tables
        for table, column, text in new:
            assert text in written, (table, column, text[:200])  # the text the engine wrote, kept as it is
            assert json.loads(text) == json.loads(json.dumps(written[text])), (table, column)
        data = next(text for table, column, text in new if (table, column) == ("invoices", "data"))
        assert json.loads(data)["seller"]["name"] == SELLER
        assert json.dumps(SELLER, ensure_ascii=False) in data  # orjson's text: UTF-8, compact

        with Session(eng) as s:
            deliveries = s.exec(select(WebhookDelivery.id, cast(WebhookDelivery.payload, String))).all()
            assert len(deliveries) >= 2  # received, then needs_review or approved
            for delivery_id, stored_text in deliveries:
                body = encode(s.get_one(WebhookDelivery, delivery_id).payload)  # as the dispatcher sends it
                assert body == encode(json.loads(json.dumps(written[stored_text])))  # what was signed before
                assert sign("whsec_x", 1, body) == sign("whsec_x", 1, encode(written[stored_text]))

        for answer in answers:
            assert answer.status_code in (200, 201), answer.text
            assert answer.content == JSONResponse(answer.json()).body, answer.url
    finally:
        eng.dispose()
