"""Health, readiness, metrics, request ids, problem details for unknown routes."""

import logging


def test_healthz_answers_without_a_key(bare_client):
    assert bare_client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_what_is_missing(bare_client):
    r = bare_client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["status"] == "not ready"
    assert r.json()["problems"], "readyz must say what is missing"


def test_readyz_is_ready_with_database_and_artefacts(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.json()
    assert r.json() == {"status": "ready", "problems": []}


def test_metrics_count_requests_by_route_and_status(bare_client, make_key):
    bare_client.get("/healthz")
    bare_client.get("/v1/keys")
    body = bare_client.get("/metrics", headers=make_key("admin")).text
    assert 'einvoice_http_requests_total{method="GET",route="/healthz",status="200"} 1' in body
    assert 'route="/v1/keys",status="401"' in body
    assert "einvoice_http_request_duration_seconds_bucket" in body
    assert "# TYPE einvoice_invoices gauge" in body
    assert "# TYPE einvoice_webhook_deliveries gauge" in body
    assert "einvoice_feed_unpublished 0" in body


def test_metrics_count_invoices_by_status(bare_client, session, make_key):
    from service.models.invoices import Invoice, InvoiceStatus

    session.add(Invoice(sha256="e" * 64, document=b"<x/>", status=InvoiceStatus.needs_review))
    session.add(Invoice(sha256="f" * 64, document=b"<x/>", status=InvoiceStatus.needs_review))
    session.commit()
    assert 'einvoice_invoices{status="needs_review"} 2' in bare_client.get("/metrics", headers=make_key("admin")).text


def test_request_id_is_echoed_or_generated(bare_client):
    assert bare_client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    generated = bare_client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32


def test_request_id_is_on_every_log_line(bare_client, caplog):
    import json

    from service.logging import JsonFormatter

    with caplog.at_level(logging.INFO, logger="einvoice"):
        bare_client.get("/healthz", headers={"X-Request-ID": "trace-me"})
    records = [r for r in caplog.records if r.name == "einvoice"]
    assert records and all(r.request_id == "trace-me" for r in records)
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "trace-me"
    assert line["path"] == "/healthz" and line["status"] == 200


def test_unknown_route_is_a_problem_document(bare_client):
    r = bare_client.get("/nowhere")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_fastapis_own_telemetry_stays_off_even_with_providers_set(bare_app, monkeypatch):
    # off: it cost 9-11 us per request asking for providers only an OpenTelemetry SDK would set
    from fastapi import FastAPI
    from fastapi.telemetry import _asgi

    monkeypatch.setattr(_asgi, "_unconfigured", lambda provider: False)  # as if an SDK had set them
    assert FastAPI()._native_telemetry.enabled()
    assert not bare_app._native_telemetry.enabled()
