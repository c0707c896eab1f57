"""Refilling seats a declared conflict emptied, with every other judge-entry pair locked.

Pure and typed (integer ids in, integer ids out). It asks the assignment engine
(:func:`contest.engines.assignment.assign`) one question: the entries in ``vacancies`` each lost
``seats`` judges; which eligible judges take those seats, with the most affinity, while every
pair in ``locked`` stays exactly as it is and counts toward its judge's load? A seat no eligible
judge can take is left empty and reported with the reason, instead of failing the whole run.

How. The instance is in explicit-affinity mode: each eligible (judge, entry) pair is listed with
the judge's level in the entry's field (``MISMATCH_AFFINITY`` outside their fields), locked pairs
are ``locked`` (listed at affinity 0, so their judges' loads count and nothing moves), and seat
``n`` of an entry may also go to a virtual judge ``-n`` (``vn``, "left empty") at affinity ``-C`` with
``C = a_max * seats + 1``. The engine then proves optimality of total affinity minus ``C`` per
empty seat. Because affinities are >= 0 and the new pairs gain at most ``a_max * seats < C``,
a zero gap proves both halves of the answer: no assignment leaves fewer seats empty, and none
leaving as many empty has more affinity (docs/assignment.md, "Refilling after a conflict").
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from contest.catalogue import Message
from contest.engines.assignment import (
    MAX_AFFINITY, MISMATCH_AFFINITY, Answer, Entry, Judge, Problem, assign, problem_json,
)
from contest.engines.cli import InputError, exit_with


@dataclass(frozen=True)
class PanelJudge:
    """A judge serving on the contest: their maximum load and their level in each field."""

    id: int
    max_load: int
    levels: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Vacancy:
    """An entry that lost ``seats`` judges and should get as many back."""

    entry: int
    field: str | None
    seats: int = 1


@dataclass(frozen=True)
class Shortfall:
    """Seats of an entry nobody could take, and why: how the panel's other judges stand."""

    entry: int
    seats: int
    conflicted: int  # panel judges conflicted with the entry
    full: int        # panel judges at their maximum load (after the refill)
    serving: int     # panel judges already judging the entry


@dataclass(frozen=True)
class Refill:
    """The question: the panel, the vacancies, the pairs that stay, the conflicts."""

    judges: Sequence[PanelJudge]
    vacancies: Sequence[Vacancy]
    locked: Collection[tuple[int, int]]     # (judge id, entry id) pairs that stay as they are
    conflicts: Collection[tuple[int, int]]  # (judge id, entry id) pairs never assigned


@dataclass(frozen=True)
class RefillAnswer:
    """New pairs, seats left empty, and the proof: ``gap == 0`` means both are optimal."""

    added: list[tuple[int, int]]
    short: list[Shortfall]
    affinity: float       # total affinity of the added pairs
    gap: float            # the assignment engine's bound minus its objective
    problem: Problem      # what the assignment engine solved, kept for the record
    answer: Answer        # the assignment engine's answer (a seat left empty is a negative judge id)


def _seats(request: Refill) -> dict[int, int]:
    return {v.entry: v.seats for v in request.vacancies if v.seats > 0}


def _candidates(request: Refill) -> dict[tuple[int, int], float]:
    """Every eligible new pair with its affinity: the judge's level in the entry's field."""
    barred = set(request.conflicts) | set(request.locked)
    return {(j.id, v.entry): float(j.levels.get(v.field, MISMATCH_AFFINITY)) if v.field else MISMATCH_AFFINITY
            for v in request.vacancies if v.seats > 0
            for j in request.judges if (j.id, v.entry) not in barred}


def problem(request: Refill) -> Problem:
    """The assignment engine's problem for the question (see the module docstring). Seat ``n`` of
    every entry is the virtual judge ``-n`` (named ``vn``)."""
    locked = sorted(set(request.locked))
    conflicts = set(request.conflicts)
    panel = {judge.id for judge in request.judges}
    seats = _seats(request)
    on_entry = Counter(e for _j, e in locked)
    load = Counter(j for j, _e in locked)
    taken = set(locked)
    candidates = _candidates(request)
    top = max([*candidates.values(), 1.0])
    empty_cost = top * sum(seats.values()) + 1
    if empty_cost > MAX_AFFINITY:
        raise InputError(Message("refill_too_many_seats"))
    departed = sorted(set(load) - set(panel))  # judges who left keep their pairs, take nothing new
    entries = sorted(set(on_entry) | set(seats))
    return Problem(
        k=0, min_load=0,
        entries=[Entry(e, k=on_entry[e] + seats.get(e, 0)) for e in entries],
        judges=[Judge(j.id, max_load=max(j.max_load, 0)) for j in request.judges]
        + [Judge(j, max_load=load[j]) for j in departed]
        + [Judge(-n, max_load=len(seats)) for n in range(1, max(seats.values(), default=0) + 1)],
        conflicts=sorted((j, e) for j, e in conflicts if e in seats and j in panel and (j, e) not in taken),
        locked=locked,
        affinity=[(j, e, 0.0) for j, e in locked] + [(j, e, a) for (j, e), a in sorted(candidates.items())]
        + [(-n, e, -empty_cost) for e, s in sorted(seats.items()) for n in range(1, s + 1)])


