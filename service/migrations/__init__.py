"""Alembic migrations: the only way the schema is created (also in tests; never create_all)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from service.db import normalise_url

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current_heads(database_url: str) -> tuple[str | None, tuple[str, ...]]:
    """(revision the database is at, revision(s) the code expects)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    cfg = alembic_config(database_url)
    heads = tuple(ScriptDirectory.from_config(cfg).get_heads())
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision(), heads
    finally:
        engine.dispose()
