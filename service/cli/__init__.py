"""The `einvoice` command line: serve, migrate, keys, and the commands each area registers."""

from __future__ import annotations

import typer

from service.cli import common, erp, masterdata, matching, validate, workspace
from service.cli.core import register as register_core

app = typer.Typer(
    name="einvoice",
    help="E-invoice service: UBL intake, validation, matching and approval.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
register_core(app)
for area in (validate, masterdata, matching, erp, workspace):
    area.register(app)


def main() -> None:
    app()


__all__ = ["app", "common", "main"]
