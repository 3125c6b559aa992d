"""Review workspace: staff users, comments (workspace area)

Revision ID: 0006_workspace
Revises: 0005_erp
Create Date: 2026-11-27
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import service.models.base  # noqa: F401  (custom column types)

revision = "0006_workspace"
down_revision = "0005_erp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
