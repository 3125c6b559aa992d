"""Buyer organisations with their identifiers; every invoice belongs to one

An existing installation needs no manual step: the default organisation is created here and every
stored invoice is given to it. It has no identifiers, so it keeps taking every buyer until an
operator gives organisations their identifiers (README, "Organisations").

Revision ID: 0014_organisations
Revises: 0013_four_eyes
Create Date: 2026-12-06
"""

from datetime import UTC, datetime
import uuid

from alembic import op
import sqlalchemy as sa

from service.models.base import UTCDateTime

revision = "0014_organisations"
down_revision = "0013_four_eyes"
branch_labels = None
depends_on = None

# service.models.organisations.DEFAULT_ORGANISATION_ID (repeated: a migration must not change later)
DEFAULT_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def upgrade() -> None:
    organisations = op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "organisation_identifiers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("scheme", sa.String(8), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_organisation_identifiers_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_identifiers")),
        sa.UniqueConstraint("scheme", "value", name=op.f("uq_organisation_identifiers_scheme_value")),
    )
    op.create_index(op.f("ix_organisation_identifiers_organisation_id"), "organisation_identifiers",
                    ["organisation_id"])
    now = datetime.now(UTC)
    op.bulk_insert(organisations, [{"id": DEFAULT_ID, "name": "Default organisation", "is_default": True,
                                    "created_at": now, "updated_at": now}])
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
        batch.create_index(op.f("ix_invoices_organisation_id"), ["organisation_id"])
    invoices = sa.table("invoices", sa.column("organisation_id", sa.Uuid()))
    op.execute(invoices.update().values(organisation_id=DEFAULT_ID))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index(op.f("ix_invoices_organisation_id"))
        batch.drop_column("organisation_id")
    op.drop_index(op.f("ix_organisation_identifiers_organisation_id"), table_name="organisation_identifiers")
    op.drop_table("organisation_identifiers")
    op.drop_table("organisations")
