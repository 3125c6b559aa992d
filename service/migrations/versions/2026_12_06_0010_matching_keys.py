"""Normal forms for matching's look-ups (issue #15): purchase_orders.number_key (BT-13 / BT-10 with
letter case and white space ignored), invoices.number_key / number_key_runs (look-alike invoice
numbers), and (seller, issue date) indexes for the same-day duplicate look-up; existing rows are
filled in.

Revision ID: 0010_matching_keys
Revises: 0009_supplier_policy_versions
Create Date: 2026-12-06
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0010_matching_keys"
down_revision = "0009_supplier_policy_versions"
branch_labels = None
depends_on = None

BATCH = 1000
_RUNS = re.compile(r"[^\W\d_]+|\d+")


# The normal forms as of this migration (service.normal_forms may change later; this data must not).
def _order_key(text: str) -> str:
    return "".join((text or "").split()).upper()[:200]


def _invoice_number_keys(text: str) -> tuple[str, str]:
    upper = (text or "").upper()
    runs = [r.lstrip("0") or "0" if r[0].isdigit() else r for r in _RUNS.findall(upper)]
    return "".join(ch for ch in upper if ch.isalnum())[:200], ".".join(runs)[:400]


def _fill(conn, table, select_cols, values_of) -> None:
    rows = conn.execute(sa.select(*select_cols)).all()
    for i in range(0, len(rows), BATCH):
        batch = [values_of(r) for r in rows[i:i + BATCH]]
        if batch:
            keys = [k for k in batch[0] if k != "b_id"]
            conn.execute(table.update().where(table.c.id == sa.bindparam("b_id"))
                         .values({k[2:]: sa.bindparam(k) for k in keys}), batch)


def upgrade() -> None:
    with op.batch_alter_table("purchase_orders") as batch:
        batch.add_column(sa.Column("number_key", sa.String(200), nullable=True))
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("number_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("number_key_runs", sa.String(400), nullable=True))
    conn = op.get_bind()
    po = sa.table("purchase_orders", sa.column("id"), sa.column("number"), sa.column("number_key"))
    _fill(conn, po, (po.c.id, po.c.number), lambda r: {"b_id": r.id, "b_number_key": _order_key(r.number)})
    inv = sa.table("invoices", sa.column("id"), sa.column("invoice_number"), sa.column("number_key"),
                   sa.column("number_key_runs"))

    def keys(r):
        k1, k2 = _invoice_number_keys(r.invoice_number or "")
        return {"b_id": r.id, "b_number_key": k1 or None, "b_number_key_runs": k2 or None}

    _fill(conn, inv, (inv.c.id, inv.c.invoice_number), keys)
    op.create_index("ix_purchase_orders_number_key", "purchase_orders", ["number_key"])
    op.create_index("ix_invoices_number_key", "invoices", ["number_key"])
    op.create_index("ix_invoices_number_key_runs", "invoices", ["number_key_runs"])
    op.create_index("ix_invoices_supplier_issue_date", "invoices", ["supplier_id", "issue_date"])
    op.create_index("ix_invoices_seller_key_issue_date", "invoices", ["seller_key", "issue_date"])


def downgrade() -> None:
    for name in ("ix_invoices_seller_key_issue_date", "ix_invoices_supplier_issue_date",
                 "ix_invoices_number_key_runs", "ix_invoices_number_key"):
        op.drop_index(name, table_name="invoices")
    op.drop_index("ix_purchase_orders_number_key", table_name="purchase_orders")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("number_key_runs")
        batch.drop_column("number_key")
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_column("number_key")
