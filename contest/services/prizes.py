"""Prizes: the catalogue, who wins an internship, their preferences, and the allocation.

Winners are recomputed from the latest published rankings (the winners engine); the money is
shared by the allocation engine. Nothing derived is stored, except a committed
:class:`AllocationSnapshot`, which keeps both engines' exact inputs and answers with the names
as they were, so a published prize list can be reproduced. Functions flush; views commit.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from contest.engines import allocation
from contest.engines import winners as winners_engine
from contest.engines.cli import InputError
from contest.extensions import db
from contest.catalogue import Message, Presenter
from contest.catalogue import allocation as allocation_words
from contest.catalogue import winners as winners_words
from contest.i18n import NO_BREAK, coded_text, format_soums, say
from contest.models import (
    SHARE_RULES,
    AllocationSnapshot,
    Contest,
    Entry,
    EntryAuthor,
    EntryStatus,
    FixedPrize,
    InternshipCountry,
    InternshipPreference,
    PrizeSettings,
    ResultSnapshot,
    Season,
    User,
    utcnow,
)
from contest.services import audit, notices, versions
from contest.services.results import entry_key, key_id
from contest.services.versions import Read, Seen

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

# The default countries' names in the reader's language (the catalogue stores them in English).
COUNTRY_NAMES = {"DE": _l("Germany"), "JP": _l("Japan"), "CN": _l("China"), "RU": _l("Russia"),
                 "IT": _l("Italy"), "TR": _l("Turkey"), "KR": _l("South Korea"), "SG": _l("Singapore")}
_DEFAULT_NAMES = {code: name for code, name, _cost, _places in DEFAULT_COUNTRIES}


class PrizeError(ValueError):
    """A change the rules refuse, or an allocation that cannot be computed; names every problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------- catalogue

def create_catalogue(season: Season) -> PrizeSettings:
    """The default catalogue (a car per contest, the internship countries), made with the season itself so
    that no page has to create it on a first visit (a GET writes nothing)."""
    settings = PrizeSettings(season=season, internship_places=INTERNSHIP_PLACES, share_rule="proportional")
    db.session.add(settings)
    for contest in season.contests:
        db.session.add(FixedPrize(season_id=season.id, contest=contest, place=1, cost=CAR_COST,
                                  name=_default_prize_name(contest)))
    for position, (code, name, cost, capacity) in enumerate(DEFAULT_COUNTRIES):
        db.session.add(InternshipCountry(season_id=season.id, code=code, name=name, cost=cost, capacity=capacity,
                                         position=position))
    db.session.flush()
    return settings


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
    problems = []
    if places is None or places < 0:
        problems.append(_("The number of internship places cannot be negative."))
    if share_rule not in SHARE_RULES:
        problems.append(_("Choose how the places are shared between the contests."))
    for row in prizes:
        problems += _money_problems(row.name or row.prize.name, row.cost)
        if not row.name.strip():
            problems.append(_("Every prize needs a name."))
    for row in rows:
        problems += _money_problems(row.name or row.country.code, row.cost)
        if row.capacity is None or row.capacity < 0:
            problems.append(_("%(country)s: the number of places cannot be negative.", country=row.name))
        if not row.name.strip():
            problems.append(_("Every country needs a name."))
    if not problems:
        problems += _budget_problems(season, sum(row.cost for row in prizes))
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
    problems = _money_problems(name, cost)
    if capacity is None or capacity < 0:
        problems.append(_("%(country)s: the number of places cannot be negative.", country=name))
    if not code or not name.strip():
        problems.append(_("Give the country a code and a name."))
    if db.session.scalar(db.select(InternshipCountry.id).where(InternshipCountry.season_id == season.id,
                                                               InternshipCountry.code == code)):
        problems.append(_("A country with the code %(code)s is already in the catalogue.", code=code))
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


