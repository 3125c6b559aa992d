"""saved_views: a staff member's named views of the workspace's find list (#17)

Revision ID: 0027_saved_views
Revises: 0026_check_notes_two_languages
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from service.models.base import UTCDateTime

revision = "0027_saved_views"
down_revision = "0026_check_notes_two_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], name=op.f("fk_saved_views_user_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_views_user_id_name")),
    )
    op.create_index(op.f("ix_saved_views_user_id"), "saved_views", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_views_user_id"), table_name="saved_views")
    op.drop_table("saved_views")
