"""Covering indexes on audit_events for the dashboard's figures (#17)

The dashboard computes its figures from the transitions of the last twelve weeks: per day (straight-
through), and per invoice (first decision, payment, flagged for review). Without these indexes each
such query visited every event row; with them the index alone answers it. Measured at 100,000
invoices on SQLite (CPU, uncached, interleaved with the unindexed copy): straight-through per day
107 -> 23 ms, the ageing and payment figures 500 -> 243 ms, flagged suppliers 225 -> 136 ms; the
whole dashboard 1.2 -> 0.78 s. The rest reads the invoices themselves (the reasons of each, its
seller), which no index of these tables avoids.

Revision ID: 0034_dashboard_event_indexes
Revises: 0033_payable_cents
Create Date: 2026-12-06
"""

from alembic import op

revision = "0034_dashboard_event_indexes"
down_revision = "0033_payable_cents"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_audit_events_to_status_at", ["to_status", "at", "from_status", "invoice_id"]),
    ("ix_audit_events_invoice_status_at", ["invoice_id", "to_status", "at", "from_status"]),
)


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, "audit_events", columns)


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="audit_events")
