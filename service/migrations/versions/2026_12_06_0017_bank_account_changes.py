"""Bank-account changes proposed by one person and verified (or rejected) by another

Revision ID: 0017_bank_account_changes
Revises: 0016_approval_rights
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

from service.models.base import UTCDateTime

revision = "0017_bank_account_changes"
down_revision = "0016_approval_rights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_account_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("iban", sa.String(34), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("decision_note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"],
                                name=op.f("fk_bank_account_changes_supplier_id_suppliers")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_bank_account_changes_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_account_changes")),
    )
    op.create_index("ix_bank_account_changes_supplier_at", "bank_account_changes", ["supplier_id", "proposed_at"])
    op.create_index(op.f("ix_bank_account_changes_iban"), "bank_account_changes", ["iban"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_account_changes_iban"), table_name="bank_account_changes")
    op.drop_index("ix_bank_account_changes_supplier_at", table_name="bank_account_changes")
    op.drop_table("bank_account_changes")
