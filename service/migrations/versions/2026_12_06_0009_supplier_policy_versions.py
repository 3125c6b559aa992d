"""Record every supplier's current matching-policy overrides as a policy version

Until now a supplier's overrides were recorded as a version the first time a decision used them
(a read that wrote). Now master data records them when it saves the supplier and decisions only
read; suppliers whose current overrides were never recorded get their version here.

Revision ID: 0009_supplier_policy_versions
Revises: 0008_oidc_sign_in
Create Date: 2026-12-06
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_supplier_policy_versions"
down_revision = "0008_oidc_sign_in"
branch_labels = None
depends_on = None

_suppliers = sa.table("suppliers", sa.column("id", sa.Uuid()), sa.column("policy", sa.JSON()))
_versions = sa.table(
    "match_policy_versions",
    sa.column("id", sa.Uuid()), sa.column("scope", sa.String()), sa.column("version", sa.Integer()),
    sa.column("settings", sa.JSON()), sa.column("created_by", sa.String()), sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    conn = op.get_bind()
    latest: dict[str, tuple[int, dict]] = {}
    for scope, version, settings in conn.execute(sa.select(_versions.c.scope, _versions.c.version, _versions.c.settings)):
        if scope not in latest or version > latest[scope][0]:
            latest[scope] = (version, settings or {})
    rows = []
    for supplier_id, policy in conn.execute(sa.select(_suppliers.c.id, _suppliers.c.policy)):
        settings = {k: v for k, v in (policy or {}).items() if v is not None}
        known = latest.get(f"supplier:{supplier_id}")
        if (known is None and not settings) or (known is not None and known[1] == settings):
            continue
        rows.append({"id": uuid.uuid4(), "scope": f"supplier:{supplier_id}", "version": known[0] + 1 if known else 1,
                     "settings": settings, "created_by": "migration:0009", "created_at": datetime.now(UTC)})
    if rows:
        op.bulk_insert(_versions, rows)


def downgrade() -> None:
    op.execute(_versions.delete().where(_versions.c.created_by == "migration:0009"))
