"""The `einvoice` command line: serve, migrate, keys, and the commands each area registers."""

from __future__ import annotations

import typer

from service.cli import (
    approvals, common, demo, erp, masterdata, matching, organisations, reminders, validate, workspace,
)
from service.cli.core import register as register_core

app = typer.Typer(
    name="einvoice",
    help="E-invoice service: UBL intake, validation, matching and approval.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
register_core(app)
for area in (validate, masterdata, matching, erp, workspace, organisations, approvals, reminders, demo):
    area.register(app)


def main() -> None:
    try:
        app()
    except Exception as exc:  # the last resort: one line, never a traceback
        if _debugging():
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        typer.echo(f"einvoice: error: {type(exc).__name__}: {message} "
                   "(EINVOICE_LOG_LEVEL=DEBUG shows the traceback)", err=True)
        raise SystemExit(1) from None


def _debugging() -> bool:
    try:
        return common.get_settings().log_level == "DEBUG"
    except Exception:  # noqa: BLE001 - bad settings are reported by the command itself
        return False


__all__ = ["app", "common", "main"]
