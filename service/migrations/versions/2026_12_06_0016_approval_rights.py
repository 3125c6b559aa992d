"""Approval rights and personal approval limits on API keys and staff users

Revision ID: 0016_approval_rights
Revises: 0015_api_key_rate_windows
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

from service.models.base import DecimalType

revision = "0016_approval_rights"
down_revision = "0015_api_key_rate_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("api_keys", "staff_users"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("rights", sa.JSON(), nullable=True))
            batch.add_column(sa.Column("approval_limit", DecimalType(), nullable=True))


def downgrade() -> None:
    for table in ("api_keys", "staff_users"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("approval_limit")
            batch.drop_column("rights")
