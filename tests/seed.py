"""What the migrations themselves write into a new database (the default organisation, migration
0014), kept per backend so that every test starts from a freshly migrated database.

A module of its own: tests that import ``tests.conftest`` get a second copy of the conftest module
(pytest imports it as ``conftest``), and both must see the one snapshot taken after the upgrade.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

# backend ("sqlite", "postgresql": one database each per test session) -> [(table, rows)]
_seeded: dict[str, list[tuple[Any, list[dict[str, Any]]]]] = {}


# kept like the schema: its token changes with the tables (migration 0032's triggers); put back, an
# old token would tell a process that its cached configuration is still current
_KEPT = frozenset({"cache_generations"})


def _tables() -> list[Any]:
    from service.models.base import metadata

    return [t for t in metadata.sorted_tables if t.name not in _KEPT]


def remember(backend: str, eng: Engine) -> None:
    """Read every table right after the upgrade: the rows the migrations wrote."""
    with eng.connect() as conn:
        _seeded[backend] = [(table, [dict(r) for r in conn.execute(table.select()).mappings()])
                            for table in _tables()]


def empty_all_tables(eng: Engine) -> None:
    """Back to the freshly migrated state: every row deleted, then what the migrations wrote put back."""
    with eng.begin() as conn:
        for table in reversed(_tables()):
            conn.execute(table.delete())
        for table, rows in _seeded.get(eng.dialect.name, []):
            if rows:
                conn.execute(table.insert(), rows)
