"""Editing the prize catalogue: the fixed prizes, the internship countries and the settings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from contest.catalogue import Message
from contest.extensions import db
from contest.money import soums
from contest.models import SHARE_RULES, FixedPrize, InternshipCountry, InternshipPreference, PrizeSettings, Season
from contest.services import versions
from contest.services.prizes.names import country_name, prize_name
from contest.services.prizes.refusals import PrizeError
from contest.services.versions import Read, Seen


def catalogue(season: Season) -> PrizeSettings:
    """The season's prize settings (every season has them from its creation, or from the migration that
    gave them to older seasons)."""
    return db.session.execute(db.select(PrizeSettings).where(PrizeSettings.season_id == season.id)).scalar_one()


def fixed_prizes(season: Season) -> list[FixedPrize]:
    return list(db.session.scalars(db.select(FixedPrize).where(FixedPrize.season_id == season.id)
                                   .order_by(FixedPrize.contest_id, FixedPrize.place, FixedPrize.id)))


def countries(season: Season) -> list[InternshipCountry]:
    return list(db.session.scalars(db.select(InternshipCountry).where(InternshipCountry.season_id == season.id)
                                   .order_by(InternshipCountry.position, InternshipCountry.id)))


@dataclass
class PrizeRow:
    prize: FixedPrize
    name: str
    cost: int | None
    seen: Seen | None = None


@dataclass
class CountryRow:
    country: InternshipCountry
    name: str
    cost: int | None
    capacity: int | None
    seen: Seen | None = None


def settings_shown(settings: PrizeSettings) -> dict[str, object]:
    """What the catalogue form shows of the season's prize settings."""
    return {"internship_places": settings.internship_places, "share_rule": settings.share_rule,
            "preferences_close_at": settings.preferences_close_at}


def prize_shown(prize: FixedPrize) -> dict[str, object]:
    """What a fixed prize's row of the catalogue shows."""
    return {"name": prize_name(prize), "cost": prize.cost}


def country_shown(country: InternshipCountry) -> dict[str, object]:
    """What a country's row of the catalogue shows."""
    return {"name": country_name(country.code, country.name), "cost": country.cost, "capacity": country.capacity}


def save_catalogue(season: Season, settings: PrizeSettings, *, places: int | None, share_rule: str,
                   preferences_close_at: datetime | None, prizes: list[PrizeRow], rows: list[CountryRow],
                   seen: Seen | None = None) -> None:
    """Check everything first, then change everything: a catalogue is never half-saved, and never
    saved over a row (or the settings) someone else changed since the form was read."""
    versions.check_all([Read(settings, seen, settings_shown(settings)),
                        *(Read(row.prize, row.seen, prize_shown(row.prize), prize_name(row.prize)) for row in prizes),
                        *(Read(row.country, row.seen, country_shown(row.country),
                               country_name(row.country.code, row.country.name)) for row in rows)])
    problems: list[Message] = []
    if places is None or places < 0:
        problems.append(Message("prize_places_negative"))
    if share_rule not in SHARE_RULES:
        problems.append(Message("prize_share_rule_unknown"))
    for row in prizes:
        problems += money_problems(row.name or row.prize.name, row.cost)
        if not row.name.strip():
            problems.append(Message("prize_needs_name"))
    for row in rows:
        problems += money_problems(row.name or row.country.code, row.cost)
        if row.capacity is None or row.capacity < 0:
            problems.append(Message("prize_country_places_negative", {"country": row.name}))
        if not row.name.strip():
            problems.append(Message("prize_country_needs_name"))
    if not problems:
        problems += budget_problems(season, sum(row.cost for row in prizes))
    if problems:
        raise PrizeError(problems)
    settings.internship_places, settings.share_rule = places, share_rule
    settings.preferences_close_at = preferences_close_at
    # A default name comes back as the page showed it, translated: it stays the default, not the translation.
    for row in prizes:
        if row.name.strip() != prize_name(row.prize):
            row.prize.name = row.name.strip()
        row.prize.cost = row.cost
    for row in rows:
        if row.name.strip() != country_name(row.country.code, row.country.name):
            row.country.name = row.name.strip()
        row.country.cost, row.country.capacity = row.cost, row.capacity
    db.session.flush()


def add_country(season: Season, *, code: str, name: str, cost: int | None, capacity: int | None) -> InternshipCountry:
    code = code.strip().upper()
    problems = money_problems(name, cost)
    if capacity is None or capacity < 0:
        problems.append(Message("prize_country_places_negative", {"country": name}))
    if not code or not name.strip():
        problems.append(Message("prize_country_code_and_name"))
    if db.session.scalar(db.select(InternshipCountry.id).where(InternshipCountry.season_id == season.id,
                                                               InternshipCountry.code == code)):
        problems.append(Message("prize_country_code_taken", {"code": code}))
    if problems:
        raise PrizeError(problems)
    position = db.session.scalar(db.select(func.coalesce(func.max(InternshipCountry.position), -1))
                                 .where(InternshipCountry.season_id == season.id)) + 1
    country = InternshipCountry(season_id=season.id, code=code, name=name.strip(), cost=cost, capacity=capacity,
                                position=position)
    db.session.add(country)
    db.session.flush()
    return country


def remove_country(country: InternshipCountry, version: int | None = None) -> None:
    """Its places and the preferences naming it go with it."""
    versions.check_removal(country, version)
    db.session.execute(db.delete(InternshipPreference).where(InternshipPreference.country_id == country.id))
    db.session.delete(country)
    db.session.flush()


def money_problems(what: str, cost: int | None) -> list[Message]:
    if cost is None:
        return [Message("prize_cost_missing", {"what": what})]
    if cost < 0:
        return [Message("prize_cost_negative", {"what": what})]
    return []


def budget_problems(season: Season, fixed_total: int) -> list[Message]:
    if fixed_total > season.budget:
        return [Message("prize_fixed_over_budget", {"fixed": soums(fixed_total), "budget": soums(season.budget)})]
    return []
