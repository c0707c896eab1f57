"""background jobs: the jobs table (state, progress, heartbeat), the job solving each dry run, rankings computed by jobs

Revision ID: b41f6c9e2a07
Revises: d7e3a1c5b8f2
Create Date: 2026-11-30 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import contest.models.types


# revision identifiers, used by Alembic.
revision = 'b41f6c9e2a07'
down_revision = 'd7e3a1c5b8f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('parameters_json', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('QUEUED', 'RUNNING', 'DONE', 'FAILED', name='jobstatus', native_enum=False, length=20), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('failure', sa.Enum('CRASHED', 'WORKER_LOST', 'NOT_DISPATCHED', name='jobfailure', native_enum=False, length=20), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result_json', sa.Text(), nullable=True),
    sa.Column('result_file', sa.LargeBinary(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', contest.models.types.UTCDateTime(), nullable=False),
    sa.Column('started_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_status_heartbeat_at', ['status', 'heartbeat_at'], unique=False)

    op.create_table('ranking_answers',
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('result_json', sa.Text(), nullable=False),
    sa.Column('computed_at', contest.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('inputs_hash', name=op.f('pk_ranking_answers'))
    )

    with op.batch_alter_table('assignment_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assignment_runs_job_id_jobs'), 'jobs', ['job_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('assignment_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_runs_job_id_jobs'), type_='foreignkey')
        batch_op.drop_column('job_id')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_status_heartbeat_at')

    op.drop_table('ranking_answers')
    op.drop_table('jobs')
