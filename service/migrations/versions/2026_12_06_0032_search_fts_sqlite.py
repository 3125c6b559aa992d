"""SQLite: a trigram full-text index for the search's part-of matches (#17)

The search `q` matches part of an invoice number, seller name, order number or seller key
(``lower(column) LIKE '%word%'``). PostgreSQL answers that from pg_trgm indexes (migration 0031);
SQLite read every invoice (a search for one invoice number at 100,000 invoices: 265 ms). SQLite's
FTS5 with the trigram tokenizer (SQLite 3.34+) answers the same substring question from an index:
``invoice_search`` holds the four columns of each invoice under the invoice's rowid, kept in step by
triggers (every writer of invoices, bulk loads included, so no code path can forget it), and is
filled here from the invoices already stored.

The rows are joined on ``invoices.rowid``. Invoices are never deleted, so their rowids stay dense
and survive VACUUM and a dump and reload; should they ever drift, the statements of ``rebuild_sql()``
below refill the index.

Where SQLite lacks FTS5 or the trigram tokenizer the migration says so and leaves the search as it
was (correct, only slower); service/invoice_search.py looks for the table before using it.

Revision ID: 0032_search_fts_sqlite
Revises: 0031_search_trigram_indexes
Create Date: 2026-12-06
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0032_search_fts_sqlite"
down_revision = "0031_search_trigram_indexes"
branch_labels = None
depends_on = None

TABLE = "invoice_search"  # service/invoice_search.py FTS_TABLE
COLUMNS = ("invoice_number", "seller_name", "purchase_order", "seller_key")
_COLS = ", ".join(COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in COLUMNS)


def rebuild_sql() -> list[str]:
    """The statements that (re)fill the index from the invoices."""
    return [f"DELETE FROM {TABLE}",
            f"INSERT INTO {TABLE} (rowid, {_COLS}) SELECT rowid, {_COLS} FROM invoices"]


def _trigram_available(bind) -> bool:
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp.fts_trigram_probe USING fts5(x, tokenize='trigram')")
    except sa.exc.OperationalError:
        return False
    bind.exec_driver_sql("DROP TABLE temp.fts_trigram_probe")
    return True


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if not _trigram_available(bind):
        logging.getLogger("alembic").warning(
            "this SQLite has no FTS5 trigram tokenizer (SQLite 3.34+ built with FTS5): the invoice search "
            "stays correct but reads every invoice")
        return
    op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5({_COLS}, tokenize='trigram')")
    op.execute(f"CREATE TRIGGER invoice_search_insert AFTER INSERT ON invoices BEGIN "
               f"INSERT INTO {TABLE} (rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END")
    op.execute(f"CREATE TRIGGER invoice_search_update AFTER UPDATE OF {_COLS} ON invoices BEGIN "
               f"DELETE FROM {TABLE} WHERE rowid = old.rowid; "
               f"INSERT INTO {TABLE} (rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END")
    op.execute(f"CREATE TRIGGER invoice_search_delete AFTER DELETE ON invoices BEGIN "
               f"DELETE FROM {TABLE} WHERE rowid = old.rowid; END")
    for statement in rebuild_sql():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("invoice_search_insert", "invoice_search_update", "invoice_search_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
