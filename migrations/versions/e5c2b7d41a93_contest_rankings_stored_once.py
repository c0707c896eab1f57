"""contest rankings stored once, marked stale by a change of marks (replaces ranking_answers)

Revision ID: e5c2b7d41a93
Revises: b7c2e4f19a30
Create Date: 2026-12-07 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import contest.models.types


# revision identifiers, used by Alembic.
revision = 'e5c2b7d41a93'
down_revision = 'b7c2e4f19a30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contest_rankings',
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('changed_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('recompute_queued', sa.Boolean(), nullable=False),
    sa.Column('computed_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('inputs_hash', sa.String(length=64), nullable=True),
    sa.Column('instance_json', sa.Text(), nullable=True),
    sa.Column('result_json', sa.Text(), nullable=True),
    sa.Column('problems_json', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_rankings_contest_id_contests'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contest_id', 'method', name=op.f('pk_contest_rankings'))
    )
    # Answers keyed by the hash of their input: a cache, which the stored rankings replace.
    op.drop_table('ranking_answers')


def downgrade():
    op.create_table('ranking_answers',
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('result_json', sa.Text(), nullable=False),
    sa.Column('computed_at', contest.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('inputs_hash', name=op.f('pk_ranking_answers'))
    )
    op.drop_table('contest_rankings')
