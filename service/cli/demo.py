"""`einvoice demo`: load a realistic demo organisation into an empty database."""

from __future__ import annotations

import time

import typer

from service.cli.common import ORGANISATION_HELP, connect, fail, load_settings, resolve_organisation


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    seed: int = typer.Option(2026, help="Random seed: the same seed gives the same organisation."),
    organisation: str = typer.Option(None, "--organisation", help=(
        "The organisation to load the demo into. " + ORGANISATION_HELP + " It gets the demo municipality's "
        "OIN as an identifier when organisations have identifiers.")),
) -> None:
    """Load a demo municipality with ten weeks of suppliers, orders, receipts and invoices in every state."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from service.db import unit_of_work
    from service.demo.load import DemoBuyerTaken, NotEmpty, existing_data, load, validation_engine
    from service.demo.plan import build_plan
    from service.masterdata.codelists import CodeListsMissing, find_codelists

    started = time.perf_counter()
    settings = load_settings()
    engine = connect(settings)
    try:
        organisation_id = resolve_organisation(organisation)
        with unit_of_work(engine) as session:
            if found := existing_data(session):
                raise NotEmpty(", ".join(f"{n} {name}" for name, n in found.items()))
        try:
            codelists = find_codelists(settings.artifacts_dir, settings.artifacts_mirror)
        except CodeListsMissing as exc:
            raise fail(str(exc), 2) from None
        console = Console(stderr=True)
        console.print("compiling the validation rules (Peppol BIS Billing 3.0) ...", highlight=False)
        compiling = time.perf_counter()
        validation, problems = validation_engine(settings)
        compiled_in = time.perf_counter() - compiling
        if validation is None:
            raise fail(f"{problems[0]} (run `einvoice artifacts install`)", 2)
        plan = build_plan(seed)
        with Progress(TextColumn("loading ten weeks of invoices"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True,
                      disable=not console.is_terminal) as progress:
            task = progress.add_task("demo", total=len(plan.steps))
            with unit_of_work(engine) as session:
                loaded = load(session, plan, validation=validation, codelists=codelists,
                              on_step=lambda: progress.advance(task), organisation_id=organisation_id)
    except DemoBuyerTaken as exc:
        raise fail(str(exc), 2) from None
    except NotEmpty as exc:
        raise fail(f"the database already holds data ({exc}); the demo loads only into an empty one: "
                   "point DATABASE_URL at a new database, run `einvoice migrate`, then `einvoice demo`", 1) from None
    finally:
        engine.dispose()

    seconds = time.perf_counter() - started
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(loaded.statuses.items()))
    reasons = ", ".join(f"{code} {n}" for code, n in loaded.reasons.most_common())
    typer.echo(f"demo organisation loaded in {seconds:.0f} s (validation rules compiled in {compiled_in:.0f} s): "
               f"{loaded.suppliers} suppliers, {loaded.orders} "
               f"purchase orders, {loaded.receipts} goods receipts, {loaded.documents} invoices and credit notes")
    typer.echo(f"  by status: {statuses}")
    typer.echo(f"  waiting for a person, by reason: {reasons}")
    where = f"{settings.public_base_url}/ui/"
    if loaded.password:
        typer.echo(f"Sign in at {where} as `demo` with password {loaded.password} (shown once; start the "
                   "service first: `einvoice serve`, or `make run`).")
    else:
        typer.echo(f"Sign in at {where} as `demo` (the account existed already; its password is unchanged).")
