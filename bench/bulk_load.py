"""Fill a database with N invoices through intake's own code path, fast (growth figures, issue #21).

Each invoice goes through ``service.intake.receive()`` exactly as a POST does: seller resolution,
the duplicate look-ups, matching, the decision, audit events, the change feed, all in the service's
own code. One step is taken from a template: validation. The documents differ from the Peppol base
example only in BT-1, BT-2, BT-9 and the seller's BT-34 (``bench/load_documents.py``), which no
rule judges differently, so their report is the base example's report with the document's own
SHA-256 and time of receipt (``KnownValid``); ``tests/growth/test_bulk_load.py`` proves that the
real engine gives each such document exactly that report. That saves ~3 ms of CPU per invoice.

    python -m bench.bulk_load DATABASE_URL N [--processes 2]

Several processes fill PostgreSQL in parallel (SQLite takes one writer at a time: one process).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load_documents import base_example, distinct

BATCH = 50  # invoices per transaction (each invoice's rows are what one POST writes)


class KnownValid:
    """The validation engine's answer for documents that differ from ``template`` only in fields no
    rule judges differently: the template's report with the document's hash and time of receipt."""

    def __init__(self, template_report: Any, artifacts_dir: Path) -> None:
        assert template_report.valid, "the template must be valid"
        self.template, self.artifacts_dir = template_report, artifacts_dir

    def validate(self, xml: bytes, *, received_at: datetime | None = None, **_: Any) -> Any:
        return self.template.model_copy(update={
            "document_sha256": hashlib.sha256(xml).hexdigest(), "received_at": received_at,
            "validated_at": received_at or self.template.validated_at})


def template_validation(artifacts_dir: Path, engine: Any = None) -> KnownValid:
    """``engine``: a loaded validation engine (default: one built from ``artifacts_dir``)."""
    if engine is None:
        from service.validation import ValidationEngine

        engine = ValidationEngine(artifacts_dir)
    return KnownValid(engine.validate(distinct(base_example(artifacts_dir), "TEMPLATE", 0)), artifacts_dir)


def _fill_range(url: str, artifacts_dir: str, run: str, start: int, stop: int, sellers: int,
                report_json: str, days: int = 365) -> int:
    from sqlmodel import Session

    from service.api.deps import Principal
    from service.db import make_engine
    from service.intake import receive
    from service.models.keys import Role
    from service.validation.report import ValidationReport

    validation = KnownValid(ValidationReport.model_validate_json(report_json), Path(artifacts_dir))
    base = base_example(Path(artifacts_dir))
    principal = Principal(role=Role.gateway, actor="key:bulk-load")
    engine = make_engine(url)
    done = 0
    try:
        for first in range(start, stop, BATCH):
            with Session(engine, expire_on_commit=False) as session:
                for i in range(first, min(first + BATCH, stop)):
                    receive(session, distinct(base, run, i, sellers=sellers, days=days), principal,
                            validation=validation)
                    done += 1
                session.commit()
    finally:
        engine.dispose()
    return done


def fill(url: str, artifacts_dir: Path, n: int, *, processes: int | None = None, sellers: int = 500,
         run: str = "BULK", progress: bool = True, engine: Any = None, days: int = 365) -> int:
    """Store ``n`` invoices (numbers ``<run>-0000000`` ...) in the database at ``url``; ``days``: the
    issue dates' spread (``load_documents.distinct``)."""
    if processes is None:
        processes = 1 if url.startswith("sqlite") else max(1, min(4, os.cpu_count() or 1))
    report_json = template_validation(artifacts_dir, engine).template.model_dump_json()
    step = max(BATCH, -(-n // (processes * 20)) // BATCH * BATCH)  # ~20 chunks per process
    chunks = [(i, min(i + step, n)) for i in range(0, n, step)]
    done, started = 0, time.perf_counter()
    if processes == 1:
        for a, b in chunks:
            done += _fill_range(url, str(artifacts_dir), run, a, b, sellers, report_json, days)
            _progress(progress, done, n, started)
        return done
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [pool.submit(_fill_range, url, str(artifacts_dir), run, a, b, sellers, report_json, days)
                   for a, b in chunks]
        for f in futures:
            done += f.result()
            _progress(progress, done, n, started)
    return done


def _progress(on: bool, done: int, n: int, started: float) -> None:
    if on:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"\r{done:,}/{n:,} invoices stored ({rate:,.0f}/s)", end="\n" if done >= n else "", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("n", type=int)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--sellers", type=int, default=500)
    parser.add_argument("--run", default="BULK", help="invoice number prefix (another run: another prefix)")
    parser.add_argument("--artifacts", type=Path, default=None)
    args = parser.parse_args()
    from bench.bench_load import artefacts_dir
    from service.migrations import upgrade

    upgrade(args.database_url)
    fill(args.database_url, args.artifacts or artefacts_dir(), args.n, processes=args.processes,
         sellers=args.sellers, run=args.run)


if __name__ == "__main__":
    main()
