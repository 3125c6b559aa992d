"""Validation in a child process of each server process, within a time budget.

Saxon and libxml2 hold the interpreter lock while they work: a 5,000-line invoice validated in a
thread starved every other thread of its process for 4.7 s (measured), so /healthz and the other
requests of that worker stalled with it, and no thread can stop such work. In a child process
the server's threads run on while a document is validated, and a validation that runs past the
budget is stopped for real: the child is killed (and a fresh one started), and the document is
refused with ``/problems/validation-time-exceeded`` (422; nothing stored).

The child speaks over its stdin/stdout in length-prefixed frames: the time of receipt (ISO 8601),
a newline and the document in; the report's JSON out (the warm-up answer, a list of problems, is
JSON too). It ends when its parent does (end of its stdin). The parent waits for an answer on the
pipe itself (poll with the budget's deadline) rather than in a thread per document: starting and
joining a thread cost the worker 0.13 ms of CPU per invoice (measured), a fifth of the hand-off.
"""

from __future__ import annotations

import logging
import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from service import jsontext
from service.config import Settings
from service.errors import ServiceError
from service.validation.artefacts import load_manifest, release_states
from service.validation.releases import classify, release_warnings
from service.validation.report import DocumentIdentity, ValidationReport

__all__ = ["ChildReport", "ValidationProcess", "ValidationTimeExceeded", "start_validation"]

log = logging.getLogger("einvoice.validation")
_FRAME = struct.Struct(">Q")
_CHUNK = 1 << 16  # a pipe's buffer on Linux: one read takes what the child could write at once
# Settings the child needs; it reads nothing else (the rest of the environment stays the parent's).
_CHILD_SETTINGS = ("artifacts_dir", "validation_cache_dir", "accepted_scenarios", "schemas_manifest")


class ValidationTimeExceeded(ServiceError):
    status, slug, title = 422, "validation-time-exceeded", "The document could not be validated within the time budget"


class _ChildGone(RuntimeError):
    pass


def _write(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_FRAME.pack(len(payload)) + payload)
    stream.flush()


def _read(stream: IO[bytes]) -> bytes:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        raise _ChildGone("the validation process ended")
    (size,) = _FRAME.unpack(head)
    return stream.read(size)


def _send(fd: int, payload: bytes) -> None:
    """One frame to the child. A blocking write: the child reads whatever comes in at once."""
    view = memoryview(_FRAME.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int, poller: select.poll, deadline: float | None) -> bytes | None:
    """One frame from the child, or None when ``deadline`` (``time.monotonic``) passes first.
    Raises ``_ChildGone`` when the pipe ends mid-way."""
    data = bytearray()
    size = None
    while size is None or len(data) < _FRAME.size + size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return None
        chunk = os.read(fd, _CHUNK if size is None else _FRAME.size + size - len(data))
        if not chunk:
            raise _ChildGone("the validation process ended")
        data += chunk
        if size is None and len(data) >= _FRAME.size:
            (size,) = _FRAME.unpack_from(data)
    return bytes(data[_FRAME.size:])


class ChildReport:
    """The child's report as the intake uses it: what a new invoice needs (``valid``, ``document``,
    ``release``, the stored form ``model_dump(mode="json")``) straight from the report's JSON; the
    ``ValidationReport`` itself is built only when anything else is asked for (a rejection's
    reasons). The model and its dump cost the worker 0.14 ms per invoice, the JSON alone 0.07 ms
    (measured in the flow: just after the child's answer, with the caches cold). The JSON is read by
    orjson (``jsontext.loads``; its numbers are lines, columns, counts and durations): 0.10 -> 0.06 ms."""

    __slots__ = ("_answer", "_model", "_stored", "document", "release", "valid")

    def __init__(self, answer: bytes) -> None:
        self._answer = answer
        self._stored: dict[str, Any] | None = jsontext.loads(answer)
        self._model: ValidationReport | None = None
        assert self._stored is not None
        self.valid: bool = self._stored["outcome"] == "valid"
        self.document = DocumentIdentity.model_validate(self._stored["document"])
        self.release: str | None = self._stored["release"]

    @property
    def report(self) -> ValidationReport:
        if self._model is None:
            self._model = ValidationReport.model_validate_json(self._answer)
        return self._model

    def model_dump(self, *, mode: str = "python", **options: Any) -> dict[str, Any]:
        """As ``ValidationReport.model_dump``; the first JSON-mode dump is the dict already parsed
        (each caller still gets a dict of its own)."""
        if mode == "json" and not options:
            stored, self._stored = self._stored, None
            return stored if stored is not None else jsontext.loads(self._answer)
        return self.report.model_dump(mode=mode, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.report, name)


