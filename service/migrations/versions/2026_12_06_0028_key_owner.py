"""An API key may name the staff user who owns it (issue #16: four eyes count people, not credentials)

A person's own key and their workspace account are one person: with the key's owner recorded,
four eyes and bank-account verification refuse the second step from the other of the two.

Revision ID: 0028_key_owner
Revises: 0027_saved_views
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_key_owner"
down_revision = "0027_saved_views"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("owner_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_api_keys_owner_id", ["owner_id"])
        batch.create_foreign_key("fk_api_keys_owner_id_staff_users", "staff_users", ["owner_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("fk_api_keys_owner_id_staff_users", type_="foreignkey")
        batch.drop_index("ix_api_keys_owner_id")
        batch.drop_column("owner_id")
