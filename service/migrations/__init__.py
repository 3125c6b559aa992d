"""Alembic migrations: the only way the schema is created (also in tests; never create_all)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from service.db import normalise_url

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # the revision the database is at (None: never migrated)
    heads: tuple[str, ...]  # the revision(s) this version of the code needs
    known: bool  # the current revision is one of this version's migrations

    @property
    def up_to_date(self) -> bool:
        return self.current in self.heads

    @property
    def behind(self) -> bool:
        return self.current is not None and self.known and not self.up_to_date

    @property
    def unknown(self) -> bool:
        return self.current is not None and not self.known


@lru_cache(maxsize=1)
def _revisions() -> tuple[tuple[str, ...], frozenset[str]]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return tuple(script.get_heads()), frozenset(rev.revision for rev in script.walk_revisions())


def schema_state(bind: Engine | Connection) -> SchemaState:
    """Where the database's schema is against this version's migrations (one small query)."""
    from alembic.runtime.migration import MigrationContext

    # Alembic announces its plugins and the dialect at INFO; a check is not worth log lines.
    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        heads, known = _revisions()
        if isinstance(bind, Engine):
            with bind.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
        else:
            current = MigrationContext.configure(bind).get_current_revision()
    finally:
        alembic_log.setLevel(level)
    return SchemaState(current=current, heads=heads, known=current in known)


def schema_problem(engine: Engine) -> str | None:
    """Why this version cannot work on the database's schema (never migrated, behind, unknown):
    one line saying what to do, or None when the schema is this version's."""
    state = schema_state(engine)
    if state.current is None:
        return "the database has no schema yet: run `einvoice migrate`"
    if state.behind:
        return (f"the database schema is at {state.current}, this version needs {', '.join(state.heads)}: "
                "run `einvoice migrate`")
    if state.unknown:
        return (f"the database schema is at {state.current}, which this version does not know "
                "(a newer version migrated it): run that version, or restore a backup")
    return None
