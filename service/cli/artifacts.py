"""`einvoice artifacts install|status`: pinned validation artefacts (schemas/manifest.json)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from service.cli.common import fail, load_settings

artifacts_app = typer.Typer(
    help="Install and check the pinned validation artefacts (UBL XSD, EN 16931, Peppol, NLCIUS).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(artifacts_app, name="artifacts")


@artifacts_app.command("install")
def install_command(
    from_dir: Path = typer.Option(
        None,
        "--from",
        help="Copy from a local mirror laid out like shared/artifacts instead of downloading "
        "(default: EINVOICE_ARTIFACTS_MIRROR when set).",
    ),
    dest: Path = typer.Option(None, help="Target directory (default: EINVOICE_ARTIFACTS_DIR)."),
    force: bool = typer.Option(False, help="Reinstall files that are already in place."),
    examples: bool = typer.Option(True, help="Install the example documents too."),
) -> None:
    """Download (or copy) every pinned artefact and verify its SHA-256."""
    from service.validation.artefacts import install, load_manifest

    settings = load_settings()
    dest = dest or settings.artifacts_dir
    mirror = from_dir or settings.artifacts_mirror
    if mirror is not None and not mirror.is_dir():
        raise fail(f"mirror {mirror} is not a directory", 2)
    origin = f"mirror {mirror}" if mirror else "upstream URLs"
    typer.echo(f"installing validation artefacts into {dest} from {origin}", err=True)
    report = install(dest, mirror=mirror, include_examples=examples, force=force,
                     manifest=load_manifest(settings.schemas_manifest))
    for error in report.errors:
        typer.echo(f"einvoice: error: {error}", err=True)
    typer.echo(
        f"{len(report.installed)} installed, {len(report.unchanged)} already in place, "
        f"{len(report.errors)} refused",
        err=True,
    )
    if not report.ok:
        raise typer.Exit(1)


@artifacts_app.command("status")
def status_command(
    dest: Path = typer.Option(None, help="Artefacts directory (default: EINVOICE_ARTIFACTS_DIR)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List what is installed, per source, with versions, and the releases of the rule sets (active,
    scheduled, overdue); exit 1 when a required file is missing."""
    from service.validation.artefacts import FileState, load_manifest, missing_artefacts, release_states, status
    from service.validation.releases import release_warnings

    settings = load_settings()
    dest = dest or settings.artifacts_dir
    manifest = load_manifest(settings.schemas_manifest)
    states = status(dest, manifest)
    releases = release_states(dest, manifest)
    warnings = release_warnings(releases)
    per_source: dict[tuple[str, str], Counter] = {}
    for st in states:
        key = (st.file.source, st.file.version)
        per_source.setdefault(key, Counter())[st.state.value] += 1
    # a file only a release needs counts against that release, not against readiness
    bad = [st for st in states if st.file.required and st.state is not FileState.installed
           and manifest.release_of(st.file.local_path) is None]
    release_problems = [p for p in missing_artefacts(dest, manifest) if p.startswith("release ")]
    if as_json:
        out = {
            "artifacts_dir": str(dest),
            "ready": not bad,
            "sources": [
                {"source": s, "version": v, **{k: c.get(k, 0) for k in ("installed", "missing", "corrupt")}}
                for (s, v), c in per_source.items()
            ],
            "releases": [
                {"release": r.release.id, "family": r.release.family, "version": r.release.version,
                 "title": r.release.title,
                 "applies_from": r.release.applies_from.isoformat() if r.release.applies_from else None,
                 "status": r.status.value, "installed": r.installed, "problems": list(r.problems)}
                for r in releases
            ],
            "warnings": warnings,
            "problems": [f"{st.state.value}: {st.file.local_path}" for st in bad] + release_problems,
        }
        typer.echo(json.dumps(out, indent=2))
    else:
        table = Table(title=f"Validation artefacts in {dest}")
        for col in ("source", "version", "installed", "missing", "corrupt"):
            table.add_column(col, justify="right" if col in ("installed", "missing", "corrupt") else "left")
        for (source, version), c in per_source.items():
            table.add_row(source, version, str(c["installed"]), str(c["missing"]), str(c["corrupt"]))
        console = Console()
        console.print(table)
        if releases:
            rel = Table(title="Rule-set releases (a document is validated with the release in force at its receipt)")
            for col in ("family", "release", "applies from", "status", "installed"):
                rel.add_column(col)
            for r in releases:
                start = r.release.applies_from.isoformat() if r.release.applies_from else "(earliest kept)"
                colour = {"active": "green", "overdue": "red", "scheduled": "cyan"}.get(r.status.value, "dim")
                rel.add_row(r.release.family, r.release.version, start,
                            f"[{colour}]{r.status.value}[/{colour}]", "yes" if r.installed else "no")
            console.print(rel)
        for st in bad:
            console.print(f"[red]{st.state.value}[/red] {st.file.local_path}")
        for problem in release_problems:
            console.print(f"[red]{problem}[/red]")
        for warning in warnings:
            console.print(f"[yellow]warning[/yellow] {warning}")
        console.print("ready" if not (bad or release_problems) else "NOT READY: run `einvoice artifacts install`")
    if bad or release_problems:
        raise typer.Exit(1)