class ValidationProcess:
    """Looks like the engine to the intake (``validate``, ``artifacts_dir``, ``release_warnings``)."""

    def __init__(self, settings: Settings, *, budget_seconds: float) -> None:
        self.artifacts_dir = Path(settings.artifacts_dir)
        self.budget_seconds = budget_seconds
        self._settings = {name: getattr(settings, name) for name in _CHILD_SETTINGS}
        self._manifest = load_manifest(settings.schemas_manifest)
        self._release_states = release_states(self.artifacts_dir, self._manifest)
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._poller = select.poll()  # the child's stdout, registered anew for each child
        self._warming = False
        self.problems = self._start()

    # the child ---------------------------------------------------------------------------------
    def _spawn(self) -> None:
        """Start a child; it warms its engine while this process goes on (``_await_ready``)."""
        env = {**os.environ, "EINVOICE_VALIDATION_CHILD_SETTINGS": repr(
            {k: str(v) if isinstance(v, Path) else v for k, v in self._settings.items()})}
        self._child = subprocess.Popen([sys.executable, "-m", "service.validation_process"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0)
        assert self._child.stdout is not None
        self._poller = select.poll()
        self._poller.register(self._child.stdout.fileno(), select.POLLIN)
        self._warming = True

    def _await_ready(self) -> list[str]:
        """Wait until the child's engine is warm; the problems it found (none = ready)."""
        assert self._child is not None and self._child.stdout is not None
        try:
            problems = json.loads(cast(bytes, _receive(self._child.stdout.fileno(), self._poller, None)))
        except _ChildGone:
            problems = ["the validation process did not start"]
        self._warming = False
        if problems:
            self.close()
        return problems

    def _start(self) -> list[str]:
        self._spawn()
        return self._await_ready()

    def close(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.wait()

    # the engine's face -----------------------------------------------------------------------
    def validate(self, xml: bytes, *, tree: Any = None, received_at: datetime | None = None) -> ChildReport:
        """The report of ``xml`` (``tree`` is ignored: the child parses for itself). Raises
        ``ValidationTimeExceeded`` when the budget runs out: the child is killed and a fresh one
        started (the next document waits for it to warm up)."""
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._spawn()
            if self._warming:
                self.problems = self._await_ready()
                if self.problems:
                    raise RuntimeError("validation process unavailable: " + "; ".join(self.problems))
            answer = self._ask(xml, received_at or datetime.now(UTC))
        return ChildReport(answer)

    def _ask(self, xml: bytes, received_at: datetime) -> bytes:
        """The child's report of ``xml`` as JSON, within the budget (the caller holds the lock)."""
        child = self._child
        assert child is not None and child.stdin is not None and child.stdout is not None
        try:
            _send(child.stdin.fileno(), received_at.isoformat().encode() + b"\n" + xml)
            answer = _receive(child.stdout.fileno(), self._poller, time.monotonic() + self.budget_seconds)
        except (_ChildGone, OSError):  # the child died on this document: a bug, not the document's fault
            self.close()
            raise RuntimeError("the validation process ended while validating a document") from None
        if answer is None:
            log.warning("validation stopped after %g s: the child is replaced", self.budget_seconds)
            self.close()
            self._spawn()
            raise ValidationTimeExceeded(
                f"validating this document took longer than {self.budget_seconds:g} seconds "
                "(EINVOICE_VALIDATION_BUDGET_SECONDS); it was stopped and nothing was stored",
                budget_seconds=self.budget_seconds,
            )
        return answer

    def release_warnings(self, now: datetime | None = None) -> list[str]:
        problems = {st.release.id: st.problems for st in self._release_states}
        return release_warnings(classify(self._manifest.releases, problems, now or datetime.now(UTC)))


def start_validation(settings: Settings) -> tuple[Any, list[str]]:
    """The server's validation: in a child process within the budget, or in this process when
    ``validation_budget_seconds`` is 0. Returns ``(engine or None, problems)`` (/readyz)."""
    from service.validation_setup import load_validation

    if settings.validation_budget_seconds <= 0:
        return load_validation(settings)
    process = ValidationProcess(settings, budget_seconds=settings.validation_budget_seconds)
    if process.problems:
        return None, process.problems
    log.info("validation process ready (budget %g s)", settings.validation_budget_seconds)
    return process, []


def _serve() -> None:
    """The child: build and warm the engine, then validate what comes in until stdin ends."""
    import ast

    from service.validation_setup import load_validation

    given = ast.literal_eval(os.environ["EINVOICE_VALIDATION_CHILD_SETTINGS"])
    settings = Settings(**{k: v for k, v in given.items() if v is not None})
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    engine, problems = load_validation(settings)
    _write(stdout, json.dumps(problems).encode())
    if engine is None:
        return
    while True:
        try:
            stamp, _, xml = _read(stdin).partition(b"\n")
        except _ChildGone:
            return
        report = engine.validate(xml, received_at=datetime.fromisoformat(stamp.decode()))
        _write(stdout, report.model_dump_json().encode())

if __name__ == "__main__":
    _serve()
