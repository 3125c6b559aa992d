"""Intake benchmark (`make bench-intake`): intake's own overhead beyond validation, and end-to-end HTTP.

1. Overhead: ``service.intake.receive()`` on a fresh SQLite database for the Peppol base example
   (each iteration a new BT-1, so new bytes), with the validation engine replaced by one that returns a
   report computed once: what remains is intake's own work (SHA-256, hostile-XML guard, parse to the
   EN 16931 model, seller resolution, duplicate check, store the bytes, audit events, commit). The
   hand-over to matching is the baseline one (straight to needs_review), so matching's cost is not
   counted here (`make bench-matching` measures it). Also the same steps one by one.
2. End to end: ``POST /v1/invoices`` over real HTTP (uvicorn on 127.0.0.1, one worker) with the real
   validation engine and the real matching hand-over, plus a same-bytes replay and a GET.

Target (issue 4): overhead <= 2 ms per base example on SQLite. Figures are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("EINVOICE_LOG_LEVEL", "WARNING")

from sqlmodel import Session

from service.api.deps import Principal
from service.db import make_engine
from service.en16931.parser import parse_document
from service.intake import parse_untrusted, receive
from service.lifecycle import Step, store_new
from service.migrations import upgrade
from service.models.invoices import InvoiceStatus
from service.models.keys import Role
from service.validation.artefacts import missing_artefacts

BASE = "peppol-bis-billing-3/rules/examples/base-example.xml"
TARGET_MS = 2.0


def artefacts_dir() -> Path:
    installed = Path(os.environ.get("EINVOICE_ARTIFACTS_DIR", REPO / "data" / "artifacts"))
    if not missing_artefacts(installed):
        return installed
    mirror = Path(os.environ.get("EINVOICE_ARTIFACTS_MIRROR") or REPO.parent / "shared" / "artifacts")
    if missing_artefacts(mirror):
        sys.exit(f"no artefacts in {installed} or {mirror}: run `einvoice artifacts install`")
    return mirror


def numbered(base: bytes, i: int) -> bytes:
    return base.replace(b"<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>BENCH-{i:06d}</cbc:ID>".encode(), 1)


def stats(samples: list[float]) -> tuple[float, float, float, float]:
    """(median, p95, mean, p10): p10 approximates the uncontended cost on a busy machine."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    p10 = ordered[int(len(ordered) * 0.10)]
    return statistics.median(ordered), p95, statistics.fmean(ordered), p10


class FixedReport:
    """A validation engine stand-in that answers a report computed once by the real engine."""

    def __init__(self, report, artifacts_dir: Path) -> None:
        self.report = report
        self.artifacts_dir = artifacts_dir

    def validate(self, xml: bytes, **options):
        return self.report


@contextmanager
def baseline_decide():
    """Matching's hand-over as before matching existed: straight to needs_review."""
    from service.intake import receive as _  # noqa: F401
    receive_module = sys.modules["service.intake.receive"]
    original = receive_module.decide_invoice

    def to_review(session, invoice, document, facts=None, *, received):
        store_new(session, invoice, [received, Step(InvoiceStatus.needs_review, "system")], if_absent=True)

    receive_module.decide_invoice = to_review
    try:
        yield
    finally:
        receive_module.decide_invoice = original


@contextmanager
def intake_only():
    """Leave out other areas' work: master-data resolution and the consequences of a status change
    (ledger, feed, webhooks)."""
    from types import SimpleNamespace

    import service.lifecycle as lifecycle
    from service.intake import receive as _  # noqa: F401
    receive_module = sys.modules["service.intake.receive"]

    def nothing(*args, **kwargs):
        return None

    saved = (lifecycle.ledger, lifecycle.feed, lifecycle.webhooks, receive_module.resolve_supplier)
    lifecycle.ledger = SimpleNamespace(follow_transition=nothing)
    lifecycle.feed = SimpleNamespace(record=nothing)
    lifecycle.webhooks = SimpleNamespace(enqueue=nothing)
    receive_module.resolve_supplier = nothing
    try:
        yield
    finally:
        lifecycle.ledger, lifecycle.feed, lifecycle.webhooks, receive_module.resolve_supplier = saved


