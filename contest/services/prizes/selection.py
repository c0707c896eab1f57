"""Who wins an internship: the winners engine applied to each contest's latest published ranking."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from contest.engines import winners as winners_engine
from contest.extensions import db
from contest.models import (
    Entry,
    EntryAuthor,
    EntryStatus,
    FixedPrize,
    PrizeSettings,
    ResultSnapshot,
    Season,
    User,
)
from contest.services.prizes.catalogue import fixed_prizes
from contest.services.prizes.names import prize_name
from contest.services.results import entry_key, key_id


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
