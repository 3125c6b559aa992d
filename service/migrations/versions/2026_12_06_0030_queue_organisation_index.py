"""The review queue of one organisation from an index (#17)

The workspace's queue always filters on the staff member's organisation: with only
(status, due_date, id) every queued invoice was read to check its organisation, for the page, its
total and the previous/next look-up. Measured on 100,000 invoices (SQLite): 340 -> 16 ms median.

Revision ID: 0030_queue_organisation_index
Revises: 0029_staff_changes
Create Date: 2026-12-06
"""

from alembic import op

revision = "0030_queue_organisation_index"
down_revision = "0029_staff_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_organisation_status_due_date_id", "invoices",
                    ["organisation_id", "status", "due_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_invoices_organisation_status_due_date_id", table_name="invoices")
