"""Staff sign-in through OpenID Connect: provider-linked accounts without a password

Revision ID: 0008_oidc_sign_in
Revises: 0007_credit_note_lookup
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = "0008_oidc_sign_in"
down_revision = "0007_credit_note_lookup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=True)
        batch.add_column(sa.Column("oidc_issuer", sa.String(500), nullable=True))
        batch.add_column(sa.Column("oidc_subject", sa.String(255), nullable=True))
        batch.create_unique_constraint("uq_staff_users_oidc_issuer_oidc_subject", ["oidc_issuer", "oidc_subject"])


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint("uq_staff_users_oidc_issuer_oidc_subject", type_="unique")
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=False)
