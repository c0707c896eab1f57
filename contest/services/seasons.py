"""Seasons, contest windows, fields and rubrics, as organizers shape them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from contest.catalogue import Refusal
from contest.extensions import db
from contest.models import DEFAULT_BUDGET, Contest, ContestField, ContestKind, Criterion, Entry, Season
from contest.services import prizes, versions
from contest.services.versions import Seen

DEFAULT_RUBRIC = (
    # name, description, weight: worded once, in the catalogs; a new season stores all three languages
    (_l("Novelty"), _l("How new the idea is compared with what exists."), Decimal("0.30")),
    (_l("Technical merit"), _l("Soundness of the engineering and of the evidence."), Decimal("0.30")),
    (_l("Feasibility"), _l("Whether it can be built and run with the means described."), Decimal("0.20")),
    (_l("Impact"), _l("Economic and social value for Uzbekistan."), Decimal("0.20")),
)
FIELD_NAME_MAX = 120  # ContestField.name and its translations
PRIMARY_LANGUAGE = "uz"  # the primary wording of fields and criteria (`name`, `description`)


class SeasonError(Refusal):
    """A change organizers asked for that the rules refuse; the message explains why."""


class FieldNamesError(SeasonError):
    """A line of field names that cannot be stored; shown beside the fields."""


@dataclass(frozen=True)
class FieldNames:
    """A field's name as the organizer typed it: Uzbek (required), Russian and English (optional)."""

    name: str
    name_ru: str = ""
    name_en: str = ""

    @classmethod
    def parse(cls, line: str) -> "FieldNames":
        """'Energetika | Энергетика | Energy' (the Russian and English parts may be left out)."""
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3:
            raise FieldNamesError("field_names_too_many", line=line.strip())
        return cls(*parts)

    @classmethod
    def of(cls, field: ContestField) -> "FieldNames":
        return cls(field.name, field.name_ru, field.name_en)

    def line(self) -> str:
        """The line :meth:`parse` reads back; empty trailing parts are left out."""
        return " | ".join((self.name, self.name_ru, self.name_en)).rstrip(" |")


def default_rubric() -> list[Criterion]:
    """The default criteria, each worded in the three languages from the catalogs."""
    def worded(attribute: str, text) -> dict[str, str]:
        wording = {}
        for lang, column in ((PRIMARY_LANGUAGE, attribute),
                             *((lang, f"{attribute}_{lang}") for lang in Criterion.TRANSLATED_LANGUAGES)):
            with force_locale(lang):
                wording[column] = str(text)
        return wording

    return [Criterion(**worded("name", name), **worded("description", description), weight=weight,
                      scale_min=1, scale_max=10, position=position)
            for position, (name, description, weight) in enumerate(DEFAULT_RUBRIC)]


def create_season(year: int, budget: int = DEFAULT_BUDGET, *, opens_at: datetime, closes_at: datetime,
                  fields: list[str | FieldNames] | tuple[str | FieldNames, ...] = ()) -> Season:
    """A season with its three contests, each with the same window, fields and default rubric."""
    if db.session.scalar(db.select(Season.id).where(Season.year == year)):
        raise SeasonError("season_exists", year=year)
    _check_budget(budget)
    season = Season(year=year, budget=budget)
    for kind in ContestKind:
        contest = Contest(kind=kind, opens_at=opens_at, closes_at=closes_at)
        contest.fields = [ContestField(name=f.name, name_ru=f.name_ru, name_en=f.name_en)
                          for f in unique_fields(fields)]
        contest.criteria = default_rubric()
        season.contests.append(contest)
    db.session.add(season)
    db.session.flush()
    prizes.create_catalogue(season)
    return season


def season_shown(season: Season) -> dict[str, object]:
    """What the season form shows, by field: what a save from it would overwrite."""
    return {"year": season.year, "budget": season.budget}


def update_season(season: Season, *, year: int, budget: int, seen: Seen | None = None) -> None:
    versions.check(season, seen, season_shown(season))
    clash = db.session.scalar(db.select(Season.id).where(Season.year == year, Season.id != season.id))
    if clash:
        raise SeasonError("season_exists", year=year)
    _check_budget(budget)
    season.year, season.budget = year, budget
    db.session.flush()


def contest_shown(contest: Contest) -> dict[str, object]:
    """What the contest form shows, by field; its fields are one line each."""
    return {"opens_at": contest.opens_at, "closes_at": contest.closes_at,
            "max_entries_per_author": contest.max_entries_per_author,
            "fields": "\n".join(FieldNames.of(f).line() for f in contest.fields)}


