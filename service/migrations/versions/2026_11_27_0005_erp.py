"""ERP integration: change feed, webhooks, outbox, deliveries (ERP area)

Revision ID: 0005_erp
Revises: 0004_matching
Create Date: 2026-11-27
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import service.models.base  # noqa: F401  (custom column types)

revision = "0005_erp"
down_revision = "0004_matching"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
