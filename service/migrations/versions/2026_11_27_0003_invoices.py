"""Invoices, attachments, audit events (intake area)

Revision ID: 0003_invoices
Revises: 0002_masterdata
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from service.models.base import DecimalType, UTCDateTime

revision = "0003_invoices"
down_revision = "0002_masterdata"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("document_type", sa.String(16), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("invoice_number", sa.String(200), nullable=True),
        sa.Column("type_code", sa.String(8), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("seller_name", sa.String(500), nullable=True),
        sa.Column("seller_key", sa.String(300), nullable=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("purchase_order", sa.String(200), nullable=True),
        sa.Column("payable_amount", DecimalType(), nullable=True),
        sa.Column("tax_inclusive_amount", DecimalType(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("validation_report", sa.JSON(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("dedup_key", sa.String(600), nullable=True),
        sa.Column("duplicate_of", sa.Uuid(), nullable=True),
        sa.Column("received_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("sha256", name=op.f("uq_invoices_sha256")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_invoices_dedup_key")),
    )
    for col in ("status", "invoice_number", "seller_key", "supplier_id", "purchase_order",
                "created_at", "updated_at"):
        op.create_index(op.f(f"ix_invoices_{col}"), "invoices", [col])
    op.create_index("ix_invoices_status_due_date_id", "invoices", ["status", "due_date", "id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_audit_events_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_invoice_id"), "audit_events", ["invoice_id"])
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])

    op.create_table(
        "invoice_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_reference", sa.String(200), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("filename", sa.String(300), nullable=True),
        sa.Column("mime_code", sa.String(100), nullable=True),
        sa.Column("mime_allowed", sa.Boolean(), nullable=False),
        sa.Column("content_matches", sa.Boolean(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_invoice_attachments_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_attachments")),
        sa.UniqueConstraint("invoice_id", "position", name=op.f("uq_invoice_attachments_invoice_id_position")),
    )
    op.create_index(op.f("ix_invoice_attachments_invoice_id"), "invoice_attachments", ["invoice_id"])


def downgrade() -> None:
    op.drop_table("invoice_attachments")
    op.drop_table("audit_events")
    op.drop_table("invoices")