def apply_change(season: Season, change: Change, seen: Seen | None = None) -> None:
    """Save a what-if change once the organizer has seen its allocation, unless the country or prize
    changed since: the allocation they saw was computed from what it was then."""
    if change.target is not None:
        versions.check_all([Read(change.target, seen, change.target_shown(), change.target_name())])
    problems = change.problems(season)
    if problems:
        raise PrizeError(problems)
    if change.country is not None:
        change.country.cost = change.cost if change.cost is not None else change.country.cost
        change.country.capacity = change.capacity if change.capacity is not None else change.country.capacity
    elif change.prize is not None and change.cost is not None:
        change.prize.cost = change.cost
    db.session.flush()


def _money_problems(what: str, cost: int | None) -> list[str]:
    if cost is None:
        return [_("%(what)s: give the cost in whole soums.", what=what)]
    if cost < 0:
        return [_("%(what)s: a cost cannot be negative.", what=what)]
    return []


def _budget_problems(season: Season, fixed_total: int) -> list[str]:
    if fixed_total > season.budget:
        return [_("The fixed prizes cost %(fixed)s, more than the season's budget of %(budget)s.",
                  fixed=format_soums(fixed_total), budget=format_soums(season.budget))]
    return []


# --------------------------------------------------------------------------- who wins

@dataclass
class Person:
    """A selected person as shown in lists and the workbook (plain values, kept in snapshots)."""

    key: str
    name: str
    category: str
    organization: str
    region: str
    contest: str
    entry: str
    entry_rank: int
    score: float | None
    has_account: bool

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Selection:
    instance: dict
    result: dict
    people: dict[str, Person]
    cars: list[dict] = field(default_factory=list)

    @property
    def order(self) -> list[str]:
        return [w["person"] for w in self.result["winners"]]

    def includes(self, person: str | None) -> bool:
        return person is not None and person in self.people and person in self.order

    def person_of(self, user: User) -> str | None:
        """The user's key if they are one of the selected persons."""
        key = f"u{user.id}"
        return key if self.includes(key) else None


def person_key(author: EntryAuthor) -> str:
    return f"u{author.user_id}" if author.user_id else f"a{author.id}"


def select_winners(season: Season, settings: PrizeSettings) -> Selection:
    """Apply the winners rule to each contest's latest published ranking."""
    contests, found, cars = [], {}, []
    ids = winners_engine.Ids()
    numbers: dict[str, int] = {}  # a person's key -> their number in the engine's instance
    prizes_by_contest: dict[int, list[FixedPrize]] = {}
    for prize in fixed_prizes(season):
        prizes_by_contest.setdefault(prize.contest_id, []).append(prize)
    for contest in season.contests:
        submitted = db.session.scalar(db.select(func.count(Entry.id)).where(
            Entry.contest_id == contest.id, Entry.status == EntryStatus.SUBMITTED))
        snapshot = ResultSnapshot.latest(contest.id)
        rows = snapshot.result["ranking"] if snapshot else []
        entries = {entry_key(e.id): e for e in db.session.scalars(db.select(Entry).where(
            Entry.id.in_([key_id(r["entry"]) for r in rows]), Entry.status == EntryStatus.SUBMITTED)
            .options(selectinload(Entry.authors)))} if rows else {}  # the authors of all at once, not one by one
        ranking = []
        ids.contests[contest.id], ids.names[contest.id] = f"c{contest.id}", str(contest.title)
        for row in sorted(rows, key=lambda r: r["rank"]):
            entry = entries.get(row["entry"])
            if entry is None or not entry.authors:
                continue
            keys = []
            for author in entry.authors:
                key = person_key(author)
                keys.append(key)
                found.setdefault((key, row["entry"]), Person(
                    key=key, name=author.full_name, category=str(author.category_label),
                    organization=author.organization, region=str(author.region_label), contest=str(contest.title),
                    entry=f"{entry.code} {entry.title}", entry_rank=row["rank"], score=row.get("score"),
                    has_account=author.user_id is not None))
            ids.entries[entry.id] = row["entry"]
            authors = tuple(numbers.setdefault(key, len(numbers)) for key in dict.fromkeys(keys))
            ranking.append(winners_engine.RankedEntry(entry.id, row["rank"], authors))
            for prize in prizes_by_contest.get(contest.id, []):
                if prize.place == row["rank"]:
                    cars.append({"prize": prize_name(prize), "cost": prize.cost, "persons": list(dict.fromkeys(keys))})
        contests.append(winners_engine.ContestRanking(contest.id, submitted, tuple(ranking)))
    ids.persons.update({number: key for key, number in numbers.items()})
    engine_instance = winners_engine.Instance(settings.internship_places, settings.share_rule, tuple(contests))
    instance = winners_engine.encode_instance(engine_instance, ids)
    result = winners_engine.encode(winners_engine.select(engine_instance), ids)
    people: dict[str, Person] = {}
    for w in result["winners"]:  # a person with two ranked entries is shown with the one that selected them
        people[w["person"]] = found[(w["person"], w["entry"])]
    for (key, _entry), person in found.items():
        people.setdefault(key, person)
    return Selection(instance, result, people, cars)


