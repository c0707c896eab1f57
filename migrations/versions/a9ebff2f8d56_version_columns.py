"""a version column on the rows organizers edit, so a save from a stale form is refused, not lost

Revision ID: a9ebff2f8d56
Revises: 3f9a61c2e7b4
Create Date: 2026-11-30 13:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9ebff2f8d56'
down_revision = '3f9a61c2e7b4'
branch_labels = None
depends_on = None

VERSIONED_TABLES = ('seasons', 'contests', 'contest_fields', 'criteria', 'contest_judges', 'scoring_rounds',
                    'prize_settings', 'fixed_prizes', 'internship_countries')


def upgrade():
    for table in VERSIONED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in reversed(VERSIONED_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
