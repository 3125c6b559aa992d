"""Per-key request counts of the current rate-limit window, shared by every server process

Revision ID: 0015_api_key_rate_windows
Revises: 0014_organisations
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = "0015_api_key_rate_windows"
down_revision = "0014_organisations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key_rate_windows",
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_key_rate_windows")),
    )


def downgrade() -> None:
    op.drop_table("api_key_rate_windows")
