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
    """List what is installed, per source, with versions; exit 1 when a required file is missing."""
    from service.validation.artefacts import FileState, load_manifest, status

    settings = load_settings()
    dest = dest or settings.artifacts_dir
    manifest = load_manifest(settings.schemas_manifest)
    states = status(dest, manifest)
    per_source: dict[tuple[str, str], Counter] = {}
    for st in states:
        key = (st.file.source, st.file.version)
        per_source.setdefault(key, Counter())[st.state.value] += 1
    bad = [st for st in states if st.file.required and st.state is not FileState.installed]
    if as_json:
        out = {
            "artifacts_dir": str(dest),
            "ready": not bad,
            "sources": [
                {"source": s, "version": v, **{k: c.get(k, 0) for k in ("installed", "missing", "corrupt")}}
                for (s, v), c in per_source.items()
            ],
            "problems": [f"{st.state.value}: {st.file.local_path}" for st in bad],
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
        for st in bad:
            console.print(f"[red]{st.state.value}[/red] {st.file.local_path}")
        console.print("ready" if not bad else "NOT READY: run `einvoice artifacts install`")
    if bad:
        raise typer.Exit(1)
