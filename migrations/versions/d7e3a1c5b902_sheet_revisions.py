"""sheet revisions: a submitted sheet's changes are kept beside it until submitted

Revision ID: d7e3a1c5b902
Revises: d7e3a9c5b1f4
Create Date: 2026-11-30 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from contest.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'd7e3a1c5b902'
down_revision = 'd7e3a9c5b1f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sheet_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('overall_comment', sa.Text(), nullable=False),
        sa.Column('ballot_position', sa.Integer(), nullable=True),
        sa.Column('opened_at', UTCDateTime(), nullable=False),
        sa.Column('replaces_submitted_at', UTCDateTime(), nullable=True),
        sa.Column('submitted_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assignment_id', 'number'),
    )
    with op.batch_alter_table('sheet_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_revisions_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index('ix_sheet_revisions_one_open', ['assignment_id'], unique=True,
                              sqlite_where=sa.text('submitted_at IS NULL'),
                              postgresql_where=sa.text('submitted_at IS NULL'))
    op.create_table(
        'revision_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('revision_id', sa.Integer(), nullable=False),
        sa.Column('criterion_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['criterion_id'], ['criteria.id']),
        sa.ForeignKeyConstraint(['revision_id'], ['sheet_revisions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('revision_id', 'criterion_id'),
    )
    with op.batch_alter_table('revision_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revision_marks_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revision_marks_revision_id'), ['revision_id'], unique=False)


def downgrade():
    op.drop_table('revision_marks')
    op.drop_table('sheet_revisions')
