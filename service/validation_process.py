"""Validation in a child process of each server process, within a time budget.

Saxon and libxml2 hold the interpreter lock while they work: a 5,000-line invoice validated in a
thread starved every other thread of its process for 4.7 s (measured), so /healthz and the other
requests of that worker stalled with it, and no thread can stop such work. In a child process
the server's threads run on while a document is validated, and a validation that runs past the
budget is stopped for real: the child is killed (and a fresh one started), and the document is
refused with ``/problems/validation-time-exceeded`` (422; nothing stored).

The child speaks over its stdin/stdout in length-prefixed frames (8-byte big-endian length, then
the bytes). Once, at start: out the warm-up answer, a JSON list of problems (empty: ready). Then for
each document, in: the time of receipt (ISO 8601), a newline and the document; out two frames:

1. the report's JSON;
2. the invoice's EN 16931 model, which the intake would otherwise parse itself after the report:
   empty when the child did not parse it (the report is not valid, an envelope holds no invoice,
   the document is too large to keep its tree beside the engine's streaming, or the parser failed
   otherwise than with ``DocumentError``): the worker then parses as before; or a pickle of the
   ``InvoiceDocument`` or of the ``DocumentError`` that ``parse_document`` gave. The worker's CPU
   is the server's bottleneck, the child's core has room: unpickling the model costs the worker
   0.25 ms where parsing it cost 0.66 ms, 0.37 ms less per invoice with the second frame's read
   (base example, in the flow, medians of 15 alternated rounds of 50). Pickle, because it carries
   the whole model (attachment bytes, which the model's JSON leaves out, included); the worker
   unpickles nothing but the model's own classes.

The budget covers the report alone (frame 1), as when the worker parsed: the model follows it.
The child ends when its parent does (end of its stdin). The parent waits for an answer on the
pipe itself (poll with the budget's deadline) rather than in a thread per document: starting and
joining a thread cost the worker 0.13 ms of CPU per invoice (measured), a fifth of the hand-off.
"""

from __future__ import annotations

import io
import logging
import json
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from enum import Enum, EnumMeta
from pathlib import Path
from typing import IO, Any, cast

from lxml import etree

from service import jsontext
from service.config import Settings
from service.en16931 import model as en16931_model
from service.en16931.model import InvoiceDocument
from service.en16931.parser import DocumentError, parse_document
from service.errors import ServiceError
from service.validation.artefacts import load_manifest, release_states
from service.validation.envelope import invoice_of
from service.validation.memory import LARGE_DOCUMENT_BYTES
from service.validation.xmlsafe import UnsafeXmlError, XmlSyntaxError, parse_bytes
from service.validation.releases import classify, release_warnings
from service.validation.report import DocumentIdentity, ValidationReport

__all__ = ["ChildReport", "ValidationProcess", "ValidationTimeExceeded", "parse_invoice", "start_validation"]

log = logging.getLogger("einvoice.validation")
_FRAME = struct.Struct(">Q")
_CHUNK = 1 << 16  # a pipe's buffer on Linux: one read takes what the child could write at once
# Settings the child needs; it reads nothing else (the rest of the environment stays the parent's).
_CHILD_SETTINGS = ("artifacts_dir", "validation_cache_dir", "accepted_scenarios", "schemas_manifest")


class ValidationTimeExceeded(ServiceError):
    status, slug, title = 422, "validation-time-exceeded", "The document could not be validated within the time budget"


class _ChildGone(RuntimeError):
    pass


def _write(stream: IO[bytes], *payloads: bytes) -> None:
    """Frames to the parent, in one write."""
    stream.write(b"".join(_FRAME.pack(len(payload)) + payload for payload in payloads))
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


