"""outbox: every mail written with the change that causes it, then sent by a job

Revision ID: eced40ef8d0e
Revises: c5d2e8f1a3b6
Create Date: 2026-12-07 15:36:30.679194

"""
from alembic import op
import sqlalchemy as sa

import contest.models.types


# revision identifiers, used by Alembic.
revision = 'eced40ef8d0e'
down_revision = 'c5d2e8f1a3b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('secret_link', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('HELD', 'QUEUED', 'SENDING', 'SENT', 'FAILED', name='mailstatus', native_enum=False, length=20), nullable=False),
    sa.Column('batch', sa.String(length=60), nullable=True),
    sa.Column('batch_group', sa.String(length=60), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('failure', sa.Enum('REFUSED', 'GAVE_UP', 'INTERRUPTED', name='mailfailure', native_enum=False, length=20), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('sent_at', contest.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', contest.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_outbox_recipient_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_batch'), ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outbox_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_batch'))

    op.drop_table('outbox')
