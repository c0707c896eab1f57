"""The winners rule's JSON face: read and check an instance, write an answer (docs/prizes.md).

The one place JSON meets the engine: ``python -m contest.engines.winners`` and the stored
snapshots. String ids (contests, entries, persons) become integers, numbered in the order they
first appear, and come back as strings in the answer, whose English ``explanations`` are
rendered from the reasons by the catalogue (:mod:`contest.catalogue.winners`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contest.catalogue import Message
from contest.catalogue.winners import english
from contest.engines.cli import InputError
from contest.engines.winners.model import SHARES, ContestRanking, Instance, Outcome, RankedEntry
from contest.engines.winners.rules import select


class _Numbering(dict):
    """String id -> integer, numbered in order of first appearance."""

    def __missing__(self, key: str) -> int:
        self[key] = len(self)
        return self[key]

    def names(self) -> dict[int, str]:
        return {number: key for key, number in self.items()}


@dataclass
class Ids:
    """The JSON's string ids of an instance's integer ids, and the contests' names (for the English)."""

    contests: dict[int, str] = field(default_factory=dict)
    entries: dict[int, str] = field(default_factory=dict)
    persons: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def labels(self) -> dict[str, str]:
        """Contest names by string id: a contest without a name is called by its id."""
        return {self.contests[c]: self.names.get(c) or self.contests[c] for c in self.contests}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ranking(cid: str, rows: Any, problems: list[Message]) -> list[tuple[str, int, list[str]]]:
    """A contest's ranked entries as (entry, rank, authors), every problem named (ids as their repr)."""
    found, seen_entries, seen_ranks = [], set(), set()
    for m, row in enumerate(rows):
        where = {"id": repr(cid), "index": m}
        if not isinstance(row, dict):
            problems.append(Message("ranking_row_not_object", where))
            continue
        entry, rank, authors = row.get("entry"), row.get("rank"), row.get("authors")
        if not isinstance(entry, str) or not entry:
            problems.append(Message("ranking_entry_invalid", where))
            continue
        if not _is_int(rank) or rank < 1:
            problems.append(Message("ranking_rank_invalid", {**where, "given": repr(rank)}))
            continue
        if not isinstance(authors, list) or not authors or not all(isinstance(a, str) and a for a in authors):
            problems.append(Message("ranking_authors_invalid", where))
            continue
        if len(set(authors)) != len(authors):
            problems.append(Message("author_listed_twice", where))
        if entry in seen_entries:
            problems.append(Message("entry_ranked_twice", {"id": repr(cid), "entry": repr(entry)}))
        if rank in seen_ranks:
            problems.append(Message("rank_given_twice", {"id": repr(cid), "rank": rank}))
        seen_entries.add(entry)
        seen_ranks.add(rank)
        found.append((entry, rank, authors))
    return found


def parse(data: dict) -> tuple[Instance, Ids]:
    """The JSON instance as engine types; raises :class:`InputError` naming every problem."""
    problems: list[Message] = []
    places = data.get("places")
    if not _is_int(places) or places < 0:
        problems.append(Message("places_invalid", {"given": repr(places)}))
        places = 0
    share = data.get("share", "proportional")
    if share not in SHARES:
        problems.append(Message("share_unknown", {"shares": list(SHARES), "given": repr(share)}))
    raw = data.get("contests")
    if not isinstance(raw, list):
        problems.append(Message("contests_not_list"))
        raw = []
    contests: list[tuple[str, int, list, str]] = []
    seen_contests: set[str] = set()
    for n, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item.get("id"):
            problems.append(Message("contest_item_invalid", {"index": n}))
            continue
        cid = item["id"]
        if cid in seen_contests:
            problems.append(Message("contest_twice", {"id": repr(cid)}))
        seen_contests.add(cid)
        count = item.get("entries", 0)
        if not _is_int(count) or count < 0:
            problems.append(Message("contest_entries_invalid", {"id": repr(cid), "given": repr(count)}))
            count = 0
        rows = _ranking(cid, item.get("ranking", []), problems)
        name = item.get("name", "")
        contests.append((cid, count, rows, name if isinstance(name, str) else ""))
    if problems:
        raise InputError(problems)
    entries, persons = _Numbering(), _Numbering()
    typed = []
    for cid, count, rows, _name in contests:
        ranking = sorted((RankedEntry(entries[entry], rank, tuple(persons[a] for a in authors))
                          for entry, rank, authors in rows), key=lambda r: r.rank)
        typed.append(ContestRanking(len(typed), count, tuple(ranking)))
    ids = Ids(contests={n: c[0] for n, c in enumerate(contests)}, entries=entries.names(), persons=persons.names(),
              names={n: c[3] for n, c in enumerate(contests)})
    return Instance(places, share, tuple(typed)), ids


def encode_reason(reason: Mapping[str, Any], contests: Mapping[int, str]) -> dict[str, Any]:
    """A reason with its contest under its string id."""
    return {**reason, "contest": contests[reason["contest"]]}


def encode(result: Outcome, ids: Ids) -> dict[str, Any]:
    """The JSON answer (the shape in :mod:`contest.engines.winners`), with the English explanations."""
    contest, entry, person = ids.contests, ids.entries, ids.persons
    reasons = {person[p]: encode_reason(reason, contest) for p, reason in result.reasons.items()}
    labels = ids.labels()
    return {
        "places": result.places, "share": result.share,
        "quotas": {contest[c]: q for c, q in result.quotas.items()},
        "shares": {contest[c]: str(share) for c, share in result.shares.items()},
        "winners": [{"person": person[w.person], "contest": contest[w.contest], "entry": entry[w.entry],
                     "entry_rank": w.entry_rank, "order": w.order} for w in result.winners],
        "skipped": [{"contest": contest[s.contest], "entry": entry[s.entry], "entry_rank": s.entry_rank,
                     "team": s.team, "left": s.left, "authors": [person[a] for a in s.authors]}
                    for s in result.skipped],
        "unfilled": {contest[c]: left for c, left in result.unfilled.items()},
        "explanations": {p: english(reason, labels) for p, reason in reasons.items()},
        "reasons": reasons,
    }


def solve(data: dict) -> dict:
    """JSON instance in, JSON answer out."""
    instance, ids = parse(data)
    return encode(select(instance), ids)


def encode_instance(instance: Instance, ids: Ids) -> dict[str, Any]:
    """The JSON of an instance (what a snapshot stores and :func:`parse` reads back)."""
    return {"places": instance.places, "share": instance.share, "contests": [
        {"id": ids.contests[c.id], "name": ids.names.get(c.id, ""), "entries": c.entries,
         "ranking": [{"entry": ids.entries[r.entry], "rank": r.rank, "authors": [ids.persons[a] for a in r.authors]}
                     for r in c.ranking]}
        for c in instance.contests]}
