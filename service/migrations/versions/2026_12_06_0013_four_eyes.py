"""Four eyes: versioned approval rules, every manual approval, the approval on audit and feed events

Revision ID: 0013_four_eyes
Revises: 0012_documents_received
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

from service.models.base import DecimalType, UTCDateTime

revision = "0013_four_eyes"
down_revision = "0012_documents_received"
branch_labels = None
depends_on = None


# "awaiting_approval" is 17 characters: the status columns grow from 16 to 32. SQLite does not
# enforce VARCHAR lengths, so only PostgreSQL needs the (catalogue-only) change.
_STATUS_COLUMNS = (("invoices", "status", False), ("audit_events", "from_status", True),
                   ("audit_events", "to_status", False), ("change_feed", "from_status", True),
                   ("change_feed", "to_status", False))


def _status_width(width: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in _STATUS_COLUMNS:
        op.alter_column(table, column, type_=sa.String(width), existing_nullable=nullable)


def upgrade() -> None:
    _status_width(32)
    op.create_table(
        "approval_rule_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_rule_versions")),
        sa.UniqueConstraint("scope", "version", name=op.f("uq_approval_rule_versions_scope_version")),
    )
    op.create_table(
        "invoice_approvals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("audit_event_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(8), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("rule_version", sa.String(200), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("overridden", sa.JSON(), nullable=False),
        sa.Column("payable_amount", DecimalType(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("first_approver", sa.String(200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_approvals_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["audit_event_id"], ["audit_events.id"],
                                name=op.f("fk_invoice_approvals_audit_event_id_audit_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_approvals")),
    )
    op.create_index("ix_invoice_approvals_invoice_at", "invoice_approvals", ["invoice_id", "at"])
    op.create_index(op.f("ix_invoice_approvals_at"), "invoice_approvals", ["at"])
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("approval", sa.JSON(), nullable=True))
    with op.batch_alter_table("change_feed") as batch:
        batch.add_column(sa.Column("approval", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_feed") as batch:
        batch.drop_column("approval")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("approval")
    op.drop_index(op.f("ix_invoice_approvals_at"), table_name="invoice_approvals")
    op.drop_index("ix_invoice_approvals_invoice_at", table_name="invoice_approvals")
    op.drop_table("invoice_approvals")
    op.drop_table("approval_rule_versions")
    _status_width(16)
