"""Helpers shared by the commands: settings, engine, one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import Settings, get_settings
from service.db import make_engine, unit_of_work


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one readable line on stderr and return an Exit to raise."""
    typer.echo(f"einvoice: error: {message}", err=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    """The settings, or one line naming each bad variable and exit code 2."""
    try:
        return get_settings()
    except ValidationError as exc:
        raise fail("bad configuration: " + "; ".join(_describe(error) for error in exc.errors()), 2) from None
    except SettingsError as exc:  # a value pydantic-settings could not even decode
        raise fail(f"bad configuration: {exc}", 2) from None


# Values never repeated in an error line: they may hold a password.
_SECRET_VARIABLES = {"DATABASE_URL", "EINVOICE_DATABASE_URL", "EINVOICE_SECRET_KEY", "EINVOICE_SMTP_PASSWORD"}


def _describe(error: dict) -> str:
    loc = error.get("loc") or ()
    field = str(loc[0]) if loc else ""
    variable = Settings.env_name(field) if field in Settings.model_fields else field or "settings"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    given = error.get("input")
    if variable not in _SECRET_VARIABLES and isinstance(given, str) and error.get("type") != "value_error":
        message += f" (got {given!r})"
    return f"{variable}: {message}"


def connect(settings: Settings, *, require_schema: bool = True) -> Engine:
    """An engine whose database answers and whose schema is current, or one clear line and exit 2.

    Every command that uses the database comes through here, so a database that was never
    migrated (or is behind this version) is the same one line for all of them, before any query
    could fail on a missing table. ``migrate`` itself passes ``require_schema=False``.
    """
    from sqlalchemy import text

    try:
        engine = make_engine(settings.database_url)
    except OSError as exc:  # the SQLite file's folder cannot be created (read-only volume...)
        raise fail(f"cannot use the database folder: {exc.strerror}: {exc.filename}", 2) from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - driver errors vary; the first line says what happened
        engine.dispose()
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(f"database unreachable ({_safe_url(settings.database_url)}): {reason}", 2) from None
    if require_schema:
        from service.migrations import schema_problem  # alembic only when a command needs the database

        problem = schema_problem(engine)
        if problem:
            engine.dispose()
            raise fail(problem, 2)
    return engine


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    settings = settings or load_settings()
    engine = connect(settings)
    try:
        with unit_of_work(engine) as session:
            yield session
    finally:
        engine.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL too broken to parse is still reported, without its password
        return "<unparseable DATABASE_URL>"


def is_tty() -> bool:
    return sys.stderr.isatty()


ORGANISATION_HELP = ("Organisation id (see `einvoice organisations list`); needed only when the instance has several "
                     "organisations: a one-organisation instance uses its only one.")


def resolve_organisation(given: str | None):
    """The organisation a command acts for: the one named, else the instance's only one (a one-line
    error when there are several and none is named, or the named one does not exist)."""
    import uuid

    from service.models.organisations import Organisation
    from service.organisations.store import only_organisation

    with session_scope() as session:
        if given is None:
            found = only_organisation(session)
            if found is None:
                raise fail("this instance has several organisations: name one with --organisation ID", 2)
            return found
        try:
            organisation_id = uuid.UUID(given)
        except ValueError:
            raise fail(f"--organisation must be an organisation id (UUID), got {given!r}", 2) from None
        if session.get(Organisation, organisation_id) is None:
            raise fail(f"no organisation {organisation_id}", 2)
        return organisation_id
