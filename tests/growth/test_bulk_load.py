"""The bulk loader (bench/bulk_load.py) stores exactly what POST /v1/invoices stores, so growth
figures measured on a bulk-filled database hold for one filled through the API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bench.bulk_load import KnownValid, fill
from bench.load_documents import base_example, distinct, seller_address
from service.db import make_engine
from service.migrations import upgrade
from service.models.erp import FeedEntry
from service.models.invoices import AuditEvent, Invoice
from service.models.matching import MatchDecision

VARIES = {"validated_at", "duration_ms", "received_at"}  # per run (the report's and each layer's)


def steady(value):
    """``value`` without the parts of a report that vary per run, at any depth."""
    if isinstance(value, dict):
        return {k: steady(v) for k, v in value.items() if k not in VARIES}
    if isinstance(value, (list, tuple)):
        return [steady(v) for v in value]
    return value


@pytest.mark.parametrize("i", [0, 1, 364, 365, 1234, 499_999])
def test_the_real_engine_gives_each_load_document_the_templates_report(validation, i):
    engine = validation[0]
    base = base_example(engine.artifacts_dir)
    template = KnownValid(engine.validate(distinct(base, "T", 0)), engine.artifacts_dir)
    doc = distinct(base, "LOAD", i)
    real = engine.validate(doc)
    assert real.valid, real.findings
    assert steady(template.validate(doc).model_dump(mode="json")) == steady(real.model_dump(mode="json"))
    assert f'schemeID="0106">{seller_address(i % 500).split(":")[1]}<'.encode() in doc


def _stored(engine) -> dict[str, dict]:
    """Per invoice number: what intake stored for it (ids and times left out)."""
    out = {}
    with Session(engine) as s:
        for inv in s.exec(select(Invoice)).scalars():
            report = steady(inv.validation_report)
            decision = s.exec(select(MatchDecision).where(MatchDecision.invoice_id == inv.id)).scalars().one()
            out[inv.invoice_number] = {
                "status": inv.status, "reasons": inv.reasons, "seller_key": inv.seller_key,
                "supplier_id": inv.supplier_id, "keys": (inv.number_key, inv.number_key_runs, inv.order_key),
                "dates": (inv.issue_date, inv.due_date), "amounts": (inv.payable_amount, inv.tax_inclusive_amount),
                "data": inv.data, "dedup_key": inv.dedup_key, "sha256": inv.sha256, "document": inv.document,
                "report": report, "release": inv.validation_release, "syntax": inv.syntax,
                "audit": [(e.from_status, e.to_status, e.actor, e.reason_codes) for e in s.exec(
                    select(AuditEvent).where(AuditEvent.invoice_id == inv.id).order_by(AuditEvent.at)).scalars()],
                "feed": [(f.from_status, f.to_status, f.reason_codes) for f in s.exec(
                    select(FeedEntry).where(FeedEntry.invoice_id == inv.id).order_by(FeedEntry.seq)).scalars()],
                "decision": (decision.outcome, decision.reason_codes, decision.engine_version, decision.decision),
            }
    return out


def test_bulk_loaded_invoices_equal_those_posted_over_http(validation, client, make_key, engine, tmp_path):
    artifacts = validation[0].artifacts_dir
    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    upgrade(url)
    n = 12
    assert fill(url, artifacts, n, sellers=5, run="EQ", progress=False, engine=validation[0]) == n
    gateway = {**make_key("gateway"), "Content-Type": "application/xml"}
    base = base_example(artifacts)
    for i in range(n):
        r = client.post("/v1/invoices", content=distinct(base, "EQ", i, sellers=5), headers=gateway)
        assert r.status_code == 201, r.text
    bulk = make_engine(url)
    try:
        loaded, posted = _stored(bulk), _stored(engine)
    finally:
        bulk.dispose()
    assert len(loaded) == n and sorted(loaded) == sorted(posted)
    for number in posted:
        for field, value in posted[number].items():
            if field == "audit":  # the actor is the key that posted: "key:<prefix>" vs the loader's
                value = [(a, b, "key:bulk-load" if c.startswith("key:") else c, d) for a, b, c, d in value]
            assert loaded[number][field] == value, (number, field)
    assert any(p["reasons"] for p in posted.values())  # unknown sellers: SUPPLIER_UNKNOWN, compared too
    assert uuid.UUID(int=0) not in {p["supplier_id"] for p in posted.values()}
