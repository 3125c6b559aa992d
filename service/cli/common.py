"""Helpers shared by the commands: settings, engine, one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import Settings, get_settings
from service.db import make_engine, unit_of_work


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one readable line on stderr and return an Exit to raise."""
    typer.echo(f"einvoice: error: {message}", err=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise fail(f"bad configuration: {where}: {first.get('msg')}", 2) from None


def connect(settings: Settings) -> Engine:
    """An engine whose database answers, or one clear error line and exit code 2."""
    from sqlalchemy import text

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # driver errors vary; the first line says what happened
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(f"database unreachable ({_safe_url(settings.database_url)}): {reason}", 2) from None
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
    except Exception:
        return "<unparseable DATABASE_URL>"


def is_tty() -> bool:
    return sys.stderr.isatty()