def update_contest(contest: Contest, *, opens_at: datetime, closes_at: datetime, max_entries_per_author: int,
                   field_names: list[str | FieldNames], seen: Seen | None = None) -> None:
    """Fields are known by their Uzbek name: a new one is added, a missing one removed (unless
    entries use it), and a kept one takes the Russian and English names as typed.

    The contest stands for its fields: a change to them moves the contest's version too, so two
    organizers saving the field list at once cannot both succeed."""
    shown = contest_shown(contest)
    versions.check(contest, seen, shown)
    if closes_at <= opens_at:
        raise SeasonError("contest_window_inverted")
    if max_entries_per_author < 1:
        raise SeasonError("entries_per_author_below_one")
    wanted = {f.name: f for f in unique_fields(field_names)}
    for field in list(contest.fields):
        if field.name not in wanted:
            used = db.session.scalar(db.select(func.count(Entry.id)).where(Entry.field_id == field.id))
            if used:
                raise SeasonError("field_in_use", name=field.name, n=used)
            contest.fields.remove(field)
        else:
            field.name_ru, field.name_en = wanted[field.name].name_ru, wanted[field.name].name_en
    present = {f.name for f in contest.fields}
    contest.fields.extend(ContestField(name=f.name, name_ru=f.name_ru, name_en=f.name_en)
                          for name, f in wanted.items() if name not in present)
    contest.opens_at, contest.closes_at = opens_at, closes_at
    contest.max_entries_per_author = max_entries_per_author
    if contest_shown(contest)["fields"] != shown["fields"]:
        contest.touch("max_entries_per_author")
    db.session.flush()


def unique_fields(fields) -> list[FieldNames]:
    """Fields as typed (plain Uzbek names or :class:`FieldNames`), trimmed; blanks and repeated
    Uzbek names dropped, the first kept, order kept."""
    unique: dict[str, FieldNames] = {}
    for field in fields:
        field = FieldNames.parse(field) if isinstance(field, str) else field
        field = FieldNames(*(part.strip() for part in (field.name, field.name_ru, field.name_en)))
        for name in (field.name, field.name_ru, field.name_en):
            if len(name) > FIELD_NAME_MAX:
                raise FieldNamesError("field_name_too_long", name=name, max=FIELD_NAME_MAX)
        if not field.name and (field.name_ru or field.name_en):
            raise FieldNamesError("field_without_uzbek_name", line=field.line())
        if field.name:
            unique.setdefault(field.name, field)
    return list(unique.values())


CRITERION_WORDING = ("name", "name_ru", "name_en", "description", "description_ru", "description_en")


@dataclass
class CriterionData:
    name: str
    description: str
    weight: Decimal
    scale_min: int
    scale_max: int
    name_ru: str = ""
    name_en: str = ""
    description_ru: str = ""
    description_en: str = ""


def criterion_shown(criterion: Criterion) -> dict[str, object]:
    """What the criterion form shows, by field."""
    return {**{name: getattr(criterion, name) for name in CRITERION_WORDING},
            "weight": criterion.weight, "scale_min": criterion.scale_min, "scale_max": criterion.scale_max}


def save_criterion(contest: Contest, data: CriterionData, criterion: Criterion | None = None,
                   seen: Seen | None = None) -> Criterion:
    if criterion is not None:
        versions.check(criterion, seen, criterion_shown(criterion))
    _check_rubric_open(contest)
    if data.scale_max <= data.scale_min:
        raise SeasonError("scale_top_not_above_bottom")
    if data.weight <= 0:
        raise SeasonError("weight_not_positive")
    if criterion is None:
        criterion = Criterion(position=len(contest.criteria))
        contest.criteria.append(criterion)
    for attribute in CRITERION_WORDING:
        setattr(criterion, attribute, getattr(data, attribute).strip())
    criterion.weight = data.weight
    criterion.scale_min, criterion.scale_max = data.scale_min, data.scale_max
    db.session.flush()
    return criterion


def delete_criterion(criterion: Criterion, version: int | None = None) -> None:
    versions.check_removal(criterion, version)
    _check_rubric_open(criterion.contest)
    criterion.contest.criteria.remove(criterion)
    db.session.flush()


def _check_rubric_open(contest: Contest) -> None:
    if contest.read_rubric_lock():
        raise SeasonError("rubric_frozen", contest=contest.title)


def _check_budget(budget: int) -> None:
    if budget < 0:
        raise SeasonError("budget_negative")

