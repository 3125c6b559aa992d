"""Logging: plain text or JSON lines, with the request id on every line."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    # Every record, from any logger and for any handler, carries the current request id.
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get() or "-"
    return record


if getattr(_base_factory, "__name__", "") != "_record_with_request_id":
    logging.setLogRecordFactory(_record_with_request_id)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms", "principal"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# the handler configure_logging installed, its formatter, and whether it writes JSON
_installed: tuple[logging.StreamHandler, logging.Formatter, bool] | None = None


def configure_logging(level: str = "INFO", json_lines: bool = False) -> None:
    global _installed
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    _installed = (handler, formatter, json_lines)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # our access log line replaces uvicorn's (it carries the request id and duration)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Alembic announces its plugins and dialect at INFO whenever a command checks the schema.
    logging.getLogger("alembic").setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)


access_log = logging.getLogger("einvoice")
_ACCESS = "%s %s %s %.1fms"
_clock: tuple[int, str] = (-1, "")  # the last second written and its local date and time


def log_access(method: str, path: str, status: int, elapsed_ms: float) -> None:
    """The request's access log line: ``access_log.info`` as before, or, while logging is exactly
    as ``configure_logging`` left it (no other handler, filter or record factory), the same line
    written straight to its handler. Through the logging module the line cost about 80 us of the
    event loop's CPU per request (record, caller look-up, handler chain, formatter), directly about
    a fifth of that (issue #21, measured 2026-12-07)."""
    installed = _installed
    if installed is None or not _direct(installed[0], installed[1]):
        access_log.info(_ACCESS, method, path, status, elapsed_ms,
                        extra={"method": method, "path": path, "status": status,
                               "duration_ms": round(elapsed_ms, 2)})
        return
    handler, formatter, as_json = installed
    created = time.time()
    message = _ACCESS % (method, path, status, elapsed_ms)
    request_id = request_id_var.get() or "-"
    if as_json:
        line = json.dumps({"time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
                           "level": "INFO", "logger": access_log.name, "message": message,
                           "request_id": request_id, "method": method, "path": path, "status": status,
                           "duration_ms": round(elapsed_ms, 2)}, ensure_ascii=False)
    else:
        line = f"{_local_time(formatter, created)} INFO {access_log.name} [{request_id}] {message}"
    handler.acquire()
    try:
        handler.stream.write(line + handler.terminator)
        handler.flush()
    except (OSError, ValueError):  # what StreamHandler.emit would hand to handleError (closed, full, unencodable)
        handler.handleError(access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, message, None, None))
    finally:
        handler.release()


def _direct(handler: logging.Handler, formatter: logging.Formatter) -> bool:
    """Would the logging module send an INFO record of ``access_log`` to ``handler`` alone, as is?"""
    root = logging.root
    return (access_log.isEnabledFor(logging.INFO) and not access_log.disabled and not access_log.filters
            and not access_log.handlers and access_log.propagate and access_log.parent is root
            and len(root.handlers) == 1 and root.handlers[0] is handler and not handler.filters
            and handler.level <= logging.INFO and handler.formatter is formatter
            and logging.getLogRecordFactory() is _record_with_request_id)


def _local_time(formatter: logging.Formatter, created: float) -> str:
    """``formatter.formatTime`` of a record made at ``created``, the date and time rendered once a second."""
    global _clock
    second = int(created)
    seen, text = _clock
    if seen != second:
        text = time.strftime(formatter.default_time_format, formatter.converter(created))
        _clock = (second, text)
    return formatter.default_msec_format % (text, int((created - second) * 1000)) if formatter.default_msec_format \
        else text