# --------------------------------------------------------------------------- preferences

def preferences(season: Season) -> dict[str, list[str]]:
    """Every person's accepted countries (codes), best first."""
    found: dict[str, list[str]] = {}
    rows = db.session.execute(db.select(InternshipPreference.person, InternshipCountry.code)
                              .join(InternshipCountry, InternshipPreference.country_id == InternshipCountry.id)
                              .where(InternshipPreference.season_id == season.id)
                              .order_by(InternshipPreference.person, InternshipPreference.position)).all()
    for person, code in rows:
        found.setdefault(person, []).append(code)
    return found


def set_preferences(season: Season, settings: PrizeSettings, person: str, codes: list[str], by: User,
                    now: datetime | None = None) -> None:
    """Replace a person's ranked countries; refused after the deadline, whoever asks."""
    if not settings.accepts_preferences(now):
        raise PrizeError(_("Preferences are closed: the deadline has passed or is not set yet."))
    known = {c.code: c for c in countries(season)}
    problems = []
    for code in codes:
        if code not in known:
            problems.append(_("%(code)s is not a country of this season's internships.", code=code))
    if len(set(codes)) != len(codes):
        problems.append(_("Name each country once."))
    if problems:
        raise PrizeError(problems)
    subject = ("user", int(person[1:])) if person.startswith("u") else ("author", int(person[1:]))
    audit.record("preferences.set", subject, actor=by, before={"countries": preferences(season).get(person, [])},
                 after={"countries": codes})
    db.session.execute(db.delete(InternshipPreference).where(InternshipPreference.season_id == season.id,
                                                             InternshipPreference.person == person))
    db.session.flush()
    for position, code in enumerate(codes):
        db.session.add(InternshipPreference(season_id=season.id, person=person, country=known[code],
                                            position=position, entered_by_id=by.id, entered_at=utcnow()))
    db.session.flush()


# --------------------------------------------------------------------------- allocation

@dataclass
class Change:
    """A what-if: a new cost and/or capacity for one country, or a new cost for one fixed prize."""

    country: InternshipCountry | None = None
    prize: FixedPrize | None = None
    cost: int | None = None
    capacity: int | None = None

    @property
    def target(self) -> InternshipCountry | FixedPrize | None:
        return self.country or self.prize

    def target_shown(self) -> dict[str, object]:
        """What the what-if changes of its target: the values it was computed from."""
        if self.country is not None:
            return {"cost": self.country.cost, "capacity": self.country.capacity}
        return {"cost": self.prize.cost} if self.prize is not None else {}

    def target_name(self) -> str:
        if self.country is not None:
            return country_name(self.country.code, self.country.name)
        return prize_name(self.prize) if self.prize is not None else ""

    def problems(self, season: Season) -> list[str]:
        problems = []
        if self.country is None and self.prize is None:
            problems.append(_("Choose a country or a prize to change."))
        if self.cost is not None and self.cost < 0:
            problems.append(_("A cost cannot be negative."))
        if self.capacity is not None and self.capacity < 0:
            problems.append(_("The number of places cannot be negative."))
        if self.prize is not None and self.capacity is not None:
            problems.append(_("A fixed prize has no places; change only its cost."))
        if self.prize is not None and self.cost is not None and self.cost >= 0:
            total = sum(self.cost if p.id == self.prize.id else p.cost for p in fixed_prizes(season))
            problems += _budget_problems(season, total)
        return problems


