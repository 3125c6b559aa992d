"""Index for the waiting credit notes of a seller (matching re-evaluates them when their invoice arrives)

Revision ID: 0007_credit_note_lookup
Revises: 0006_workspace
Create Date: 2026-11-27
"""

from alembic import op

revision = "0007_credit_note_lookup"
down_revision = "0006_workspace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_document_type_status", "invoices", ["document_type", "status"])


def downgrade() -> None:
    op.drop_index("ix_invoices_document_type_status", table_name="invoices")
