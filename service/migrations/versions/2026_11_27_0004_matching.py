"""Matching: decisions, ledger, policies, standing orders (matching area)

Revision ID: 0004_matching
Revises: 0003_invoices
Create Date: 2026-11-27
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import service.models.base  # noqa: F401  (custom column types)

revision = "0004_matching"
down_revision = "0003_invoices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