@dataclass
class PrizeState:
    """Everything the budget page and the workbook show, computed now (nothing saved)."""

    season: Season
    settings: PrizeSettings
    selection: Selection
    prizes: list[dict]
    countries: list[dict]
    instance: dict
    result: dict | None
    problems: list[str]

    @property
    def awards(self) -> dict[str, dict]:
        return {a["winner"]: a for a in (self.result or {}).get("awards", [])}


def compute(season: Season, change: Change | None = None) -> PrizeState:
    settings = catalogue(season)
    selection = select_winners(season, settings)
    prize_rows = [{"id": p.key, "name": prize_name(p), "cost": p.cost} for p in fixed_prizes(season)]
    country_rows = [{"id": c.code, "name": c.name, "cost": c.cost, "capacity": c.capacity}
                    for c in countries(season)]
    problems = change.problems(season) if change else []
    if change and not problems:
        for row in country_rows:
            if change.country is not None and row["id"] == change.country.code:
                row["cost"] = change.cost if change.cost is not None else row["cost"]
                row["capacity"] = change.capacity if change.capacity is not None else row["capacity"]
        for row in prize_rows:
            if change.prize is not None and row["id"] == change.prize.key and change.cost is not None:
                row["cost"] = change.cost
    engine_instance, ids = _allocation_instance(season.budget, prize_rows, country_rows, selection,
                                                preferences(season))
    instance = allocation.encode_instance(engine_instance, ids)
    result = None
    if not problems:
        try:
            result = allocation.encode(allocation.allocate(engine_instance), ids)
        except InputError as error:
            problems = [_explain_engine_problem(Message.from_json(code)) for code in error.codes or []]
    return PrizeState(season, settings, selection, prize_rows, country_rows, instance, result, problems)


def _allocation_instance(budget: int, prize_rows: list[dict], country_rows: list[dict], selection: Selection,
                         chosen: dict[str, list[str]]) -> tuple[allocation.Instance, allocation.Ids]:
    """The allocation engine's instance: the rows numbered in their order, each winner by their order."""
    number = {row["id"]: n for n, row in enumerate(country_rows)}
    instance = allocation.Instance(
        budget=budget,
        fixed_costs=tuple(allocation.FixedCost(n, p["cost"]) for n, p in enumerate(prize_rows)),
        countries=tuple(allocation.Country(n, c["cost"], c["capacity"]) for n, c in enumerate(country_rows)),
        winners=tuple(allocation.Winner(w["order"], w["order"],
                                        tuple(number[code] for code in chosen.get(w["person"], [])))
                      for w in selection.result["winners"]))
    ids = allocation.Ids(winners={w["order"]: w["person"] for w in selection.result["winners"]},
                         countries=dict(enumerate(c["id"] for c in country_rows)),
                         fixed=dict(enumerate(p["id"] for p in prize_rows)),
                         names=dict(enumerate(c["name"] for c in country_rows)))
    return instance, ids


def _explain_engine_problem(problem: Message) -> str:
    return _("The season's budget is smaller than the fixed prizes (%(detail)s); raise the budget or lower the "
             "prizes' costs.", detail=say(problem, _allocation_presenter({})))


