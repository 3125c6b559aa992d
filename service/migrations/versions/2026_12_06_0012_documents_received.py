"""What the document came as: syntax (UBL / CII), container (Peppol envelope, Factur-X PDF), the
rule-set release that judged it, the business process (profile 02: an Invoice Response is due)

Revision ID: 0012_documents_received
Revises: 0011_invoice_order_key
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = "0012_documents_received"
down_revision = "0011_invoice_order_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("syntax", sa.String(8), nullable=True))
        batch.add_column(sa.Column("profile_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("validation_release", sa.String(100), nullable=True))
        batch.add_column(sa.Column("invoice_response_required", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("invoice_xml", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("envelope_sender", sa.String(200), nullable=True))
        batch.add_column(sa.Column("envelope_receiver", sa.String(200), nullable=True))
        batch.add_column(sa.Column("envelope_document_type", sa.String(500), nullable=True))
        batch.add_column(sa.Column("envelope_process", sa.String(200), nullable=True))
        batch.add_column(sa.Column("envelope_instance_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("envelope_country", sa.String(2), nullable=True))
        batch.create_unique_constraint("uq_invoices_envelope_instance_id", ["envelope_instance_id"])
    with op.batch_alter_table("change_feed") as batch:
        batch.add_column(sa.Column("invoice_response_required", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("change_feed") as batch:
        batch.drop_column("invoice_response_required")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint("uq_invoices_envelope_instance_id", type_="unique")
        for column in ("envelope_country", "envelope_instance_id", "envelope_process", "envelope_document_type",
                       "envelope_receiver", "envelope_sender", "invoice_xml", "invoice_response_required",
                       "validation_release", "profile_id", "syntax"):
            batch.drop_column(column)
