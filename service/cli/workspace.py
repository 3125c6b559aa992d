"""Commands of the review workspace: staff accounts (`einvoice users ...`)."""

from __future__ import annotations

import sys

import typer

from service.cli.common import fail, session_scope
from service.models.workspace import Language, StaffRole

users_app = typer.Typer(help="Staff accounts of the review workspace.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.add_typer(users_app, name="users")


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="Login name (stored lower-case)."),
    role: StaffRole = typer.Option(StaffRole.reviewer, "--role", help="reviewer or admin."),
    name: str = typer.Option("", "--name", help="Display name (default: the username)."),
    language: Language = typer.Option(Language.nl, "--language", help="nl (default) or en."),
    email: str = typer.Option("", "--email", help="Address for notification mails (hand-overs, reminders)."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from standard input instead of a prompt."),
    organisation: list[str] = typer.Option([], "--organisation", help=(
        "Organisation id the person works for (repeatable: they switch between them in the workspace). "
        "Needed only when the instance has several organisations.")),
) -> None:
    """Create a staff account; the password is asked for (never an argument)."""
    from service.organisations.staff import MembershipError, join_organisations
    from service.config import valid_mail_address
    from service.ui.accounts import AccountError, create_user

    if email and not valid_mail_address(email):
        raise fail(f"--email must be an e-mail address such as anna@gemeente.nl, got {email!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope() as session:
            user = create_user(session, username=username, password=password, role=role,
                               display_name=name, language=language)
            user.email, user.email_source = (email, "command") if email else (None, None)
            joined = join_organisations(session, user.id, organisation)
            typer.echo(f"created {user.role.value} {user.username} ({len(joined)} organisation(s))")
    except (AccountError, MembershipError) as exc:
        raise fail(str(exc)) from None


@users_app.command("list")
def list_users() -> None:
    """List the staff accounts (username, role, language, locked, last login, how they sign in)."""
    from sqlmodel import select

    from service.models.workspace import StaffUser
    from service.ui.accounts import is_locked

    with session_scope() as session:
        users = session.exec(select(StaffUser).order_by(StaffUser.username)).all()
        for u in users:
            state = "locked" if is_locked(u) else ("inactive" if not u.active else "active")
            last = u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "-"
            how = "oidc" if u.oidc_subject else "password"
            typer.echo(f"{u.username}\t{u.role.value}\t{u.language.value}\t{state}\t{last}\t{how}")
        if not users:
            typer.echo("no staff accounts; create one with `einvoice users create NAME --role admin`", err=True)


@users_app.command("unlock")
def unlock_user(username: str = typer.Argument(..., help="The locked account.")) -> None:
    """Lift a lock-out after too many failed logins (also signs the user out everywhere)."""
    from service.ui.accounts import find_user, unlock

    with session_scope() as session:
        user = find_user(session, username)
        if user is None:
            raise fail(f"no user {username!r}")
        unlock(user)
        session.add(user)
        typer.echo(f"unlocked {user.username}")
