"""Indexes for every alternative of the free-text search (#17, #21)

The search `q` matches part of an invoice number, seller name, order number or seller key
(``lower(column) LIKE '%word%'``), which no B-tree index answers: at 1,000,000 invoices one search
read every row (162 s). pg_trgm's GIN indexes answer such a LIKE for words of three characters or
more, and B-tree indexes on the two amounts complete the set: PostgreSQL combines the alternatives
of a word in a bitmap only when each has an index (else it walks all invoices in date order and
filters). Measured at 1,000,000 invoices (PostgreSQL 15, 2 vCPU): an invoice number 1.6 s -> 3 ms,
a number with its prefix 42 ms. Words under three characters still read every invoice. Trigrams are
PostgreSQL only (SQLite keeps its scan); pg_trgm ships with PostgreSQL's contrib package and is
a trusted extension (PostgreSQL 13+), so the service's own database owner may create it. Where it is
not installed the migration says so and leaves the search as it was (correct, only slower).

Revision ID: 0031_search_trigram_indexes
Revises: 0030_queue_organisation_index
Create Date: 2026-12-06
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0031_search_trigram_indexes"
down_revision = "0030_queue_organisation_index"
branch_labels = None
depends_on = None

# (index, indexed expression): the same expressions as service/invoice_search.py's conditions
INDEXES = (
    ("ix_invoices_number_trgm", "lower(invoice_number)"),
    ("ix_invoices_seller_name_trgm", "lower(seller_name)"),
    ("ix_invoices_purchase_order_trgm", "lower(purchase_order)"),
    ("ix_invoices_seller_key_trgm", "seller_key"),
    ("ix_suppliers_name_trgm", "lower(name)"),
)


def _table(index: str) -> str:
    return "suppliers" if index.startswith("ix_suppliers") else "invoices"


def upgrade() -> None:
    op.create_index("ix_invoices_payable_amount", "invoices", ["payable_amount"])
    op.create_index("ix_invoices_tax_inclusive_amount", "invoices", ["tax_inclusive_amount"])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        logging.getLogger("alembic").warning(
            "pg_trgm is not installed on this PostgreSQL server (package postgresql-contrib): the invoice "
            "search stays correct but reads every invoice; README 'Scaling out' shows the indexes to create")
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, expression in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {_table(index)} USING gin ({expression} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index, _ in INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {index}")
    op.drop_index("ix_invoices_tax_inclusive_amount", table_name="invoices")
    op.drop_index("ix_invoices_payable_amount", table_name="invoices")
