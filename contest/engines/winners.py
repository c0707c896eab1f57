"""Who goes on an internship: places shared between the contests, then filled in rank order.

Pure: no Flask, no database. The rule (see docs/prizes.md):

1. **Quotas.** ``places`` are shared between the contests by the largest remainder method
   (Hamilton): each contest's exact share is ``places * weight / total weight``; it gets the
   whole part, and the places left go one each to the largest fractional parts (ties: the
   larger weight, then the contest listed first). The weight is the contest's number of
   submitted entries (``share = "proportional"``) or 1 for every contest (``"equal"``).
2. **Persons.** Each contest fills its quota from its published ranking, best entry first.
   Every author of an entry is one participant: a team of 3 takes 3 places. A person already
   selected (an author of two winning entries) takes no second place.
3. **A team that does not fit** in the places its contest has left is skipped, whole (a team
   is never split), and the next entry is tried; the skip is explained. Places a contest cannot
   fill (too few ranked entries whose team fits) stay empty and are reported as unfilled.
4. **Order.** The selected persons are ordered by their entry's rank in its contest, then by
   the contest's position in the input, then by author position in the entry. This order is
   the rank the allocation engine uses to decide who is funded and who chooses first.

``python -m contest.engines.winners IN.json``. In::

    {"places": 10, "share": "proportional",
     "contests": [{"id": "idea", "name": "The Best Idea", "entries": 120,
                   "ranking": [{"entry": "e7", "rank": 1, "authors": ["u3", "a12"]}]}]}

Out: ``quotas`` {contest: places}, ``shares`` {contest: "a/b"} (exact share as a fraction),
``winners`` [{person, contest, entry, entry_rank, order}], ``skipped`` [{contest, entry,
entry_rank, team, left, authors}], ``unfilled`` {contest: places}, ``explanations`` {person: text}
and ``reasons`` {person: reason}: each explanation as a code with named parameters (``selected``,
``team_did_not_fit``; docs/prizes.md), from which :func:`explain` renders the English text and the
web layer the reader's language.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from contest.engines.cli import InputError, exit_with

SHARES = ("proportional", "equal")
#: The codes of ``reasons``: a selected person, and an author of a skipped team.
REASONS = ("selected", "team_did_not_fit")


@dataclass(frozen=True)
class RankedEntry:
    entry: str
    rank: int
    authors: tuple[str, ...]


@dataclass(frozen=True)
class ContestRanking:
    id: str
    entries: int
    ranking: tuple[RankedEntry, ...]
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


def quotas(places: int, weights: list[int]) -> list[int]:
    """Largest remainder method: whole parts, then the largest remainders; exact arithmetic."""
    total = sum(weights)
    if places <= 0 or total <= 0:
        return [0] * len(weights)
    whole = [places * w // total for w in weights]
    remainders = [places * w % total for w in weights]  # numerators over `total`
    left = places - sum(whole)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -weights[i], i))
    for i in order[:left]:
        whole[i] += 1
    return whole


def _places(n: int) -> str:
    return f"{n} place{'s' if n != 1 else ''}"


def explain(reason: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """The English sentence of a reason; ``labels`` gives contest names by id (default: the id)."""
    code = reason["code"]
    contest = (labels or {}).get(reason["contest"]) or reason["contest"]
    if code == "selected":
        text = f"rank {reason['entry_rank']} entry of {contest}: place {reason['place']} of its {reason['quota']}"
        if reason["team"] > 1:
            text += f" (a team of {reason['team']}, each author takes a place)"
        for s in reason["passed"]:
            text += (f"; the rank {s['entry_rank']} entry's team of {s['team']} did not fit the "
                     f"{_places(s['left'])} left and was skipped")
        return text
    if code == "team_did_not_fit":
        return (f"not selected: the rank {reason['entry_rank']} entry's team of {reason['team']} did not fit "
                f"the {_places(reason['left'])} left for {contest}; a team is never split")
    raise ValueError(f"unknown reason code {code!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(data: dict) -> tuple[int, str, list[ContestRanking]]:
    problems: list[str] = []
    places = data.get("places")
    if not _is_int(places) or places < 0:
        problems.append(f"'places' must be a whole number, 0 or more, got {places!r}")
        places = 0
    share = data.get("share", "proportional")
    if share not in SHARES:
        problems.append(f"'share' must be one of {', '.join(SHARES)}, got {share!r}")
    raw = data.get("contests")
    if not isinstance(raw, list):
        problems.append("'contests' must be a list")
        raw = []
    contests: list[ContestRanking] = []
    seen_contests: set[str] = set()
    for n, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item.get("id"):
            problems.append(f"contests[{n}] must be an object with a non-empty string 'id'")
            continue
        cid = item["id"]
        if cid in seen_contests:
            problems.append(f"contest {cid!r} is listed twice")
        seen_contests.add(cid)
        count = item.get("entries", 0)
        if not _is_int(count) or count < 0:
            problems.append(f"contest {cid!r}: 'entries' must be a whole number, 0 or more, got {count!r}")
            count = 0
        rows, seen_entries, seen_ranks = [], set(), set()
        for m, row in enumerate(item.get("ranking", [])):
            where = f"contest {cid!r}, ranking[{m}]"
            if not isinstance(row, dict):
                problems.append(f"{where} must be an object")
                continue
            entry, rank, authors = row.get("entry"), row.get("rank"), row.get("authors")
            if not isinstance(entry, str) or not entry:
                problems.append(f"{where}: 'entry' must be a non-empty string")
                continue
            if not _is_int(rank) or rank < 1:
                problems.append(f"{where}: 'rank' must be a whole number from 1, got {rank!r}")
                continue
            if not isinstance(authors, list) or not authors or not all(isinstance(a, str) and a for a in authors):
                problems.append(f"{where}: 'authors' must be a non-empty list of person ids")
                continue
            if len(set(authors)) != len(authors):
                problems.append(f"{where}: an author is listed twice")
            if entry in seen_entries:
                problems.append(f"contest {cid!r}: entry {entry!r} is ranked twice")
            if rank in seen_ranks:
                problems.append(f"contest {cid!r}: rank {rank} is given twice")
            seen_entries.add(entry)
            seen_ranks.add(rank)
            rows.append(RankedEntry(entry, rank, tuple(authors)))
        name = item.get("name", "")
        contests.append(ContestRanking(cid, count, tuple(sorted(rows, key=lambda r: r.rank)),
                                       name if isinstance(name, str) else ""))
    if problems:
        raise InputError(problems)
    return places, share, contests


def select(places: int, share: str, contests: list[ContestRanking]) -> dict[str, Any]:
    """Apply the rule; the answer's shape is in the module docstring."""
    weights = [c.entries if share == "proportional" else 1 for c in contests]
    labels = {c.id: c.label for c in contests}
    quota = quotas(places, weights)
    total = sum(weights)
    chosen: dict[str, dict] = {}
    reasons: dict[str, dict] = {}
    skipped: list[dict] = []
    unfilled: dict[str, int] = {}
    for contest, weight, q in zip(contests, weights, quota):
        left = q
        for row in contest.ranking:
            if left == 0:
                break
            new = [a for a in row.authors if a not in chosen]
            if not new:
                continue
            if len(new) > left:
                skipped.append({"contest": contest.id, "entry": row.entry, "entry_rank": row.rank,
                                "team": len(new), "left": left, "authors": new})
                continue
            for person in new:
                left -= 1
                chosen[person] = {"person": person, "contest": contest.id, "entry": row.entry,
                                  "entry_rank": row.rank, "author": row.authors.index(person)}
                passed = [{"entry_rank": s["entry_rank"], "team": s["team"], "left": s["left"]}
                          for s in skipped if s["contest"] == contest.id and s["entry_rank"] < row.rank]
                reasons[person] = {"code": "selected", "contest": contest.id, "entry_rank": row.rank,
                                   "place": q - left, "quota": q, "team": len(row.authors), "passed": passed}
        if left:
            unfilled[contest.id] = left
    for s in skipped:
        for person in s["authors"]:
            if person not in chosen:
                reasons[person] = {"code": "team_did_not_fit", "contest": s["contest"], "entry_rank": s["entry_rank"],
                                   "team": s["team"], "left": s["left"]}
    order = sorted(chosen.values(), key=lambda w: (w["entry_rank"], [c.id for c in contests].index(w["contest"]),
                                                  w["author"]))
    winners = [{"person": w["person"], "contest": w["contest"], "entry": w["entry"],
                "entry_rank": w["entry_rank"], "order": n} for n, w in enumerate(order, start=1)]
    shares = {c.id: str(Fraction(places * w, total)) if total else "0" for c, w in zip(contests, weights)}
    return {"places": places, "share": share, "quotas": {c.id: q for c, q in zip(contests, quota)},
            "shares": shares, "winners": winners, "skipped": skipped, "unfilled": unfilled,
            "explanations": {person: explain(reason, labels) for person, reason in reasons.items()},
            "reasons": reasons}


def solve(data: dict) -> dict:
    """JSON instance in, JSON answer out."""
    return select(*parse(data))


if __name__ == "__main__":
    exit_with(solve)
