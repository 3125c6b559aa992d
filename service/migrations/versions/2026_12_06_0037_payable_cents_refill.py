"""payable_cents for the invoices received while intake wrote it as NULL (#17)

Migration 0033 filled the amount sort key of the invoices stored then, and an INSERT default was to
write it for new ones; intake's prepared INSERT passes every column, the key as NULL, so invoices
received since kept none and sorted last. The model now sets the key with the amount; this fills it
where it is missing.

Revision ID: 0037_payable_cents_refill
Revises: 0036_staff_email_source
Create Date: 2026-12-06
"""

from decimal import ROUND_FLOOR, Decimal

from alembic import op

revision = "0037_payable_cents_refill"
down_revision = "0036_staff_email_source"
branch_labels = None
depends_on = None

MAX_CENTS = 10**18  # as models/invoices.py and migration 0033
BATCH = 10_000


def _cents(text: str) -> int:
    whole = int((Decimal(text) * 100).to_integral_value(rounding=ROUND_FLOOR))
    return max(-MAX_CENTS, min(MAX_CENTS, whole))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"UPDATE invoices SET payable_cents = greatest({-MAX_CENTS}, least({MAX_CENTS}, "
                   "floor(payable_amount * 100)))::bigint WHERE payable_cents IS NULL AND payable_amount IS NOT NULL")
        return
    last = 0
    while True:
        rows = bind.exec_driver_sql(
            "SELECT rowid, payable_amount FROM invoices WHERE rowid > ? AND payable_cents IS NULL "
            "AND payable_amount IS NOT NULL ORDER BY rowid LIMIT ?", (last, BATCH)).fetchall()
        if not rows:
            break
        bind.exec_driver_sql("UPDATE invoices SET payable_cents = ? WHERE rowid = ?",
                             [(_cents(amount), rowid) for rowid, amount in rows])
        last = rows[-1][0]


def downgrade() -> None:
    pass  # the keys it wrote are right under 0036 too
