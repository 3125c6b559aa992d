"""Where a staff user's e-mail address came from (#17): staff_users.email_source

"sign_in": the identity provider's token (its e-mail claim, taken at every sign-in); "admin": the
workspace's user administration; "command": `einvoice users create --email`. Rows written before
this migration keep NULL (not known); the user administration page then says nothing about it.

Revision ID: 0036_staff_email_source
Revises: 0035_cache_generations
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0036_staff_email_source"
down_revision = "0035_cache_generations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("email_source", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("email_source")
