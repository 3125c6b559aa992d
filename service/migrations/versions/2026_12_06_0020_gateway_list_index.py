"""A gateway's list page from an index (issue #21: growth)

A gateway key lists what it delivered (``received_by``), newest first: with many gateways each
delivers a small share, and without this index a page walked the newest invoices of all of them.

Revision ID: 0020_gateway_list_index
Revises: 0019_linked_order
Create Date: 2026-12-06
"""

from alembic import op

revision = "0020_gateway_list_index"
down_revision = "0019_linked_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_received_by_created_at_id", "invoices", ["received_by", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_invoices_received_by_created_at_id", table_name="invoices")
