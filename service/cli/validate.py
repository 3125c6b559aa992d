"""Commands of the validation area: `einvoice validate PATH...` and `einvoice artifacts ...`."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from service.cli import artifacts
from service.validation import kinds, pdf
from service.validation.scenarios import SCENARIOS

NOT_AN_INVOICE = "not_an_invoice"


class RuleSetName(StrEnum):
    en16931 = "en16931"
    en16931_peppol = "en16931-peppol"
    peppol_bis_3 = "peppol-bis-3"
    peppol_sb_3 = "peppol-sb-3"
    nlcius = "nlcius"
    nlcius_gaccount = "nlcius-gaccount"
    en16931_cii = "en16931-cii"


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.command("validate")(validate_command)
    artifacts.register(app)


def validate_command(
    paths: list[Path] = typer.Argument(
        ..., help="Files and folders (searched for *.xml and *.pdf: Factur-X / ZUGFeRD / XRechnung PDFs)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    rules: RuleSetName = typer.Option(
        None, "--rules", help="Validate against this rule set instead of the detected scenario."
    ),
    no_xsd: bool = typer.Option(False, "--no-xsd", help="Skip the UBL 2.1 XSD layer."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Worker processes (default: every core)."),
    artifacts_dir: Path = typer.Option(
        None, "--artifacts-dir", help="Installed artefacts (default: EINVOICE_ARTIFACTS_DIR)."
    ),
    show: int = typer.Option(10, help="Findings shown per failing file in the text output."),
    at: str = typer.Option(
        None, "--at", help="Time of receipt that chooses the release of the Peppol rules (ISO date or "
        "date-time, UTC unless an offset is given; default: now). E.g. --at 2026-08-01 applies 3.0.19.",
    ),
) -> None:
    """Validate invoices and credit notes (UBL, CII) in bulk; exit 0 when all are valid, 1 otherwise.

    Every scenario the engine knows is applied (Self-Billing too; EINVOICE_ACCEPTED_SCENARIOS limits
    only what the service accepts). Files that are no invoice at all (code lists, orders, despatch
    advices...) are reported as "not an invoice" and do not change the exit code."""
    from service.cli.common import fail, load_settings
    from service.validation.artefacts import missing_artefacts

    received_at = _time_of_receipt(at)
    files = _collect(paths)
    if not files:
        raise fail("no XML files found in " + ", ".join(str(p) for p in paths), 2)
    settings = load_settings()
    adir = artifacts_dir or settings.artifacts_dir
    problems = missing_artefacts(adir)
    if problems:
        raise fail(f"{problems[0]} (and {len(problems) - 1} more); run `einvoice artifacts install`"
                   if len(problems) > 1 else f"{problems[0]}; run `einvoice artifacts install`", 2)
    options = {
        "artifacts_dir": str(adir),
        "cache_dir": str(settings.validation_cache_dir),
        "accepted": list(SCENARIOS),
        "rules": rules.value if rules else None,
        "xsd": not no_xsd,
        "received_at": received_at.isoformat(),
    }
    workers = max(1, min(jobs or os.cpu_count() or 1, len(files)))
    results = _run(files, options, workers, progress=not as_json or sys.stderr.isatty())
    summary = _summary(results)
    if as_json:
        typer.echo(json.dumps({"files": results, "summary": summary}, indent=1, ensure_ascii=False))
    else:
        _print_text(results, summary, show)
    raise typer.Exit(0 if summary["invalid"] == 0 and summary["error"] == 0 else 1)


def _time_of_receipt(at: str | None) -> datetime:
    from service.cli.common import fail

    if at is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(at.strip())
    except ValueError:
        raise fail(f"--at {at!r} is not an ISO date or date-time (e.g. 2026-08-01 or "
                   "2026-08-01T09:30:00+02:00)", 2) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _collect(paths: list[Path]) -> list[Path]:
    from service.cli.common import fail

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".xml", ".pdf"))
        elif path.is_file():
            files.append(path)
        else:
            raise fail(f"no such file or directory: {path}", 2)
    return list(dict.fromkeys(files))


# -- workers --------------------------------------------------------------------------------------
_engine = None
_options: dict[str, Any] = {}


def _init_worker(options: dict[str, Any]) -> None:
    global _engine, _options
    from service.validation import engine as engine_module

    _options = options
    current = engine_module._default  # the process already has an engine over the same artefacts
    if (
        current is not None
        and current.artifacts_dir == Path(options["artifacts_dir"])
        and current.accepted_scenarios == frozenset(options["accepted"])
    ):
        _engine = current
        return
    _engine = engine_module.ValidationEngine(
        Path(options["artifacts_dir"]),
        cache_dir=Path(options["cache_dir"]),
        accepted_scenarios=options["accepted"],
        verify=False,  # verified once by the parent
    )


def _validate_file(path: str) -> dict[str, Any]:
    assert _engine is not None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return {
            "path": path,
            "scenario": None,
            "outcome": "error",
            "reason_code": None,
            "duration_ms": 0.0,
            "findings": [
                {"rule_id": "READ-ERROR", "severity": "fatal", "location": None,
                 "message": f"cannot read file: {exc.strerror or exc}", "layer": "io"}
            ],
        }
    notes = []
    if pdf.is_pdf(data):
        try:
            embedded = pdf.extract_invoice(data)
        except pdf.PdfInvoiceError as exc:
            return _pdf_without_invoice(path, exc)
        data = embedded.xml
        notes.append(f"Validated the {embedded.flavour} XML embedded in the PDF as {embedded.filename}.")
    report = _engine.validate(data, rules=_options["rules"], xsd=_options["xsd"],
                              received_at=datetime.fromisoformat(_options["received_at"]))
    outcome, kind = report.outcome.value, None
    root = report.document.root
    if report.reason_code == "UNSUPPORTED_DOCUMENT" and root is not None and not kinds.is_invoice_root(root):
        outcome, kind = NOT_AN_INVOICE, kinds.describe(root)
    return {
        "path": path,
        "scenario": report.scenario,
        "release": report.release,
        "kind": kind,
        "outcome": outcome,
        "reason_code": report.reason_code,
        "document_sha256": report.document_sha256,
        "duration_ms": report.duration_ms,
        "layers": [{"name": lr.name, "validity": lr.validity.value, "duration_ms": lr.duration_ms}
                   for lr in report.layers],
        "notes": notes + list(report.notes),
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity.value,
                "location": f.location,
                "line": f.line,
                "message": f.message,
                "layer": f.layer,
                "business_terms": list(f.business_terms),
            }
            for f in report.findings
        ],
    }


def _pdf_without_invoice(path: str, exc: pdf.PdfInvoiceError) -> dict[str, Any]:
    """A plain PDF is no invoice; an unreadable or encrypted one is an error of that file."""
    if exc.kind == "no_invoice":
        return {"path": path, "scenario": None, "release": None, "kind": "PDF without an embedded invoice",
                "outcome": NOT_AN_INVOICE, "reason_code": None, "duration_ms": 0.0, "findings": []}
    return {"path": path, "scenario": None, "release": None, "kind": None, "outcome": "invalid",
            "reason_code": "UNSUPPORTED_DOCUMENT", "duration_ms": 0.0,
            "findings": [{"rule_id": f"PDF-{exc.kind.upper()}", "severity": "fatal", "location": None,
                          "line": None, "message": str(exc), "layer": "pdf", "business_terms": []}]}


def _run(files: list[Path], options: dict[str, Any], workers: int, progress: bool) -> list[dict]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    names = [str(f) for f in files]
    results: dict[str, dict] = {}
    show = progress and sys.stderr.isatty() and len(files) > 1
    with Progress(
        TextColumn("validating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        transient=True, disable=not show,
    ) as bar:
        task = bar.add_task("validate", total=len(names))
        if workers == 1:
            _init_worker(options)
            for name in names:
                results[name] = _validate_file(name)
                bar.advance(task)
        else:
            ctx = multiprocessing.get_context("spawn")  # SaxonC must not be forked once started
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=(options,)) as pool:
                futures = {pool.submit(_validate_file, name): name for name in names}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    bar.advance(task)
    return [results[n] for n in names]


# -- output ---------------------------------------------------------------------------------------
def _summary(results: list[dict]) -> dict[str, Any]:
    outcomes = Counter(r["outcome"] for r in results)
    by_scenario: dict[str, Counter] = {}
    by_layer: dict[str, Counter] = {}
    rule_counts: Counter = Counter()
    rule_files: Counter = Counter()
    rule_severity: dict[str, str] = {}
    not_invoices: Counter = Counter()
    for r in results:
        if r["outcome"] == NOT_AN_INVOICE:
            not_invoices[r["kind"]] += 1
            continue
        by_scenario.setdefault(r["scenario"] or "unsupported", Counter())[r["outcome"]] += 1
        for layer in r.get("layers", ()):
            if layer["name"] not in ("xml", "scenario"):
                by_layer.setdefault(layer["name"], Counter())[layer["validity"]] += 1
        seen = set()
        for f in r["findings"]:
            rid = f["rule_id"] or f"{f['layer']}:schema"
            rule_counts[rid] += 1
            rule_severity.setdefault(rid, f["severity"])
            if rid not in seen:
                rule_files[rid] += 1
                seen.add(rid)
    return {
        "total": len(results),
        "valid": outcomes.get("valid", 0),
        "invalid": outcomes.get("invalid", 0),
        "error": outcomes.get("error", 0),
        "not_an_invoice": outcomes.get(NOT_AN_INVOICE, 0),
        "not_an_invoice_by_kind": dict(not_invoices.most_common()),
        "by_scenario": {
            s: {k: c.get(k, 0) for k in ("valid", "invalid", "error")} for s, c in sorted(by_scenario.items())
        },
        "by_rule_set": {
            name: {k: c.get(k, 0) for k in ("valid", "invalid", "skipped", "error")}
            for name, c in sorted(by_layer.items())
        },
        "top_rules": [
            {"rule_id": rid, "severity": rule_severity[rid], "count": n, "files": rule_files[rid]}
            for rid, n in rule_counts.most_common(10)
        ],
    }


def _print_text(results: list[dict], summary: dict[str, Any], show: int) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    for r in results:
        if r["outcome"] in ("valid", NOT_AN_INVOICE):
            continue
        release = f", {r['release']}" if r.get("release") else ""
        console.print(f"[bold red]{r['outcome'].upper()}[/] {escape(r['path'])} "
                      f"({r['scenario'] or 'unsupported'}{release})")
        fatal = [f for f in r["findings"] if f["severity"] == "fatal"]
        for f in fatal[:show]:
            where = f"line {f['line']}" if f.get("line") else (f["location"] or "")
            console.print(f"  [red]{escape(f['rule_id'] or f['layer'])}[/] {escape(f['message'][:300])}"
                          f" [dim]{escape(where)}[/]")
        if len(fatal) > show:
            console.print(f"  ... and {len(fatal) - show} more")

    totals = Table(title="Validation summary")
    for col in ("scenario", "valid", "invalid", "error"):
        totals.add_column(col, justify="left" if col == "scenario" else "right")
    for scenario, c in summary["by_scenario"].items():
        totals.add_row(scenario, str(c["valid"]), str(c["invalid"]), str(c["error"]))
    totals.add_row("[bold]all invoices[/]", str(summary["valid"]), str(summary["invalid"]),
                   str(summary["error"]))
    console.print(totals)
    if summary["not_an_invoice"]:
        others = Table(title=f"Not an invoice ({summary['not_an_invoice']} files, not validated)")
        others.add_column("what the file is")
        others.add_column("files", justify="right")
        others.add_column("for example")
        for kind, n in summary["not_an_invoice_by_kind"].items():
            example = next(r["path"] for r in results if r.get("kind") == kind)
            others.add_row(escape(kind), str(n), escape(example))
        console.print(others)
    if summary["by_rule_set"]:
        layers = Table(title="Per layer (XSD and rule sets)")
        for col in ("layer", "valid", "invalid", "skipped", "error"):
            layers.add_column(col, justify="left" if col == "layer" else "right")
        for name, c in summary["by_rule_set"].items():
            layers.add_row(name, str(c["valid"]), str(c["invalid"]), str(c["skipped"]), str(c["error"]))
        console.print(layers)
    if summary["top_rules"]:
        top = Table(title="Most frequent rules")
        for col in ("rule", "severity", "findings", "files"):
            top.add_column(col, justify="left" if col in ("rule", "severity") else "right")
        for t in summary["top_rules"]:
            top.add_row(escape(t["rule_id"]), t["severity"], str(t["count"]), str(t["files"]))
        console.print(top)
