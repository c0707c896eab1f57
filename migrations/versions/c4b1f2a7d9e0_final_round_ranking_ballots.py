"""final round: ranking ballots (a finalist's place on a panel judge's ballot)

Revision ID: c4b1f2a7d9e0
Revises: 5b5305106fa2
Create Date: 2026-11-21 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4b1f2a7d9e0'
down_revision = '5b5305106fa2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ballot_position', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('ballot_position')
