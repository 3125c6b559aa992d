"""Validation in a child process of each server process, within a time budget.

Saxon and libxml2 hold the interpreter lock while they work: a 5,000-line invoice validated in a
thread starved every other thread of its process for 4.7 s (measured), so /healthz and the other
requests of that worker stalled with it, and no thread can stop such work. In a child process
the server's threads run on while a document is validated, and a validation that runs past the
budget is stopped for real: the child is killed (and a fresh one started), and the document is
refused with ``/problems/validation-time-exceeded`` (422; nothing stored).

The child speaks over its stdin/stdout: length-prefixed pickles of (xml, received_at) in and
the report's JSON out. It ends when its parent does (end of its stdin).
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from service.config import Settings
from service.errors import ServiceError
from service.validation.artefacts import load_manifest, release_states
from service.validation.releases import classify, release_warnings
from service.validation.report import ValidationReport

__all__ = ["ValidationProcess", "ValidationTimeExceeded", "start_validation"]

log = logging.getLogger("einvoice.validation")
_FRAME = struct.Struct(">Q")
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
        self._warming = False
        self.problems = self._start()

    # the child ---------------------------------------------------------------------------------
    def _spawn(self) -> None:
        """Start a child; it warms its engine while this process goes on (``_await_ready``)."""
        env = {**os.environ, "EINVOICE_VALIDATION_CHILD_SETTINGS": repr(
            {k: str(v) if isinstance(v, Path) else v for k, v in self._settings.items()})}
        self._child = subprocess.Popen([sys.executable, "-m", "service.validation_process"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._warming = True

    def _await_ready(self) -> list[str]:
        """Wait until the child's engine is warm; the problems it found (none = ready)."""
        assert self._child is not None and self._child.stdout is not None
        try:
            problems = pickle.loads(_read(self._child.stdout))
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
    def validate(self, xml: bytes, *, tree: Any = None, received_at: datetime | None = None) -> ValidationReport:
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
            child = self._child
            assert child is not None and child.stdin is not None and child.stdout is not None
            answer: list[bytes | None] = []

            def read() -> None:
                try:
                    answer.append(_read(child.stdout))
                except (_ChildGone, OSError, ValueError):
                    answer.append(None)

            reader = threading.Thread(target=read, daemon=True)
            try:
                _write(child.stdin, pickle.dumps((xml, received_at or datetime.now(UTC))))
            except OSError:
                answer.append(None)
            else:
                reader.start()
                reader.join(self.budget_seconds)
            if not answer:
                log.warning("validation stopped after %g s: the child is replaced", self.budget_seconds)
                self.close()
                self._spawn()
                raise ValidationTimeExceeded(
                    f"validating this document took longer than {self.budget_seconds:g} seconds "
                    "(EINVOICE_VALIDATION_BUDGET_SECONDS); it was stopped and nothing was stored",
                    budget_seconds=self.budget_seconds,
                )
            if answer[0] is None:  # the child died on this document: a bug, not the document's fault
                self.close()
                raise RuntimeError("the validation process ended while validating a document")
        return ValidationReport.model_validate_json(answer[0])

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
    _write(stdout, pickle.dumps(problems))
    if engine is None:
        return
    while True:
        try:
            xml, received_at = pickle.loads(_read(stdin))
        except _ChildGone:
            return
        _write(stdout, engine.validate(xml, received_at=received_at).model_dump_json().encode())


if __name__ == "__main__":
    _serve()
