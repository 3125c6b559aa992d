"""Cache generations: the configuration intake reads for every invoice, cached per process (#21)

Organisation identifiers (the buyer directory), webhook subscriptions and matching policy versions
change rarely but were read by every new invoice (four statements). Triggers on their tables give
the row ``config`` of ``cache_generations`` a new random token on every insert, update and delete
(on PostgreSQL truncate too), in the writing transaction, whoever writes: a process keeps its copy
while the token it reads (one statement) is the one it loaded the copy under.

Revision ID: 0035_cache_generations
Revises: 0034_dashboard_event_indexes
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0035_cache_generations"
down_revision = "0034_dashboard_event_indexes"
branch_labels = None
depends_on = None

TABLES = ("organisation_identifiers", "webhook_subscriptions", "match_policy_versions")
NAME = "config"


def upgrade() -> None:
    op.create_table(
        "cache_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_generations")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute(f"INSERT INTO cache_generations (name, token) VALUES ('{NAME}', "
               f"{'(random() * 9.2e18)::bigint' if postgresql else 'random()'})")
    if postgresql:
        op.execute(f"""
            CREATE FUNCTION einvoice_new_cache_generation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO cache_generations (name, token)
                VALUES (TG_ARGV[0], (random() * 9.2e18)::bigint)
                ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
                RETURN NULL;
            END $$""")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_cache_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION einvoice_new_cache_generation('{NAME}')")
        return
    for table in TABLES:
        for what in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_cache_generation_{what.lower()} AFTER {what} ON {table} "
                       f"BEGIN INSERT OR REPLACE INTO cache_generations (name, token) "
                       f"VALUES ('{NAME}', random()); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_cache_generation ON {table}")
        op.execute("DROP FUNCTION einvoice_new_cache_generation()")
    else:
        for table in TABLES:
            for what in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_cache_generation_{what}")
    op.drop_table("cache_generations")
