"""Master data: suppliers, purchase orders, goods receipts (master-data area)

Revision ID: 0002_masterdata
Revises: 0001_foundation
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from service.models.base import DecimalType, UTCDateTime

revision = "0002_masterdata"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("electronic_address_scheme", sa.String(8), nullable=True),
        sa.Column("electronic_address_value", sa.String(200), nullable=True),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint(
            "electronic_address_scheme", "electronic_address_value",
            name=op.f("uq_suppliers_electronic_address_scheme_electronic_address_value"),
        ),
    )

    op.create_table(
        "supplier_identifiers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("scheme", sa.String(8), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        _fk("supplier_identifiers", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_identifiers")),
    )
    op.create_index("ix_supplier_identifiers_scheme_value", "supplier_identifiers", ["scheme", "value"])
    op.create_index(op.f("ix_supplier_identifiers_supplier_id"), "supplier_identifiers", ["supplier_id"])

    op.create_table(
        "supplier_bank_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("iban", sa.String(34), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("supplier_bank_accounts", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_bank_accounts")),
        sa.UniqueConstraint("supplier_id", "iban", name=op.f("uq_supplier_bank_accounts_supplier_id_iban")),
    )
    op.create_index(op.f("ix_supplier_bank_accounts_iban"), "supplier_bank_accounts", ["iban"])
    op.create_index(op.f("ix_supplier_bank_accounts_supplier_id"), "supplier_bank_accounts", ["supplier_id"])

    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("purchase_orders", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    op.create_index(op.f("ix_purchase_orders_number"), "purchase_orders", ["number"], unique=True)
    op.create_index(op.f("ix_purchase_orders_supplier_id"), "purchase_orders", ["supplier_id"])

    op.create_table(
        "purchase_order_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("buyer_reference", sa.String(200), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("purchase_order_versions", "purchase_order_id", "purchase_orders"),
        _fk("purchase_order_versions", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_versions")),
        sa.UniqueConstraint("purchase_order_id", "version",
                            name=op.f("uq_purchase_order_versions_purchase_order_id_version")),
    )

    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("item_name", sa.String(500), nullable=False),
        sa.Column("seller_item_id", sa.String(200), nullable=True),
        sa.Column("standard_item_id", sa.String(200), nullable=True),
        sa.Column("quantity", DecimalType(), nullable=False),
        sa.Column("unit_code", sa.String(8), nullable=False),
        sa.Column("unit_price", DecimalType(), nullable=False),
        sa.Column("base_quantity", DecimalType(), nullable=False),
        sa.Column("vat_category", sa.String(4), nullable=False),
        sa.Column("vat_rate", DecimalType(), nullable=False),
        sa.Column("receipt_required", sa.Boolean(), nullable=False),
        _fk("purchase_order_lines", "version_id", "purchase_order_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint("version_id", "line_id", name=op.f("uq_purchase_order_lines_version_id_line_id")),
    )

    op.create_table(
        "goods_receipts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("receipt_id", sa.String(200), nullable=False),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("po_number", sa.String(200), nullable=False),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("goods_receipts", "purchase_order_id", "purchase_orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_receipts")),
    )
    op.create_index(op.f("ix_goods_receipts_purchase_order_id"), "goods_receipts", ["purchase_order_id"])
    op.create_index(op.f("ix_goods_receipts_receipt_id"), "goods_receipts", ["receipt_id"], unique=True)

    op.create_table(
        "goods_receipt_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("goods_receipt_id", sa.Uuid(), nullable=False),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("po_line_id", sa.String(100), nullable=False),
        sa.Column("quantity", DecimalType(), nullable=False),
        sa.Column("unit_code", sa.String(8), nullable=True),
        _fk("goods_receipt_lines", "goods_receipt_id", "goods_receipts"),
        _fk("goods_receipt_lines", "purchase_order_id", "purchase_orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goods_receipt_lines")),
    )
    op.create_index(op.f("ix_goods_receipt_lines_goods_receipt_id"), "goods_receipt_lines", ["goods_receipt_id"])
    op.create_index("ix_goods_receipt_lines_order_line", "goods_receipt_lines",
                    ["purchase_order_id", "po_line_id"])

    op.create_table(
        "masterdata_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("purchase_order_id", sa.Uuid(), nullable=True),
        sa.Column("po_number", sa.String(200), nullable=True),
        sa.Column("order_version", sa.Integer(), nullable=True),
        sa.Column("goods_receipt_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_masterdata_events")),
    )
    op.create_index(op.f("ix_masterdata_events_at"), "masterdata_events", ["at"])
    op.create_index(op.f("ix_masterdata_events_purchase_order_id"), "masterdata_events", ["purchase_order_id"])
    op.create_index(op.f("ix_masterdata_events_supplier_id"), "masterdata_events", ["supplier_id"])


def downgrade() -> None:
    for table in ("masterdata_events", "goods_receipt_lines", "goods_receipts", "purchase_order_lines",
                  "purchase_order_versions", "purchase_orders", "supplier_bank_accounts",
                  "supplier_identifiers", "suppliers"):
        op.drop_table(table)
