"""invoice_line_resolutions: invoice lines resolved by hand in the workspace (#17)

A reviewer pairs an invoice line with an order line that matching could not find, or accepts a
price or quantity variance with a reason; matching reads both as input on every re-match.

Revision ID: 0023_line_resolutions
Revises: 0022_feed_organisation_index
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from service.models.base import UTCDateTime

revision = "0023_line_resolutions"
down_revision = "0022_feed_organisation_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_line_resolutions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("line_id", sa.String(length=200), nullable=False),
        sa.Column("order_line_id", sa.String(length=200), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_invoice_line_resolutions_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_line_resolutions")),
    )
    op.create_index(op.f("ix_invoice_line_resolutions_invoice_id"), "invoice_line_resolutions", ["invoice_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_line_resolutions_invoice_id"), table_name="invoice_line_resolutions")
    op.drop_table("invoice_line_resolutions")
