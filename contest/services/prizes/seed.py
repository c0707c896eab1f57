"""The catalogue a season starts with: a car per contest, ten internship places, eight countries."""
from __future__ import annotations

from flask_babel import gettext as _

from contest.extensions import db
from contest.models import Contest, FixedPrize, InternshipCountry, PrizeSettings, Season

CAR_COST = 450_000_000
INTERNSHIP_PLACES = 10
# code, name, soums per person (travel, stay, stipend), places
DEFAULT_COUNTRIES = (
    ("DE", "Germany", 180_000_000, 2),
    ("JP", "Japan", 210_000_000, 2),
    ("CN", "China", 120_000_000, 2),
    ("RU", "Russia", 90_000_000, 2),
    ("IT", "Italy", 160_000_000, 2),
    ("TR", "Turkey", 75_000_000, 2),
    ("KR", "South Korea", 190_000_000, 2),
    ("SG", "Singapore", 200_000_000, 2),
)


def default_prize_name(contest: Contest) -> str:
    return _("Electric car: first place, %(contest)s", contest=contest.title)


def create_catalogue(season: Season) -> PrizeSettings:
    """The default catalogue (a car per contest, the internship countries), made with the season itself so
    that no page has to create it on a first visit (a GET writes nothing)."""
    settings = PrizeSettings(season=season, internship_places=INTERNSHIP_PLACES, share_rule="proportional")
    db.session.add(settings)
    for contest in season.contests:
        db.session.add(FixedPrize(season_id=season.id, contest=contest, place=1, cost=CAR_COST,
                                  name=default_prize_name(contest)))
    for position, (code, name, cost, capacity) in enumerate(DEFAULT_COUNTRIES):
        db.session.add(InternshipCountry(season_id=season.id, code=code, name=name, cost=cost, capacity=capacity,
                                         position=position))
    db.session.flush()
    return settings

