"""reassignments: who replaced a judge after a declared conflict, when and why

Revision ID: d7e3a9c5b1f4
Revises: c4b1f2a7d9e0
Create Date: 2026-11-30 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import contest.models.types


# revision identifiers, used by Alembic.
revision = 'd7e3a9c5b1f4'
down_revision = 'c4b1f2a7d9e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reassignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('released_judge_id', sa.Integer(), nullable=False),
        sa.Column('replacement_judge_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('discarded_marks', sa.Integer(), nullable=False),
        sa.Column('judges_conflicted', sa.Integer(), nullable=False),
        sa.Column('judges_full', sa.Integer(), nullable=False),
        sa.Column('judges_serving', sa.Integer(), nullable=False),
        sa.Column('created_at', contest.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['released_judge_id'], ['users.id']),
        sa.ForeignKeyConstraint(['replacement_judge_id'], ['users.id']),
        sa.ForeignKeyConstraint(['run_id'], ['assignment_runs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('reassignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reassignments_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reassignments_run_id'), ['run_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reassignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reassignments_run_id'))
        batch_op.drop_index(batch_op.f('ix_reassignments_entry_id'))
    op.drop_table('reassignments')
