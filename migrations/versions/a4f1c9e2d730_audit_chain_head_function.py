"""audit chain head read after its lock in one statement (PostgreSQL function audit_chain_head)

Revision ID: a4f1c9e2d730
Revises: e5c2b7d41a93
Create Date: 2026-12-07 22:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4f1c9e2d730'
down_revision = 'e5c2b7d41a93'
branch_labels = None
depends_on = None

# As contest/models/audit.py creates it with the tables, frozen here as this revision wrote it.
CREATE = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint) RETURNS TABLE (seq integer, hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT e.seq, e.hash FROM audit_events AS e ORDER BY e.seq DESC LIMIT 1;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head(bigint)")
