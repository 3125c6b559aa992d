"""invoices.order_key: BT-13 (else BT-10) in its normal form, so that an order created later under
that number re-matches invoices that wrote it with other letter case or spaces (issue #15); filled
in for the invoices under review.

Revision ID: 0011_invoice_order_key
Revises: 0010_matching_keys
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_invoice_order_key"
down_revision = "0010_matching_keys"
branch_labels = None
depends_on = None

BATCH = 1000


def _order_key(text: str | None) -> str | None:  # the normal form as of this migration
    return "".join((text or "").split()).upper()[:200] or None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("order_key", sa.String(200), nullable=True))
    conn = op.get_bind()
    inv = sa.table("invoices", sa.column("id"), sa.column("status"), sa.column("data", sa.JSON),
                   sa.column("order_key"))
    rows = conn.execute(sa.select(inv.c.id, inv.c.data).where(inv.c.status == "needs_review")).all()
    values = []
    for r in rows:
        data = r.data if isinstance(r.data, dict) else {}
        key = _order_key(data.get("purchase_order_reference") or data.get("buyer_reference"))
        if key:
            values.append({"b_id": r.id, "b_key": key})
    for i in range(0, len(values), BATCH):
        conn.execute(inv.update().where(inv.c.id == sa.bindparam("b_id")).values(order_key=sa.bindparam("b_key")),
                     values[i:i + BATCH])
    op.create_index("ix_invoices_order_key", "invoices", ["order_key"])


def downgrade() -> None:
    op.drop_index("ix_invoices_order_key", table_name="invoices")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("order_key")
