"""The access log line (service.logging.log_access) goes through the logging module like any other
line, as the record ``access_log.info`` would make; configure_logging's formatters write the lines
the standard formatter (text) and ``json.dumps`` (JSON) wrote, byte for byte."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from datetime import UTC, datetime

import pytest

from service import logging as service_logging
from service.logging import TEXT_FORMAT, JsonFormatter, TextFormatter, configure_logging, log_access, request_id_var


@pytest.fixture
def stderr() -> io.StringIO:
    """What configure_logging's handler writes; the logging set-up of the test run is put back after."""
    root, einvoice = logging.getLogger(), logging.getLogger("einvoice")
    saved = (root.handlers[:], root.level, einvoice.level)
    uvicorn = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate,
                      logging.getLogger(name).level) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    alembic = logging.getLogger("alembic").level
    out = io.StringIO()
    token = request_id_var.set("req-1")
    yield out
    request_id_var.reset(token)
    root.handlers[:], root.level = saved[0], saved[1]
    einvoice.setLevel(saved[2])
    for name, (handlers, propagate, level) in uvicorn.items():
        lg = logging.getLogger(name)
        lg.handlers[:], lg.propagate = handlers, propagate
        lg.setLevel(level)
    logging.getLogger("alembic").setLevel(alembic)


def _configure(out: io.StringIO, level: str = "INFO", *, json_lines: bool) -> None:
    configure_logging(level, json_lines=json_lines)
    logging.getLogger().handlers[0].setStream(out)  # pytest's capture holds sys.stderr during a test


def _record(created: float, message: str = "POST /v1/invoices 201 12.3ms", **fields) -> logging.LogRecord:
    record = logging.LogRecord("einvoice", logging.INFO, __file__, 1, message, None, None)
    record.created, record.msecs = created, int((created - int(created)) * 1000) + 0.0
    record.request_id = "req-1"
    record.__dict__.update(fields)
    return record


# the same second twice (the second line reuses the first one's date and time), the next second,
# the last millisecond of a second and an hour later
TIMES = (1_796_000_000.0124, 1_796_000_000.9871, 1_796_000_001.5, 1_796_000_001.9999, 1_796_003_601.25)


def test_the_text_formatter_writes_the_standard_formatters_lines():
    ours, standard = TextFormatter(), logging.Formatter(TEXT_FORMAT)
    for created in TIMES:
        record = _record(created)
        assert ours.format(record) == standard.format(record)
    try:
        raise ValueError("boom")
    except ValueError:
        failed = _record(TIMES[0], "failed")
        failed.exc_info = sys.exc_info()
    assert ours.format(failed) == standard.format(failed)
    assert ours.formatTime(failed, "%H:%M") == standard.formatTime(failed, "%H:%M")


def test_the_json_formatter_writes_json_dumps_lines():
    fields = {"method": "POST", "path": "/v1/invoices/é", "status": 201, "duration_ms": 12.35}
    for created in TIMES:
        record = _record(created, "POST /v1/invoices/é 201 12.3ms", **fields)
        expected = {"time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"), "level": "INFO",
                    "logger": "einvoice", "message": "POST /v1/invoices/é 201 12.3ms", "request_id": "req-1",
                    **fields}
        assert JsonFormatter().format(record) == json.dumps(expected, ensure_ascii=False)


def test_the_text_line(stderr):
    _configure(stderr, json_lines=False)
    log_access("POST", "/v1/invoices", 201, 12.345)
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    assert re.fullmatch(stamp + r"INFO einvoice \[req-1\] POST /v1/invoices 201 12\.3ms\n", stderr.getvalue())


def test_the_json_line(stderr):
    _configure(stderr, json_lines=True)
    log_access("POST", "/v1/invoices", 201, 12.345)
    line = json.loads(stderr.getvalue())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line.pop("time"))
    assert line == {"level": "INFO", "logger": "einvoice", "message": "POST /v1/invoices 201 12.3ms",
                    "request_id": "req-1", "method": "POST", "path": "/v1/invoices", "status": 201,
                    "duration_ms": 12.35}


def _info_as_log_access_called_it(method: str, path: str, status: int, elapsed_ms: float) -> None:
    """The call log_access stands for (as it was before it made its record itself)."""
    service_logging.access_log.info("%s %s %s %.1fms", method, path, status, elapsed_ms,
                                    extra={"method": method, "path": path, "status": status,
                                           "duration_ms": round(elapsed_ms, 2)})


def test_the_record_is_the_one_info_makes(caplog, monkeypatch):
    looked_up = []
    real = logging.Logger.findCaller
    monkeypatch.setattr(logging.Logger, "findCaller", lambda self, *a, **k: looked_up.append(self) or real(self, *a, **k))
    with caplog.at_level(logging.INFO, logger="einvoice"):
        log_access("GET", "/healthz", 200, 0.5)
        assert looked_up == []  # the caller is known: no search of the stack
        _info_as_log_access_called_it("GET", "/healthz", 200, 0.5)
    ours, infos = ([{k: v for k, v in vars(r).items() if k not in _PER_CALL} for r in caplog.records])
    assert ours["pathname"] == service_logging.__file__ and ours["funcName"] == "log_access"
    infos.update(pathname=service_logging.__file__, filename="logging.py", module="logging", funcName="log_access")
    assert ours == infos


# what differs between two records of the same call: when, and the caller's line
_PER_CALL = {"created", "msecs", "relativeCreated", "lineno"}


def test_a_higher_level_a_filter_or_another_handler_is_respected(stderr, caplog):
    _configure(stderr, "WARNING", json_lines=False)
    log_access("GET", "/healthz", 200, 0.5)
    assert stderr.getvalue() == ""
    logging.getLogger().addHandler(caplog.handler)  # a second handler
    with caplog.at_level(logging.INFO, logger="einvoice"):
        log_access("GET", "/healthz", 200, 0.5)
        refusing = logging.Filter("nobody")
        service_logging.access_log.addFilter(refusing)
        try:
            log_access("GET", "/refused", 200, 0.5)
        finally:
            service_logging.access_log.removeFilter(refusing)
    assert [r.getMessage() for r in caplog.records] == ["GET /healthz 200 0.5ms"]
    assert stderr.getvalue().endswith("INFO einvoice [req-1] GET /healthz 200 0.5ms\n")
    assert caplog.records[0].request_id == "req-1" and caplog.records[0].status == 200