def bench_overhead(base: bytes, validation, n: int, workdir: Path) -> list[tuple[str, float, float, float, float]]:
    url = f"sqlite:///{workdir / 'overhead.db'}"
    upgrade(url)
    engine = make_engine(url)
    principal = Principal(role=Role.gateway, actor="key:bench")
    fixed = FixedReport(validation.validate(base), validation.artifacts_dir)
    docs = [numbered(base, i) for i in range(n + 20)]
    rows = []

    # steps one by one (pure parts)
    parsed_base = parse_document(base)
    for label, fn in (
        ("sha256", lambda d: hashlib.sha256(d).hexdigest()),
        ("guard (secure parse, DOCTYPE/depth/encoding)", parse_untrusted),
        ("parse to EN 16931 model", lambda d: parse_document(parse_untrusted(d))),
        ("model to JSON", lambda d: parsed_base.to_json()),
    ):
        samples = []
        for d in docs[:n]:
            t = time.perf_counter()
            fn(d)
            samples.append((time.perf_counter() - t) * 1000)
        rows.append((label, *stats(samples)))

    def run_receive(batch: list[bytes], label: str) -> None:
        wall, cpu = [], []
        with baseline_decide():
            for i, d in enumerate(batch):
                t, c = time.perf_counter(), time.thread_time()
                with Session(engine, expire_on_commit=False) as session:
                    receipt = receive(session, d, principal, validation=fixed)
                    session.commit()
                elapsed, used = (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000
                assert receipt.outcome.value == "created", receipt.outcome
                if i >= 20:  # warm-up
                    wall.append(elapsed)
                    cpu.append(used)
        rows.append((label, *stats(wall)))
        rows.append(("  (CPU time of the same)", *stats(cpu)))

    run_receive(docs, "receive() total: store + audit + other areas' hooks + commit")
    with intake_only():
        run_receive([numbered(base, 10_000 + i) for i in range(n + 20)],
                    "receive(), intake's own (no master-data lookup, no feed/webhook hooks)")
    engine.dispose()
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_http(base: bytes, validation, n: int, workdir: Path) -> list[tuple[str, float, float, float, float]]:
    import httpx
    import uvicorn

    from service.config import Settings
    from service.keys import create_key
    from service.main import create_app

    url = f"sqlite:///{workdir / 'http.db'}"
    upgrade(url)
    port = free_port()
    settings = Settings(database_url=url, environment="test", log_level="WARNING",
                        artifacts_dir=validation.artifacts_dir, validation_cache_dir=workdir / "cache")
    engine = make_engine(url)
    with Session(engine) as s:
        _, key = create_key(s, role=Role.gateway, name="bench")
        s.commit()
    app = create_app(settings, engine=engine, validation=(validation, []))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/xml"}
    rows = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
            docs = [numbered(base, 100_000 + i) for i in range(n + 5)]
            created, replay, get = [], [], []
            for i, d in enumerate(docs):
                t = time.perf_counter()
                r = client.post("/v1/invoices", content=d)
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == 201, r.text
                if i >= 5:
                    created.append(elapsed)
                t = time.perf_counter()
                r2 = client.post("/v1/invoices", content=d)
                replay.append((time.perf_counter() - t) * 1000)
                assert r2.status_code == 200
                t = time.perf_counter()
                assert client.get(f"/v1/invoices/{r.json()['id']}").status_code == 200
                get.append((time.perf_counter() - t) * 1000)
            samples = []
            for d in docs[:n]:
                t = time.perf_counter()
                validation.validate(d)
                samples.append((time.perf_counter() - t) * 1000)
        rows.append(("POST /v1/invoices -> 201 (validation + matching included)", *stats(created)))
        rows.append(("  of which validation alone (same engine, in-process)", *stats(samples)))
        rows.append(("POST same bytes -> 200 replay", *stats(replay)))
        rows.append(("GET /v1/invoices/{id}", *stats(get)))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    return rows


def print_table(title: str, rows: list[tuple[str, float, float, float, float]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{title}")
    print(f"{'step':<{width}}  {'median ms':>10}  {'p95 ms':>8}  {'mean ms':>8}  {'p10 ms':>8}")
    print("-" * (width + 42))
    for label, median, p95, mean, p10 in rows:
        print(f"{label:<{width}}  {median:>10.3f}  {p95:>8.3f}  {mean:>8.3f}  {p10:>8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="invoices per measurement (default 200)")
    parser.add_argument("--http-n", type=int, default=50, help="invoices over HTTP (default 50)")
    args = parser.parse_args()

    from service.validation import ValidationEngine

    directory = artefacts_dir()
    base = (directory / BASE).read_bytes()
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        workdir = Path(tmp)
        validation = ValidationEngine(directory, cache_dir=workdir / "cache")
        validation.warm()
        overhead = bench_overhead(base, validation, args.n, workdir)
        print_table(f"Intake overhead beyond validation, Peppol base example, SQLite, n={args.n}", overhead)
        own, own_p10 = overhead[-2][1], overhead[-2][4]
        verdict = "OK" if own <= TARGET_MS else "ABOVE TARGET"
        print(f"target: intake's own receive() median <= {TARGET_MS:.1f} ms -> {own:.3f} ms ({verdict}; "
              f"p10 {own_p10:.3f} ms); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        http = bench_http(base, validation, args.http_n, workdir)
        print_table(f"End to end over HTTP (uvicorn, 1 worker, SQLite), n={args.http_n}", http)


if __name__ == "__main__":
    main()
