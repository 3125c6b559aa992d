"""Commands of the master data area: `einvoice import suppliers|purchase-orders|goods-receipts FILE.jsonl`.

One JSON object per line (the bodies of POST /v1/suppliers, /v1/purchase-orders, /v1/goods-receipts). Bad records
are reported one line each, with their line number, and skipped; the good ones are stored in
transactions of ``--chunk`` records. Exit code 0 when every record was loaded, 1 otherwise.
"""

from __future__ import annotations

import json
import time
from functools import partial
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

import_app = typer.Typer(help="Load master data in bulk (JSON Lines).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.add_typer(import_app, name="import")


@dataclass
class ImportStats:
    counts: Counter = field(default_factory=Counter)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    def invalid(self, line_no: int, message: str) -> None:
        self.counts["invalid"] += 1
        self.problems.append((line_no, message))


def _records(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed record or None, JSON error) for every non-blank line."""
    with path.open("r", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as exc:
                yield number, None, f"not valid JSON: {exc.msg} (column {exc.colno})"


def _one_by_one(path: Path, stats: ImportStats,
                on_progress: Callable[[int], None] | None) -> Iterator[tuple[int, Any]]:
    """The parsed records of ``path``; lines that are not JSON are counted as invalid."""
    for line_no, record, problem in _records(path):
        if on_progress:
            on_progress(1)
        if problem is not None:
            stats.invalid(line_no, problem)
            continue
        yield line_no, record


@contextmanager
def _recording_errors(stats: ImportStats, line_no: int) -> Iterator[None]:
    """A record refused by the service (or by a value check) is counted and skipped, not fatal."""
    from service.errors import ServiceError

    try:
        yield
    except ServiceError as exc:
        errors = exc.extensions.get("errors")
        stats.invalid(line_no, _describe(errors) if errors else exc.detail or exc.title)
    except ValueError as exc:
        stats.invalid(line_no, str(exc))


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", []) if p != "body")
        parts.append(f"{loc}: {e.get('msg')}" if loc else str(e.get("msg")))
    return "; ".join(parts)


def import_order_file(
    path: Path, engine, codelists, *, chunk: int = 500, actor: str = "cli:import",
    on_progress: Callable[[int], None] | None = None, organisation_id=None,
) -> ImportStats:
    """Load a JSONL file of purchase orders (the function behind the command and the benchmark)."""
    from service.db import unit_of_work
    from service.decisions import rematch
    from service.masterdata.orders import import_orders

    stats = ImportStats()
    started = time.perf_counter()
    batch: list[tuple[int, Any]] = []

    def flush() -> None:
        with unit_of_work(engine) as session:
            # an order's supplier must be one of the organisation's (None: any, one-organisation instance)
            results = import_orders(session, [r for _, r in batch], codelists, actor=actor,
                                    organisation_id=organisation_id)
            rematch.rematch_orders(session, [r.number for r in results
                                             if r.outcome in ("created", "updated") and r.number])
        for (line_no, _), result in zip(batch, results, strict=True):
            if result.outcome == "invalid":
                stats.invalid(line_no, f"{result.number or 'order'}: {_describe(result.errors)}")
            else:
                stats.counts[result.outcome] += 1
        if on_progress:
            on_progress(len(batch))
        batch.clear()

    for line_no, record, problem in _records(path):
        if problem is not None:
            stats.invalid(line_no, problem)
            if on_progress:
                on_progress(1)
            continue
        batch.append((line_no, record))
        if len(batch) >= chunk:
            flush()
    if batch:
        flush()
    stats.seconds = time.perf_counter() - started
    return stats


def import_supplier_file(path: Path, engine, codelists, *, actor: str = "cli:import",
                         on_progress: Callable[[int], None] | None = None,
                         organisation_id=None, accounts_verified: bool = False) -> tuple[ImportStats, list[str]]:
    """Load a JSONL file of suppliers: created, or replaced when `id` (or an identifier) matches.

    Bank accounts become proposals for a second person to verify, as through the API; only the
    trusted initial migration (``accounts_verified``, `--bank-accounts-verified`) stores them verified."""
    import uuid

    from service.approvals.bank_accounts import propose_synced

    from service.db import unit_of_work
    from service.decisions import rematch
    from service.masterdata.suppliers import create_supplier, parse_supplier, replace_supplier, resolve_supplier
    from service.models.masterdata import Supplier
    from service.models.organisations import DEFAULT_ORGANISATION_ID

    organisation_id = organisation_id or DEFAULT_ORGANISATION_ID  # the command checked it (_organisation)

    stats = ImportStats()
    ids: list[str] = []
    started = time.perf_counter()
    for line_no, record in _one_by_one(path, stats, on_progress):
        with _recording_errors(stats, line_no), unit_of_work(engine) as session:
            given_id = record.pop("id", None) if isinstance(record, dict) else None
            data = parse_supplier(record, codelists)
            existing = None
            if given_id:
                existing = session.get(Supplier, uuid.UUID(str(given_id)))
                if existing is not None and existing.organisation_id != organisation_id:
                    existing = None  # another organisation's supplier is not replaced from here
            if existing is None:
                address = data.electronic_address
                existing = resolve_supplier(
                    session, electronic_address=(address.scheme, address.value) if address else None,
                    identifiers=[(i.scheme, i.value) for i in data.identifiers if i.scheme != "VAT"],
                    vat_id=None, organisation_id=organisation_id)
            if existing is None:
                supplier = create_supplier(session, data, actor=actor, organisation_id=organisation_id,
                                           accounts_verified=accounts_verified)
                changed = True
                stats.counts["created"] += 1
            else:
                supplier, changed = replace_supplier(session, existing.id, data, actor=actor,
                                                     accounts_verified=accounts_verified)
                stats.counts["updated" if changed else "unchanged"] += 1
            if not accounts_verified:
                propose_synced(session, supplier.id, [(b.iban, b.note) for b in data.bank_accounts], actor=actor)
            if changed:
                rematch.rematch_supplier(session, supplier.id)
            ids.append(f"{line_no},{supplier.id}")
    stats.seconds = time.perf_counter() - started
    return stats, ids


def import_receipt_file(path: Path, engine, codelists, *, actor: str = "cli:import",
                        on_progress: Callable[[int], None] | None = None) -> ImportStats:
    """Load a JSONL file of goods receipts, one transaction each (idempotent by receipt_id)."""
    from service.db import unit_of_work
    from service.decisions import rematch
    from service.masterdata.receipts import check_receipt, record_receipt

    stats = ImportStats()
    started = time.perf_counter()
    for line_no, record in _one_by_one(path, stats, on_progress):
        with _recording_errors(stats, line_no):
            with unit_of_work(engine) as session:
                data, order = check_receipt(session, record, codelists)
                receipt, created = record_receipt(session, data, order, actor=actor)
                if created:
                    rematch.rematch_order(session, receipt.po_number)
            stats.counts["created" if created else "unchanged"] += 1
    stats.seconds = time.perf_counter() - started
    return stats


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def _run(path: Path, what: str, loader: Callable[..., Any]) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from service.cli.common import connect, fail, load_settings
    from service.masterdata.codelists import CodeListsMissing, find_codelists

    if not path.is_file():
        raise fail(f"{path}: no such file", 2)
    settings = load_settings()
    try:
        codelists = find_codelists(settings.artifacts_dir, settings.artifacts_mirror)
    except CodeListsMissing as exc:
        raise fail(str(exc), 2) from None
    engine = connect(settings)
    console = Console(stderr=True)
    total = _count_lines(path)
    try:
        with Progress(TextColumn(f"importing {what}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True, disable=not console.is_terminal) as progress:
            task = progress.add_task(what, total=total)
            result = loader(path, engine, codelists, on_progress=lambda n: progress.advance(task, n))
    finally:
        engine.dispose()
    stats = result[0] if isinstance(result, tuple) else result
    for line_no, message in sorted(stats.problems):
        typer.echo(f"line {line_no}: {message}", err=True)
    rate = stats.records / stats.seconds if stats.seconds else 0.0
    c = stats.counts
    typer.echo(f"{what}: {stats.records} records in {stats.seconds:.1f} s ({rate:.0f}/s): "
               f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged, {c['invalid']} invalid")
    return result


_ORGANISATION_HELP = ("Organisation id the records belong to; needed only when the instance has several "
                      "organisations (see `einvoice organisations list`).")


def _organisation(given: str | None):
    """The organisation an import is for: the one named, else the instance's only one."""
    from service.cli.common import resolve_organisation

    return resolve_organisation(given)


@import_app.command("purchase-orders")
def import_purchase_orders(
    file: Path = typer.Argument(..., help="JSON Lines: one purchase order (POST /v1/purchase-orders body) per line."),
    organisation: str = typer.Option(None, "--organisation", help=_ORGANISATION_HELP),
) -> None:
    """Create purchase orders, or new versions of changed ones; unchanged ones are left alone."""
    stats = _run(file, "purchase orders", partial(import_order_file, organisation_id=_organisation(organisation)))
    raise typer.Exit(1 if stats.counts["invalid"] else 0)


@import_app.command("suppliers")
def import_suppliers(
    file: Path = typer.Argument(..., help="JSON Lines: one supplier (POST /v1/suppliers body, optional `id`) per line."),
    ids_out: Path = typer.Option(None, "--ids-out", help="Write `line,supplier_id` for every loaded record (CSV)."),
    organisation: str = typer.Option(None, "--organisation", help=_ORGANISATION_HELP),
    bank_accounts_verified: bool = typer.Option(
        False, "--bank-accounts-verified",
        help="Initial migration only: store the file's bank accounts as verified (they were verified in the system "
             "they come from). Without it each new account is proposed and a second person verifies it."),
) -> None:
    """Create suppliers, or replace the one with the same `id`, electronic address or legal identifier."""
    stats, ids = _run(file, "suppliers", partial(import_supplier_file, organisation_id=_organisation(organisation),
                                                 accounts_verified=bank_accounts_verified))
    if ids_out is not None:
        ids_out.write_text("line,supplier_id\n" + "".join(f"{row}\n" for row in ids), encoding="utf-8")
    raise typer.Exit(1 if stats.counts["invalid"] else 0)


@import_app.command("goods-receipts")
def import_goods_receipts(
    file: Path = typer.Argument(..., help="JSON Lines: one goods receipt (POST /v1/goods-receipts body) per line."),
) -> None:
    """Record goods receipts; a receipt loaded before (same receipt_id and content) is left alone."""
    stats = _run(file, "goods receipts", import_receipt_file)
    raise typer.Exit(1 if stats.counts["invalid"] else 0)