class _Frames:
    """The frames that come out of one child's stdout. The child may have written two frames before
    the parent reads (report and model): what a read takes beyond a frame is kept for the next."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.poller = select.poll()
        self.poller.register(fd, select.POLLIN)
        self.pending = bytearray()

    def receive(self, deadline: float | None) -> bytes | None:
        """The next frame, or None when ``deadline`` (``time.monotonic``) passes first. Raises
        ``_ChildGone`` when the pipe ends mid-way."""
        while (size := self._complete()) is None:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not self.poller.poll(left * 1000):
                    return None
            chunk = os.read(self.fd, _CHUNK)
            if not chunk:
                raise _ChildGone("the validation process ended")
            self.pending += chunk
        frame = bytes(self.pending[_FRAME.size:_FRAME.size + size])
        del self.pending[:_FRAME.size + size]
        return frame

    def _complete(self) -> int | None:
        """The size of the first pending frame when all of it is here."""
        if len(self.pending) < _FRAME.size:
            return None
        (size,) = _FRAME.unpack_from(self.pending)
        return size if len(self.pending) >= _FRAME.size + size else None


class _ModelUnpickler(pickle.Unpickler):
    """Builds nothing but what a parsed model is made of: the child reads untrusted documents, and
    a pickle that named any other class or function would run it in the worker."""

    _ALLOWED = frozenset({("decimal", "Decimal"), ("datetime", "date"), ("service.en16931.values", "DocumentError")}
                         | {("service.en16931.model", name) for name in en16931_model.__all__})

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _enum_member  # how some Pythons pickle an enum member (3.11.2's StrEnum: by name)
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"not part of a parsed model: {module}.{name}")
        return super().find_class(module, name)


def _enum_member(owner: Any, name: str) -> Enum:
    """``getattr(owner, name)`` as a pickle of an enum member asks for it, and nothing else: a
    general ``getattr`` would reach any attribute of an allowed class (``__class__`` and on)."""
    if not (isinstance(owner, EnumMeta) and isinstance(name, str) and name in owner.__members__):
        raise pickle.UnpicklingError(f"not part of a parsed model: getattr({owner!r}, {name!r})")
    return cast(Enum, owner.__members__[name])


class ChildReport:
    """The child's report as the intake uses it: what a new invoice needs (``valid``, ``document``,
    ``release``, the stored form ``model_dump(mode="json")``) straight from the report's JSON; the
    ``ValidationReport`` itself is built only when anything else is asked for (a rejection's
    reasons). The model and its dump cost the worker 0.14 ms per invoice, the JSON alone 0.07 ms
    (measured in the flow: just after the child's answer, with the caches cold). The JSON is read by
    orjson (``jsontext.loads``; its numbers are lines, columns, counts and durations): 0.10 -> 0.06 ms."""

    __slots__ = ("_answer", "_model", "_parsed", "_stored", "document", "release", "valid")

    def __init__(self, answer: bytes, parsed: bytes = b"") -> None:
        self._answer = answer
        self._parsed = parsed  # the second frame: the invoice's model, or empty (module docstring)
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

    def invoice_model(self, invoice: etree._ElementTree | etree._Element) -> InvoiceDocument:
        """``parse_document(invoice)``: the child's parse of this same invoice when it sent one.
        Raises ``DocumentError`` as ``parse_document`` does."""
        if not self._parsed:
            return parse_document(invoice)
        parsed = _ModelUnpickler(io.BytesIO(self._parsed)).load()
        if isinstance(parsed, DocumentError):
            raise parsed
        return cast(InvoiceDocument, parsed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.report, name)


def parse_invoice(report: Any, invoice: etree._ElementTree | etree._Element) -> InvoiceDocument:
    """The EN 16931 model of ``invoice``, the invoice of the document ``report`` judged valid:
    ``parse_document(invoice)``, done by the validation child when ``report`` is its answer."""
    if isinstance(report, ChildReport):
        return report.invoice_model(invoice)
    return parse_document(invoice)


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
        self._frames: _Frames | None = None  # the child's stdout, anew for each child
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
        self._frames = _Frames(self._child.stdout.fileno())
        self._warming = True

    def _await_ready(self) -> list[str]:
        """Wait until the child's engine is warm; the problems it found (none = ready)."""
        assert self._frames is not None
        try:
            problems = json.loads(cast(bytes, self._frames.receive(None)))
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
        """The report of ``xml`` (``tree`` is ignored: the child parses for itself), with the
        child's parse of a valid invoice (``parse_invoice``). Raises
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
            parsed = self._parsed()
        return ChildReport(answer, parsed)

    def _ask(self, xml: bytes, received_at: datetime) -> bytes:
        """The child's report of ``xml`` as JSON, within the budget (the caller holds the lock)."""
        child, frames = self._child, self._frames
        assert child is not None and child.stdin is not None and frames is not None
        try:
            _send(child.stdin.fileno(), received_at.isoformat().encode() + b"\n" + xml)
            answer = frames.receive(time.monotonic() + self.budget_seconds)
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

    def _parsed(self) -> bytes:
        """The model frame that follows the report (the caller holds the lock). Should the child end
        or hang before it, it is replaced and the frame is empty: the worker parses, as before."""
        assert self._frames is not None
        try:
            parsed = self._frames.receive(time.monotonic() + self.budget_seconds)
        except (_ChildGone, OSError):
            parsed = None
        if parsed is None:
            log.warning("the validation process sent no model: it is replaced, the worker parses")
            self.close()
            self._spawn()
            return b""
        return parsed

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
        tree = _tree_of(xml)
        report = engine.validate(xml, tree=tree, received_at=datetime.fromisoformat(stamp.decode()))
        answer = report.model_dump_json().encode()
        invoice = invoice_of(tree)[1] if report.valid and tree is not None else None
        if invoice is None:
            _write(stdout, answer, b"")
            continue
        _write(stdout, answer)  # before the parse: the budget is the validation's
        _write(stdout, _model_frame(invoice))


def _tree_of(xml: bytes) -> etree._ElementTree | None:
    """``xml`` parsed for both the engine and the model, as the intake parses it before an
    in-process engine. None for a large document (the engine streams it and keeps no tree, to
    bound its memory; the worker parses that one) and for bytes the engine must report on."""
    if len(xml) >= LARGE_DOCUMENT_BYTES:
        return None
    try:
        return parse_bytes(xml)
    except (UnsafeXmlError, XmlSyntaxError):  # the engine parses again and reports what is wrong
        return None


def _model_frame(invoice: etree._ElementTree) -> bytes:
    """``parse_document(invoice)`` pickled (its model or its ``DocumentError``); empty when it
    failed otherwise: the worker's own parse then fails as it always did."""
    try:
        parsed: InvoiceDocument | DocumentError = parse_document(invoice)
    except DocumentError as exc:
        parsed = exc
    except Exception:  # noqa: BLE001 - a parser bug: the worker's parse meets and reports it
        return b""
    return pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)

if __name__ == "__main__":
    _serve()
