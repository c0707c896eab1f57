"""The allocation: computed now (the budget page, what-if changes), committed as a snapshot, and
what a winner sees of it."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime


from contest.catalogue import Message
from contest.engines import allocation
from contest.engines.cli import InputError
from contest.extensions import db
from contest.i18n import say
from contest.models import (
    AllocationSnapshot,
    Entry,
    FixedPrize,
    InternshipCountry,
    PrizeSettings,
    Season,
    User,
    utcnow,
)
from contest.services import audit, notices, versions
from contest.services.prizes.catalogue import budget_problems, catalogue, countries, fixed_prizes
from contest.services.prizes.names import (
    Explained,
    allocation_presenter,
    country_name,
    country_names,
    explain,
    prize_name,
)
from contest.services.prizes.preferences import preferences
from contest.services.prizes.refusals import PrizeError
from contest.services.prizes.selection import Selection, select_winners
from contest.services.results import entry_key
from contest.services.versions import Read, Seen


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

    def problems(self, season: Season) -> list[Message]:
        problems: list[Message] = []
        if self.country is None and self.prize is None:
            problems.append(Message("what_if_target_missing"))
        if self.cost is not None and self.cost < 0:
            problems.append(Message("what_if_cost_negative"))
        if self.capacity is not None and self.capacity < 0:
            problems.append(Message("what_if_places_negative"))
        if self.prize is not None and self.capacity is not None:
            problems.append(Message("what_if_prize_places"))
        if self.prize is not None and self.cost is not None and self.cost >= 0:
            total = sum(self.cost if p.id == self.prize.id else p.cost for p in fixed_prizes(season))
            problems += budget_problems(season, total)
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
    refusals: list[Message]

    @property
    def problems(self) -> list[str]:
        """Why there is no allocation, in the reader's language."""
        return [say(message) for message in self.refusals]

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
            problems = [_explain_engine_problem(error)]
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


def _explain_engine_problem(error: InputError) -> Message:
    """The engine refuses an instance built from the catalogue only when the season's budget does
    not cover the fixed prizes (the budget was lowered after); its code gives both sums."""
    codes = [Message.from_json(code) for code in error.codes or []]
    if [code.code for code in codes] != ["budget_below_fixed_prizes"]:
        raise error
    return Message("allocation_budget_below_fixed", {"detail": say(codes[0], allocation_presenter({}))})


def commit(season: Season, by: User) -> AllocationSnapshot:
    """Freeze the current allocation as a new version; earlier versions stay as they were."""
    state = compute(season)
    if state.result is None:
        raise PrizeError(state.refusals)
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
