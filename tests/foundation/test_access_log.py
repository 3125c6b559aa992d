"""The access log line written straight to the configured handler (service.logging.log_access) is
the line the logging module writes, text and JSON, and the logging module still writes it whenever
anything else listens (a filter, another handler)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from service import logging as service_logging
from service.logging import configure_logging, log_access, request_id_var


@pytest.fixture
def stderr() -> io.StringIO:
    """What configure_logging's handler writes; the logging set-up of the test run is put back after."""
    root, einvoice = logging.getLogger(), logging.getLogger("einvoice")
    saved = (root.handlers[:], root.level, einvoice.level, service_logging._installed)
    uvicorn = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate,
                      logging.getLogger(name).level) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    alembic = logging.getLogger("alembic").level
    out = io.StringIO()
    token = request_id_var.set("req-1")
    yield out
    request_id_var.reset(token)
    root.handlers[:], root.level, service_logging._installed = saved[0], saved[1], saved[3]
    einvoice.setLevel(saved[2])
    for name, (handlers, propagate, level) in uvicorn.items():
        lg = logging.getLogger(name)
        lg.handlers[:], lg.propagate = handlers, propagate
        lg.setLevel(level)
    logging.getLogger("alembic").setLevel(alembic)


def _configure(out: io.StringIO, level: str = "INFO", *, json_lines: bool) -> None:
    configure_logging(level, json_lines=json_lines)
    logging.getLogger().handlers[0].setStream(out)  # pytest's capture holds sys.stderr during a test


def _both_ways(out: io.StringIO) -> tuple[str, str]:
    """The line written directly, then the same line through the logging module (a filter that lets
    everything pass makes log_access use it)."""
    log_access("POST", "/v1/invoices", 201, 12.345)
    direct = out.getvalue()
    out.truncate(0)
    out.seek(0)
    passing = logging.Filter()
    service_logging.access_log.addFilter(passing)
    try:
        log_access("POST", "/v1/invoices", 201, 12.345)
    finally:
        service_logging.access_log.removeFilter(passing)
    return direct, out.getvalue()


def test_the_text_line_is_the_logging_modules_line(stderr):
    _configure(stderr, json_lines=False)
    direct, logged = _both_ways(stderr)
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    assert re.fullmatch(stamp + r"INFO einvoice \[req-1\] POST /v1/invoices 201 12\.3ms\n", direct), direct
    assert re.sub(stamp, "", direct) == re.sub(stamp, "", logged)


def test_the_json_line_is_the_logging_modules_line(stderr):
    _configure(stderr, json_lines=True)
    direct, logged = (json.loads(line) for line in _both_ways(stderr))
    assert list(direct) == list(logged)  # the same fields in the same order
    assert direct.pop("time")[:10] == logged.pop("time")[:10]
    assert direct == logged == {"level": "INFO", "logger": "einvoice", "message": "POST /v1/invoices 201 12.3ms",
                                "request_id": "req-1", "method": "POST", "path": "/v1/invoices", "status": 201,
                                "duration_ms": 12.35}


def test_the_direct_line_makes_no_log_record(stderr, monkeypatch):
    _configure(stderr, json_lines=False)
    made = []
    real = logging.Logger.makeRecord
    monkeypatch.setattr(logging.Logger, "makeRecord", lambda self, *a, **k: made.append(a) or real(self, *a, **k))
    log_access("GET", "/healthz", 200, 0.5)
    assert made == [] and "GET /healthz 200 0.5ms" in stderr.getvalue()


def test_a_higher_level_or_another_handler_is_respected(stderr, caplog):
    _configure(stderr, "WARNING", json_lines=False)
    log_access("GET", "/healthz", 200, 0.5)
    assert stderr.getvalue() == ""
    logging.getLogger().addHandler(caplog.handler)  # a second handler: every line through the logging module
    with caplog.at_level(logging.INFO, logger="einvoice"):
        log_access("GET", "/healthz", 200, 0.5)
    assert [r.getMessage() for r in caplog.records] == ["GET /healthz 200 0.5ms"]
    assert stderr.getvalue().endswith("INFO einvoice [req-1] GET /healthz 200 0.5ms\n")
    assert caplog.records[0].request_id == "req-1" and caplog.records[0].status == 200