def commit(season: Season, by: User) -> AllocationSnapshot:
    """Freeze the current allocation as a new version; earlier versions stay as they were."""
    state = compute(season)
    if state.result is None:
        raise PrizeError(state.problems)
    latest = AllocationSnapshot.latest(season.id)
    snapshot = AllocationSnapshot(
        season_id=season.id, version=(latest.version + 1) if latest else 1, committed_by=by, committed_at=utcnow(),
        selection_json=json.dumps({"instance": state.selection.instance, "result": state.selection.result,
                                   "people": {k: p.as_dict() for k, p in state.selection.people.items()},
                                   "cars": state.selection.cars, "prizes": state.prizes,
                                   "countries": state.countries}, sort_keys=True, ensure_ascii=False),
        instance_json=json.dumps(state.instance, sort_keys=True),
        result_json=json.dumps(state.result, sort_keys=True, ensure_ascii=False))
    db.session.add(snapshot)
    db.session.flush()
    audit.record("allocation.committed", snapshot, actor=by, after={
        "season_id": season.id, "version": snapshot.version, "awards": len(state.awards),
        "cars": len(state.selection.cars)})
    notices.prizes_allocated(season, snapshot.id, state.awards, state.selection.cars, state.countries)
    return snapshot


@dataclass
class AllocationOutcome:
    """What committing the current allocation puts on record, counted for its confirmation page."""

    version: int
    winners: int
    funded: int
    countries: list[str]                    # where the funded winners go, in the reader's language
    with_account: int                       # winners who will read the outcome on their own page


def commit_outcome(state: PrizeState) -> AllocationOutcome:
    latest = AllocationSnapshot.latest(state.season.id)
    names = country_names(state.countries)
    winners = state.selection.order
    return AllocationOutcome(
        version=(latest.version + 1) if latest else 1, winners=len(winners), funded=len(state.awards),
        countries=sorted({names.get(a["country"], a["country"]) for a in state.awards.values()}),
        with_account=sum(state.selection.people[p].has_account for p in winners if p in state.selection.people))


# --------------------------------------------------------------------------- explanations, in the reader's language
#
# The engines explain in English and give each explanation as a reason (a code with named
# parameters; docs/allocation.md and docs/prizes.md). These render the reasons in the current
# language. A reason this code does not know (a newer engine, an old snapshot) falls back to
# the engine's English.

def country_name(code: str, name: str | None = None) -> str:
    """A default country under its default name is shown translated; a name an organizer typed, as typed."""
    if code in COUNTRY_NAMES and (not name or name == _DEFAULT_NAMES[code]):
        return str(COUNTRY_NAMES[code])
    return name or code


def _default_prize_name(contest: Contest) -> str:
    return _("Electric car: first place, %(contest)s", contest=contest.title)


def prize_name(prize: FixedPrize) -> str:
    """A prize under its default name (stored in the language of the day it was created) is shown in the
    reader's language; a name an organizer typed, as typed."""
    defaults = set()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            defaults.add(_default_prize_name(prize.contest))
    return _default_prize_name(prize.contest) if prize.name in defaults else prize.name


def country_names(rows: list[dict]) -> dict[str, str]:
    """{code: name in the reader's language} for catalogue rows as the engine gets them."""
    return {row["id"]: country_name(row["id"], row.get("name")) for row in rows}


def _allocation_presenter(names: Mapping[str, str]) -> Presenter:
    return allocation_words.presenter(lambda country: names.get(country, country), NO_BREAK)


def allocation_text(reason: Mapping | None, names: Mapping[str, str], english: str = "") -> str:
    """One allocation reason in the reader's language; ``names`` from :func:`country_names`."""
    present = _allocation_presenter(names)
    return coded_text(reason, lambda found: allocation_words.sentence(
        found, lambda message: say(message, present), lambda country: names.get(country, country)), english)


