"""Administrators' changes to staff accounts, audited (issue #17: user administration in the workspace)

Revision ID: 0029_staff_changes
Revises: 0028_key_owner
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from service.models.base import UTCDateTime

revision = "0029_staff_changes"
down_revision = "0028_key_owner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_changes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("staff_users.id"), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_staff_changes_user_id", "staff_changes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_changes_user_id", table_name="staff_changes")
    op.drop_table("staff_changes")
