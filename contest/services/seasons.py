"""Seasons, contest windows, fields and rubrics, as organizers shape them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func

from contest.extensions import db
from contest.models import DEFAULT_BUDGET, Contest, ContestField, ContestKind, Criterion, Entry, Season

DEFAULT_RUBRIC = (
    # name, description, weight
    ("Novelty", "How new the idea is compared with what exists.", Decimal("0.30")),
    ("Technical merit", "Soundness of the engineering and of the evidence.", Decimal("0.30")),
    ("Feasibility", "Whether it can be built and run with the means described.", Decimal("0.20")),
    ("Impact", "Economic and social value for Uzbekistan.", Decimal("0.20")),
)


class SeasonError(ValueError):
    """A change organizers asked for that the rules refuse; the message explains why."""


def create_season(year: int, budget: int = DEFAULT_BUDGET, *, opens_at: datetime, closes_at: datetime,
                  fields: list[str] | tuple[str, ...] = ()) -> Season:
    """A season with its three contests, each with the same window, fields and default rubric."""
    if db.session.scalar(db.select(Season.id).where(Season.year == year)):
        raise SeasonError(_("A season for %(year)s already exists.", year=year))
    _check_budget(budget)
    season = Season(year=year, budget=budget)
    for kind in ContestKind:
        contest = Contest(kind=kind, opens_at=opens_at, closes_at=closes_at)
        contest.fields = [ContestField(name=name) for name in unique_names(fields)]
        contest.criteria = [Criterion(name=name, description=text, weight=weight, scale_min=1, scale_max=10,
                                      position=i) for i, (name, text, weight) in enumerate(DEFAULT_RUBRIC)]
        season.contests.append(contest)
    db.session.add(season)
    db.session.flush()
    return season


def update_season(season: Season, *, year: int, budget: int) -> None:
    clash = db.session.scalar(db.select(Season.id).where(Season.year == year, Season.id != season.id))
    if clash:
        raise SeasonError(_("A season for %(year)s already exists.", year=year))
    _check_budget(budget)
    season.year, season.budget = year, budget
    db.session.flush()


def update_contest(contest: Contest, *, opens_at: datetime, closes_at: datetime, max_entries_per_author: int,
                   field_names: list[str]) -> None:
    if closes_at <= opens_at:
        raise SeasonError(_("The window must close after it opens."))
    if max_entries_per_author < 1:
        raise SeasonError(_("Allow at least one entry per author."))
    wanted = unique_names(field_names)
    for field in list(contest.fields):
        if field.name not in wanted:
            used = db.session.scalar(db.select(func.count(Entry.id)).where(Entry.field_id == field.id))
            if used:
                raise SeasonError(_("The field “%(name)s” is used by %(n)d entries and cannot be removed.",
                                    name=field.name, n=used))
            contest.fields.remove(field)
    present = {f.name for f in contest.fields}
    contest.fields.extend(ContestField(name=name) for name in wanted if name not in present)
    contest.opens_at, contest.closes_at = opens_at, closes_at
    contest.max_entries_per_author = max_entries_per_author
    db.session.flush()


def unique_names(names) -> list[str]:
    """Field names as typed, trimmed, blanks and repeats dropped, order kept."""
    return list(dict.fromkeys(name.strip() for name in names if name.strip()))


@dataclass
class CriterionData:
    name: str
    description: str
    weight: Decimal
    scale_min: int
    scale_max: int


def save_criterion(contest: Contest, data: CriterionData, criterion: Criterion | None = None) -> Criterion:
    _check_rubric_open(contest)
    if data.scale_max <= data.scale_min:
        raise SeasonError(_("The top of the scale must be above its bottom."))
    if data.weight <= 0:
        raise SeasonError(_("A weight must be positive."))
    if criterion is None:
        criterion = Criterion(position=len(contest.criteria))
        contest.criteria.append(criterion)
    criterion.name, criterion.description, criterion.weight = data.name.strip(), data.description.strip(), data.weight
    criterion.scale_min, criterion.scale_max = data.scale_min, data.scale_max
    db.session.flush()
    return criterion


def delete_criterion(criterion: Criterion) -> None:
    _check_rubric_open(criterion.contest)
    criterion.contest.criteria.remove(criterion)
    db.session.flush()


def _check_rubric_open(contest: Contest) -> None:
    if contest.rubric_locked:
        raise SeasonError(_("Scoring has started for %(contest)s: judges have already given marks against "
                            "this rubric, so changing it would make their scores incomparable.",
                            contest=contest.title))


def _check_budget(budget: int) -> None:
    if budget < 0:
        raise SeasonError(_("The budget cannot be negative."))

