"""Master data: suppliers, purchase orders, goods receipts (master-data area)

Revision ID: 0002_masterdata
Revises: 0001_foundation
Create Date: 2026-11-27
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import service.models.base  # noqa: F401  (custom column types)

revision = "0002_masterdata"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
