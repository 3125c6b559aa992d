"""Reminders of overdue hand-overs (`einvoice reminders send`): run it daily, e.g. from cron, when the
servers do not send them (EINVOICE_REMINDERS_IN_SERVE=false)."""

from __future__ import annotations

import typer

from service.cli.common import fail, load_settings, session_scope

reminders_app = typer.Typer(help="Reminders of overdue delivery confirmations (hand-overs).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.add_typer(reminders_app, name="reminders")


@reminders_app.command("send")
def send(
    today: str = typer.Option("", "--today", help="The day to remind for (YYYY-MM-DD; default: today, UTC)."),
) -> None:
    """Remind every budget holder whose delivery confirmation is past its due date: in the workspace,
    and by mail when SMTP is set up. One reminder per request per day, however often this runs."""
    from datetime import date

    from service.handovers.store import Notifier, send_reminders
    from service.models.base import utcnow
    from service.notifications.mail import Mailer

    try:
        day = date.fromisoformat(today) if today else utcnow().date()
    except ValueError:
        raise fail(f"--today must be a date such as 2026-12-06, got {today!r}") from None
    settings = load_settings()
    with session_scope(settings) as session:
        sent = send_reminders(session, today=day, notifier=Notifier(Mailer(settings), str(settings.public_base_url)))
    typer.echo(f"sent {sent} reminder(s) for {day.isoformat()}")
