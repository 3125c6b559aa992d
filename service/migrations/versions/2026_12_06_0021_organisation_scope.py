"""Data per organisation: keys, suppliers, purchase orders, goods receipts, the change feed and
webhook subscriptions name their organisation; staff belong to one or more

Existing rows go to the default organisation (keys of admins and gateways stay instance-wide), so
a one-organisation installation needs no step and no flag.

Revision ID: 0021_organisation_scope
Revises: 0020_gateway_list_index
Create Date: 2026-12-06
"""

import uuid

from alembic import op
import sqlalchemy as sa

revision = "0021_organisation_scope"
down_revision = "0020_gateway_list_index"
branch_labels = None
depends_on = None

DEFAULT_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")  # service.models.organisations
# (table, filled with the default organisation, NOT NULL afterwards)
_SCOPED = (("api_keys", False, False), ("suppliers", True, True), ("purchase_orders", True, True),
           ("goods_receipts", True, True), ("change_feed", True, False), ("webhook_subscriptions", False, False))


def upgrade() -> None:
    for table, fill, required in _SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
            batch.create_index(op.f(f"ix_{table}_organisation_id"), ["organisation_id"])
        if fill:
            t = sa.table(table, sa.column("organisation_id", sa.Uuid()))
            op.execute(t.update().values(organisation_id=DEFAULT_ID))
        if required:
            with op.batch_alter_table(table) as batch:
                batch.alter_column("organisation_id", existing_type=sa.Uuid(), nullable=False)
    # keys of a role that works inside one organisation belong to the default one
    keys = sa.table("api_keys", sa.column("organisation_id", sa.Uuid()), sa.column("role", sa.String(16)))
    op.execute(keys.update().where(keys.c.role.in_(["erp", "reviewer", "supplier"]))
               .values(organisation_id=DEFAULT_ID))
    # a supplier's electronic address is unique within its organisation, no longer across the instance
    with op.batch_alter_table("suppliers") as batch:
        batch.drop_constraint("uq_suppliers_electronic_address_scheme_electronic_address_value", type_="unique")
        batch.create_unique_constraint("uq_suppliers_organisation_electronic_address",
                                       ["organisation_id", "electronic_address_scheme", "electronic_address_value"])
    op.create_table(
        "staff_user_organisations",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"],
                                name=op.f("fk_staff_user_organisations_user_id_staff_users")),
        sa.PrimaryKeyConstraint("user_id", "organisation_id", name=op.f("pk_staff_user_organisations")),
    )
    users = sa.table("staff_users", sa.column("id", sa.Uuid()))
    members = sa.table("staff_user_organisations", sa.column("user_id", sa.Uuid()),
                       sa.column("organisation_id", sa.Uuid()))
    op.execute(members.insert().from_select(["user_id", "organisation_id"],
                                            sa.select(users.c.id, sa.literal(DEFAULT_ID, sa.Uuid()))))


def downgrade() -> None:
    op.drop_table("staff_user_organisations")
    with op.batch_alter_table("suppliers") as batch:
        batch.drop_constraint("uq_suppliers_organisation_electronic_address", type_="unique")
        batch.create_unique_constraint("uq_suppliers_electronic_address_scheme_electronic_address_value",
                                       ["electronic_address_scheme", "electronic_address_value"])
    for table, _, _ in reversed(_SCOPED):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_organisation_id"))
            batch.drop_column("organisation_id")
