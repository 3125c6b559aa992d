"""Hand-overs, notifications and staff e-mail addresses (issue #17: workspace, hand over)

An invoice is assigned to a colleague or forwarded to a budget holder who confirms the delivery
(a prestatieverklaring, recorded as a goods receipt with source ``prestatieverklaring``: longer
than the 16 characters the receipt's source had). Notifications are the in-app list; a staff user's
e-mail address is where they are mailed.

Revision ID: 0024_handovers
Revises: 0023_line_resolutions
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from service.models.base import UTCDateTime

revision = "0024_handovers"
down_revision = "0023_line_resolutions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
    with op.batch_alter_table("goods_receipts") as batch:
        batch.alter_column("source", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False)
    op.create_table(
        "handovers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("invoice_id", sa.Uuid(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.String(), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("receipt_id", sa.String(200), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_handovers_invoice_id", "handovers", ["invoice_id"])
    op.create_index("ix_handovers_organisation_id", "handovers", ["organisation_id"])
    op.create_index("ix_handovers_assignee_status", "handovers", ["assignee_id", "status"])
    op.create_index("ix_handovers_requested_by_status", "handovers", ["requested_by", "status"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), sa.ForeignKey("invoices.id"), nullable=True),
        sa.Column("handover_id", sa.Uuid(), sa.ForeignKey("handovers.id"), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_notifications_user_read", "notifications", ["user_id", "read_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_user_read", table_name="notifications")
    op.drop_table("notifications")
    for name in ("ix_handovers_requested_by_status", "ix_handovers_assignee_status", "ix_handovers_organisation_id",
                 "ix_handovers_invoice_id"):
        op.drop_index(name, table_name="handovers")
    op.drop_table("handovers")
    with op.batch_alter_table("goods_receipts") as batch:
        batch.alter_column("source", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False)
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("email")
