"""invoices.linked_order: the order a reviewer tied the invoice to by hand (#17)

An invoice that names no order, or the wrong one, is linked to the right order in the workspace;
matching then uses the linked order instead of BT-13 (also on every later re-match), and the
document itself stays as the supplier sent it.

Revision ID: 0019_linked_order
Revises: 0018_invoice_list_indexes
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_linked_order"
down_revision = "0018_invoice_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("linked_order", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("linked_order")
