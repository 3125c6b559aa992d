"""Approval rights and limits of keys and staff users (`einvoice rights ...`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import typer

from service.approvals.rights import Right, effective_rights
from service.cli.common import fail, session_scope

rights_app = typer.Typer(help="Approval rights (review, second_approval, verify_bank_accounts) and "
                              "approval limits of API keys and staff users.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.add_typer(rights_app, name="rights")


def _limit(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise fail(f"--approval-limit must be an amount, got {text!r}", 2) from None
    if not value.is_finite() or value < 0:
        raise fail("--approval-limit must be an amount of 0 or more", 2)
    return value


@rights_app.command("set")
def set_rights(
    key: str = typer.Option(None, "--key", help="API key id or prefix."),
    user: str = typer.Option(None, "--user", help="Staff username."),
    right: list[Right] = typer.Option(None, "--right", help="A right to hold (repeat); none given: the role's defaults."),
    approval_limit: str = typer.Option(None, "--approval-limit",
                                       help="Most they may approve alone (EUR); above it four eyes apply."),
) -> None:
    """Set the rights and the approval limit of one key or staff user (replaces what was set)."""
    from service.approvals.grants import find_key, grant_key, grant_user
    from service.errors import ServiceError

    if (key is None) == (user is None):
        raise fail("give exactly one of --key or --user", 2)
    limit = _limit(approval_limit)
    rights = [r.value for r in right] if right else None
    try:
        with session_scope() as session:
            if key is not None:
                row = grant_key(session, find_key(session, key), rights, limit)
                who, role, stored = f"key {row.prefix}", row.role.value, row.rights
            else:
                person = grant_user(session, user, rights, limit)
                who, role, stored = f"user {person.username}", person.role.value, person.rights
    except ServiceError as exc:
        raise fail(str(exc), 2) from None
    held = ", ".join(sorted(r.value for r in effective_rights(role, stored))) or "none"
    typer.echo(f"{who}: rights {held}; approval limit {limit if limit is not None else 'none'}")
