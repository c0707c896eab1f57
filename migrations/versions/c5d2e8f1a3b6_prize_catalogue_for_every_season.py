"""every season has its prize catalogue: seasons made before it was created with the season get the defaults

Pages used to create the default catalogue on their first visit (a write on GET, and two first visits
at once collided on its unique key); seasons now get it when they are made. This gives the seasons made
before that the same defaults, worded in English as the catalogue stores names; organizers rename them.

Revision ID: c5d2e8f1a3b6
Revises: a9ebff2f8d56
Create Date: 2026-12-07 16:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d2e8f1a3b6'
down_revision = 'a9ebff2f8d56'
branch_labels = None
depends_on = None

# The defaults as they were when this revision was written (contest/services/prizes.py).
CAR_COST = 450_000_000
INTERNSHIP_PLACES = 10
COUNTRIES = (("DE", "Germany", 180_000_000, 2), ("JP", "Japan", 210_000_000, 2), ("CN", "China", 120_000_000, 2),
             ("RU", "Russia", 90_000_000, 2), ("IT", "Italy", 160_000_000, 2), ("TR", "Turkey", 75_000_000, 2),
             ("KR", "South Korea", 190_000_000, 2), ("SG", "Singapore", 200_000_000, 2))
CONTEST_TITLES = {"idea": "The Best Idea", "project": "The Best Project", "invention": "The Best Invention"}

seasons = sa.table('seasons', sa.column('id', sa.Integer))
contests = sa.table('contests', sa.column('id', sa.Integer), sa.column('season_id', sa.Integer),
                    sa.column('kind', sa.String))
prize_settings = sa.table('prize_settings', sa.column('season_id', sa.Integer),
                          sa.column('internship_places', sa.Integer), sa.column('share_rule', sa.String))
fixed_prizes = sa.table('fixed_prizes', sa.column('season_id', sa.Integer), sa.column('contest_id', sa.Integer),
                        sa.column('place', sa.Integer), sa.column('name', sa.String), sa.column('cost', sa.BigInteger))
internship_countries = sa.table('internship_countries', sa.column('season_id', sa.Integer),
                                sa.column('code', sa.String), sa.column('name', sa.String),
                                sa.column('cost', sa.BigInteger), sa.column('capacity', sa.Integer),
                                sa.column('position', sa.Integer))


def upgrade():
    connection = op.get_bind()
    without = connection.execute(
        sa.select(seasons.c.id).where(~sa.select(prize_settings.c.season_id)
                                      .where(prize_settings.c.season_id == seasons.c.id).exists())
    ).scalars().all()
    for season_id in without:
        connection.execute(prize_settings.insert().values(season_id=season_id, internship_places=INTERNSHIP_PLACES,
                                                          share_rule='proportional'))
        for contest_id, kind in connection.execute(
                sa.select(contests.c.id, contests.c.kind).where(contests.c.season_id == season_id)):
            title = CONTEST_TITLES.get(str(kind).lower(), str(kind))
            connection.execute(fixed_prizes.insert().values(
                season_id=season_id, contest_id=contest_id, place=1, cost=CAR_COST,
                name=f"Electric car: first place, {title}"))
        connection.execute(internship_countries.insert(), [
            {"season_id": season_id, "code": code, "name": name, "cost": cost, "capacity": capacity,
             "position": position}
            for position, (code, name, cost, capacity) in enumerate(COUNTRIES)])


def downgrade():
    pass  # the catalogues stay: a season's catalogue was always made on its first visit before
