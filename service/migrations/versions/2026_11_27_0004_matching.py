"""Matching: decisions, ledger, policies, standing orders (matching area)

Revision ID: 0004_matching
Revises: 0003_invoices
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from service.models.base import DecimalType, UTCDateTime

revision = "0004_matching"
down_revision = "0003_invoices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("order_number", sa.String(200), nullable=True),
        sa.Column("order_version", sa.Integer(), nullable=True),
        sa.Column("policy_version", sa.String(200), nullable=False),
        sa.Column("engine_version", sa.String(50), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_match_decisions_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_decisions")),
    )
    for col in ("invoice_id", "order_number", "created_at"):
        op.create_index(op.f(f"ix_match_decisions_{col}"), "match_decisions", [col])

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(200), nullable=False),
        sa.Column("order_line_id", sa.String(200), nullable=False),
        sa.Column("quantity", DecimalType(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("corrected_invoice_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("invoice_received_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_ledger_entries_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["decision_id"], ["match_decisions.id"],
                                name=op.f("fk_ledger_entries_decision_id_match_decisions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(op.f("ix_ledger_entries_invoice_id"), "ledger_entries", ["invoice_id"])
    op.create_index(op.f("ix_ledger_entries_corrected_invoice_id"), "ledger_entries", ["corrected_invoice_id"])
    op.create_index("ix_ledger_entries_order_line", "ledger_entries", ["order_number", "order_line_id"])

    op.create_table(
        "ledger_balances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(200), nullable=False),
        sa.Column("order_line_id", sa.String(200), nullable=False),
        sa.Column("quantity", DecimalType(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_balances")),
        sa.UniqueConstraint("order_number", "order_line_id",
                            name=op.f("uq_ledger_balances_order_number_order_line_id")),
    )

    op.create_table(
        "match_policy_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_policy_versions")),
        sa.UniqueConstraint("scope", "version", name=op.f("uq_match_policy_versions_scope_version")),
    )

    op.create_table(
        "standing_order_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("buyer_reference", sa.String(200), nullable=True),
        sa.Column("contract_reference", sa.String(200), nullable=True),
        sa.Column("expected_amount", DecimalType(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("tolerance_abs", DecimalType(), nullable=False),
        sa.Column("tolerance_pct", DecimalType(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_order_rules")),
    )
    op.create_index(op.f("ix_standing_order_rules_supplier_id"), "standing_order_rules", ["supplier_id"])


def downgrade() -> None:
    op.drop_table("standing_order_rules")
    op.drop_table("match_policy_versions")
    op.drop_table("ledger_balances")
    op.drop_table("ledger_entries")
    op.drop_table("match_decisions")
