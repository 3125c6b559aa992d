"""Invoice list pages and duplicate look-ups from an index however many invoices are stored (#21)

Every filter of ``GET /v1/invoices`` (status, seller, supplier, purchase order, or none) orders by
(created_at, id), and ``updated_after`` by (updated_at, id): with an index that starts with the
filter and continues with that order, a page is one short index range scan instead of a sort of
every matching invoice. The single-column indexes they replace are prefixes of these (or of
existing ones: status of (status, due_date, id)), so no look-up loses its index and an insert
writes no more indexes than before. The same-day duplicate look-up (seller, issue date, amount)
gets the amount into its index, so a seller who sends thousands of invoices a day costs no more.

Revision ID: 0018_invoice_list_indexes
Revises: 0017_bank_account_changes
Create Date: 2026-12-06
"""

from alembic import op

revision = "0018_invoice_list_indexes"
down_revision = "0017_bank_account_changes"
branch_labels = None
depends_on = None

# (new index, its columns, the index it replaces: a prefix of the new one)
INDEXES = (
    ("ix_invoices_created_at_id", ["created_at", "id"], "ix_invoices_created_at"),
    ("ix_invoices_updated_at_id", ["updated_at", "id"], "ix_invoices_updated_at"),
    ("ix_invoices_status_created_at_id", ["status", "created_at", "id"], "ix_invoices_status"),
    ("ix_invoices_supplier_created_at_id", ["supplier_id", "created_at", "id"], "ix_invoices_supplier_id"),
    ("ix_invoices_seller_key_created_at_id", ["seller_key", "created_at", "id"], "ix_invoices_seller_key"),
    ("ix_invoices_purchase_order_created_at_id", ["purchase_order", "created_at", "id"],
     "ix_invoices_purchase_order"),
    ("ix_invoices_supplier_issue_date_amount", ["supplier_id", "issue_date", "tax_inclusive_amount"],
     "ix_invoices_supplier_issue_date"),
    ("ix_invoices_seller_key_issue_date_amount", ["seller_key", "issue_date", "tax_inclusive_amount"],
     "ix_invoices_seller_key_issue_date"),
)
_OLD_COLUMNS = {"ix_invoices_supplier_issue_date": ["supplier_id", "issue_date"],
                "ix_invoices_seller_key_issue_date": ["seller_key", "issue_date"]}


def upgrade() -> None:
    for name, columns, old in INDEXES:
        op.create_index(name, "invoices", columns)
        op.drop_index(old, table_name="invoices")


def downgrade() -> None:
    for name, columns, old in INDEXES:
        op.create_index(old, "invoices", _OLD_COLUMNS.get(old, columns[:1]))
        op.drop_index(name, table_name="invoices")