def selection_text(reason: Mapping | None, contests: Mapping[str, str], english: str = "") -> str:
    """One winners-rule reason in the reader's language; ``contests`` gives contest names by id."""
    present = winners_words.presenter(lambda contest: contests.get(contest, contest))
    return coded_text(reason, lambda found: winners_words.sentence(found, lambda message: say(message, present)),
                      english)


@dataclass
class Explained:
    """Every explanation of one allocation (and the selection it came from), in the reader's language."""

    countries: dict[str, str]          # code -> name
    allocation: dict[str, str]         # person -> why they got what they got
    selection: dict[str, str]          # person -> why they were (not) selected
    skipped: list[str]                 # one line per skipped team


def explain(selection_result: dict, selection_instance: dict, country_rows: list[dict],
            allocation_result: dict | None) -> Explained:
    """Render a selection and its allocation, live or as committed (both keep these plain dicts)."""
    names = country_names(country_rows)
    contests = {c["id"]: c.get("name") or c["id"] for c in selection_instance.get("contests", [])}
    result = allocation_result or {}
    english = result.get("explanations", {})
    reasons = result.get("reasons", {})
    chosen = {person: allocation_text(reasons.get(person), names, text) for person, text in english.items()}
    picked_english = selection_result.get("explanations", {})
    picked_reasons = selection_result.get("reasons", {})
    picked = {person: selection_text(picked_reasons.get(person), contests, text)
              for person, text in picked_english.items()}
    skipped = [selection_text({"code": "team_did_not_fit", **{k: s[k] for k in ("contest", "entry_rank", "team",
                                                                                  "left")}}, contests)
               for s in selection_result.get("skipped", [])]
    return Explained(names, chosen, picked, skipped)


def explain_state(state: PrizeState) -> Explained:
    return explain(state.selection.result, state.selection.instance, state.countries, state.result)


@dataclass
class MyPrize:
    """What a winner sees of the committed allocation: the country (or none) and why."""

    version: int
    country: str | None
    cost: int | None
    why: str


def my_prize(season: Season, person: str) -> MyPrize | None:
    """The person's internship in the latest committed allocation, or None (none committed, or not in it)."""
    snapshot = AllocationSnapshot.latest(season.id)
    if snapshot is None:
        return None
    result, kept = snapshot.result, snapshot.selection
    if person not in result.get("explanations", {}):
        return None
    explained = explain(kept["result"], kept["instance"], kept["countries"], result)
    award = next((a for a in result.get("awards", []) if a["winner"] == person), None)
    return MyPrize(snapshot.version, explained.countries.get(award["country"], award["country"]) if award else None,
                   award["cost"] if award else None, explained.allocation[person])


@dataclass
class Internship:
    """A selected winner's internship as their entry page shows it: the countries they chose, best
    first, whether they may still change them, and, once an allocation is committed, what they got."""

    choices: list[str]
    closes_at: datetime | None
    open: bool
    prize: MyPrize | None


@dataclass
class Winnings:
    """What an author has won with an entry: the fixed prizes of its place (the electric car of a
    first place) and, if the entry selected them, the internship."""

    prizes: list[str]  # the names of the fixed prizes, in the reader's language where they are defaults
    internship: Internship | None


def winnings(entry: Entry, user: User, rank: int) -> Winnings:
    """Read only: the catalogue as the organizers saved it (no defaults are created here)."""
    season = entry.contest.season
    settings = catalogue(season)
    won = [prize_name(p) for p in fixed_prizes(season) if p.contest_id == entry.contest_id and p.place == rank]
    selection = select_winners(season, settings)
    person = selection.person_of(user)
    selected_by = {w["person"]: w["entry"] for w in selection.result["winners"]}
    if person is None or selected_by.get(person) != entry_key(entry.id):
        return Winnings(won, None)
    names = {c.code: country_name(c.code, c.name) for c in countries(season)}
    chosen = [names.get(code, code) for code in preferences(season).get(person, [])]
    return Winnings(won, Internship(chosen, settings.preferences_close_at, settings.accepts_preferences(),
                                    my_prize(season, person)))
