"""An organisation's change-feed page from an index (issue #21: growth, with #19's scope)

A poller of one organisation reads ``organisation_id = ? AND position > ? ORDER BY position``;
with only the single-column indexes SQLite read the organisation's whole feed and sorted it.

Revision ID: 0022_feed_organisation_index
Revises: 0021_organisation_scope
Create Date: 2026-12-06
"""

from alembic import op

revision = "0022_feed_organisation_index"
down_revision = "0021_organisation_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_change_feed_organisation_id_position", "change_feed", ["organisation_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_change_feed_organisation_id_position", table_name="change_feed")