def instance(request: Refill) -> dict:
    """The problem as JSON, as a run stores it."""
    return problem_json(problem(request))


def refill(request: Refill) -> RefillAnswer:
    """Give each vacancy its seats back from eligible judges, or say why a seat stays empty."""
    question = problem(request)
    answer = assign(question)
    if answer.status != "optimal":  # cannot happen: every seat can always be left empty
        raise RuntimeError(f"refill instance not solved to optimality: {answer.problems}")
    locked = set(request.locked)
    added, empty = [], Counter()
    for pair in answer.pairs:
        if pair[0] < 0:
            empty[pair[1]] += 1
        elif pair not in locked:
            added.append(pair)
    load = Counter(j for j, _e in [*locked, *added])
    conflicts = set(request.conflicts)
    short = []
    for entry, seats in sorted(empty.items()):
        serving = {j for j, e in [*locked, *added] if e == entry}
        others = [j for j in request.judges if j.id not in serving]
        conflicted = sum((j.id, entry) in conflicts for j in others)
        full = sum((j.id, entry) not in conflicts and load[j.id] >= j.max_load for j in others)
        short.append(Shortfall(entry, seats, conflicted, full, len(serving & {j.id for j in request.judges})))
    candidates = _candidates(request)
    return RefillAnswer(sorted(added), short, sum((candidates[pair] for pair in added), 0.0), answer.gap, question,
                        answer)


# --- the JSON face: `python -m contest.engines.refill IN.json` ---------------------------------------------------

def _ids(value, what: str, problems: list[Message]) -> list[tuple[int, int]]:
    """[[judge, entry], ...] with integer ids; each malformed pair is named in ``problems``."""
    if not isinstance(value, list):
        problems.append(Message("refill_pairs_not_list", {"list": what}))
        return []
    pairs = []
    for n, pair in enumerate(value):
        if (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in pair)):
            pairs.append((pair[0], pair[1]))
        else:
            problems.append(Message("refill_pair_invalid", {"list": what, "index": n}))
    return pairs


def read_request(data: Mapping) -> Refill:
    """The typed question from its JSON: judges [{id, max_load, levels}], vacancies [{entry, field, seats}],
    locked and conflicts as [judge, entry] pairs. Every problem is named at once (InputError)."""
    problems: list[Message] = []

    def integer(item, key, n, what, default=None):
        value = item.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(Message("refill_count_invalid", {"list": what, "index": n, "key": key}))
            return 0
        return value

    judges, vacancies = [], []
    for n, item in enumerate(data.get("judges", [])):
        if not isinstance(item, dict):
            problems.append(Message("refill_item_not_object", {"list": "judges", "index": n}))
            continue
        levels = item.get("levels", {})
        if not (isinstance(levels, dict) and all(isinstance(v, int) for v in levels.values())):
            problems.append(Message("refill_levels_invalid", {"index": n}))
            levels = {}
        judges.append(PanelJudge(integer(item, "id", n, "judges"), integer(item, "max_load", n, "judges"), levels))
    for n, item in enumerate(data.get("vacancies", [])):
        if not isinstance(item, dict):
            problems.append(Message("refill_item_not_object", {"list": "vacancies", "index": n}))
            continue
        if item.get("field") is not None and not isinstance(item["field"], str):
            problems.append(Message("refill_field_invalid", {"index": n}))
        vacancies.append(Vacancy(integer(item, "entry", n, "vacancies"), item.get("field"),
                                 integer(item, "seats", n, "vacancies", 1)))
    request = Refill(judges, vacancies, _ids(data.get("locked", []), "locked", problems),
                     _ids(data.get("conflicts", []), "conflicts", problems))
    if problems:
        raise InputError(problems)
    return request


def answer_json(answer: RefillAnswer) -> dict:
    """The answer as JSON: new pairs, seats left empty with their reasons, the affinity and the proof's gap."""
    return {"added": [list(pair) for pair in answer.added], "short": [asdict(s) for s in answer.short],
            "affinity": answer.affinity, "gap": answer.gap}


def solve_json(data: Mapping) -> dict:
    return answer_json(refill(read_request(data)))


if __name__ == "__main__":
    exit_with(solve_json)
