"""invoice_reason_codes: each invoice's reason codes, kept by triggers, for the queue's counts (#17)

The review queue shows how many invoices under review carry each reason code. That count read the
``reasons`` JSON of every queued invoice (247 ms at 60,000 under review on SQLite), so it was cached
until the process committed a status change, and the first queue page after any decision paid it.
``invoice_reason_codes`` holds one row per invoice and code (a code repeated on several lines once),
with the invoice's status and organisation; the counts are one range of its index (status,
organisation_id, code). Triggers on ``invoices`` keep it in step in the writing transaction, whoever
writes (intake, the lifecycle, bulk loads and SQL fills); it is filled here from the invoices stored.

A code is what the old count read: the string ``code`` of an object in the ``reasons`` array, empty
ones left out (``reasons`` that is not an array gives no rows rather than failing the write).

Revision ID: 0038_invoice_reason_codes
Revises: 0037_payable_cents_refill
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0038_invoice_reason_codes"
down_revision = "0037_payable_cents_refill"
branch_labels = None
depends_on = None

TABLE = "invoice_reason_codes"
_INSERT = f"INSERT INTO {TABLE} (invoice_id, code, status, organisation_id)"


def _sqlite_codes(row: str, source: str = "") -> str:
    """SQLite: the rows of ``row`` (``new`` in a trigger; an alias of ``source``, a table, in a fill)."""
    code = "json_extract(CASE WHEN r.type = 'object' THEN r.value END, '$.code')"  # (a scalar is not JSON text)
    return (f"SELECT DISTINCT {row}.id, {code}, {row}.status, {row}.organisation_id FROM {source}"
            f"json_each(CASE WHEN json_type({row}.reasons) = 'array' THEN {row}.reasons ELSE '[]' END) r "
            f"WHERE {code} <> ''")


def _postgresql_codes(row: str, source: str = "") -> str:
    return (f"SELECT DISTINCT {row}.id, r.value ->> 'code', {row}.status, {row}.organisation_id "
            f"FROM {source}json_array_elements(CASE WHEN json_typeof({row}.reasons) = 'array' THEN {row}.reasons "
            "ELSE '[]'::json END) r WHERE coalesce(r.value ->> 'code', '') <> ''")


# an UPDATE that changes none of these leaves the rows as they are (most updates: versions, matching keys)
_CHANGED = ("old.id IS NOT new.id OR old.status IS NOT new.status OR old.organisation_id IS NOT new.organisation_id "
            "OR old.reasons IS NOT new.reasons")
_PG_CHANGED = ("OLD.id IS DISTINCT FROM NEW.id OR OLD.status IS DISTINCT FROM NEW.status OR OLD.organisation_id "
               "IS DISTINCT FROM NEW.organisation_id OR OLD.reasons::text IS DISTINCT FROM NEW.reasons::text")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("invoice_id", "code", name=op.f("pk_invoice_reason_codes")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION einvoice_invoice_reason_codes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    TRUNCATE {TABLE};
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    DELETE FROM {TABLE} WHERE invoice_id = OLD.id;
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    {_INSERT} {_postgresql_codes("NEW")};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"CREATE TRIGGER {TABLE}_insert_delete AFTER INSERT OR DELETE ON invoices "
                   "FOR EACH ROW EXECUTE FUNCTION einvoice_invoice_reason_codes()")
        op.execute(f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF id, status, organisation_id, reasons ON invoices "
                   f"FOR EACH ROW WHEN ({_PG_CHANGED}) EXECUTE FUNCTION einvoice_invoice_reason_codes()")
        op.execute(f"CREATE TRIGGER {TABLE}_truncate AFTER TRUNCATE ON invoices "
                   "FOR EACH STATEMENT EXECUTE FUNCTION einvoice_invoice_reason_codes()")
        op.execute(f"{_INSERT} {_postgresql_codes('i', 'invoices i CROSS JOIN LATERAL ')} AND i.reasons::text <> '[]'")
    else:
        op.execute(f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON invoices BEGIN "
                   f"{_INSERT} {_sqlite_codes('new')}; END")
        op.execute(f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF id, status, organisation_id, reasons ON invoices "
                   f"WHEN {_CHANGED} BEGIN DELETE FROM {TABLE} WHERE invoice_id = old.id; "
                   f"{_INSERT} {_sqlite_codes('new')}; END")
        op.execute(f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON invoices BEGIN "
                   f"DELETE FROM {TABLE} WHERE invoice_id = old.id; END")
        op.execute(f"{_INSERT} {_sqlite_codes('i', 'invoices i, ')} AND i.reasons <> '[]'")
    # after the fill: one sort instead of an index kept up row by row
    op.create_index("ix_invoice_reason_codes_status_organisation_code", TABLE, ["status", "organisation_id", "code"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("insert_delete", "update", "truncate"):
            op.execute(f"DROP TRIGGER {TABLE}_{trigger} ON invoices")
        op.execute("DROP FUNCTION einvoice_invoice_reason_codes()")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {TABLE}_{trigger}")
    op.drop_table(TABLE)
