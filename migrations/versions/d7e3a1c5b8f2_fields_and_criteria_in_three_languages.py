"""fields and criteria in three languages: Russian and English names (and descriptions) beside the Uzbek

Revision ID: d7e3a1c5b8f2
Revises: d7e3a1c5b902
Create Date: 2026-11-30 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e3a1c5b8f2'
down_revision = 'd7e3a1c5b902'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_fields', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_ru', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('name_en', sa.String(length=120), server_default='', nullable=False))
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_ru', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('name_en', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('description_ru', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('description_en', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.drop_column('description_en')
        batch_op.drop_column('description_ru')
        batch_op.drop_column('name_en')
        batch_op.drop_column('name_ru')
    with op.batch_alter_table('contest_fields', schema=None) as batch_op:
        batch_op.drop_column('name_en')
        batch_op.drop_column('name_ru')
