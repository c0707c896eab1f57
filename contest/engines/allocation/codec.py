"""The allocation's JSON face: read and check an instance, write an answer (docs/allocation.md).

The one place JSON meets the engine: ``python -m contest.engines.allocation`` and the stored
snapshots (``solve(snapshot.instance) == snapshot.result``). An instance's string ids become
integers (positions in the input) and come back as strings in the answer, whose English
``explanations`` are rendered from the reasons by the catalogue (:mod:`contest.catalogue.allocation`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contest.catalogue import Message
from contest.catalogue.allocation import english
from contest.engines.allocation.model import Allocation, Country, FixedCost, Instance, Winner
from contest.engines.allocation.rules import allocate
from contest.engines.cli import InputError
from contest.money import soums


@dataclass(frozen=True)
class Ids:
    """The JSON's string ids of an instance's integer ids, and the countries' names (for the English)."""

    winners: Mapping[int, str]
    countries: Mapping[int, str]
    fixed: Mapping[int, str]
    names: Mapping[int, str]

    def labels(self) -> dict[str, str]:
        """Country names by string id: a country without a name is called by its id."""
        return {self.countries[c]: self.names.get(c) or self.countries[c] for c in self.countries}


# --------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class _Row:
    """One item of the JSON as read, before its values are known to be well-typed."""

    id: str
    values: tuple[Any, ...]


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _money_problem(subject: str, params: dict[str, Any], value: Any) -> Message | None:
    """Why a sum is unusable: ``subject`` is budget_given, fixed_cost or country_cost (the code's first
    word); the sum is given as written (its repr, or grouped soums when negative)."""
    if not _is_whole(value):
        return Message(f"{subject}_not_whole", {**params, "given": repr(value)})
    if value < 0:
        return Message(f"{subject}_negative", {**params, "given": soums(value, " ")})
    return None


def _require_list(data: dict, key: str, problems: list[Message]) -> list:
    value = data.get(key, [] if key == "fixed_costs" else None)
    if not isinstance(value, list):
        problems.append(Message("key_not_list" if key in data else "key_missing", {"key": repr(key)}))
        return []
    return value


def _text(item: dict, key: str, where: str, n: int, problems: list[Message]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        problems.append(Message("item_text_invalid", {"list": where, "index": n, "key": repr(key),
                                                      "given": repr(value)}))
        return f"<{where}[{n}]>"
    return value


def _items(data: dict, key: str, problems: list[Message]):
    for n, item in enumerate(_require_list(data, key, problems)):
        if isinstance(item, dict):
            yield n, item
        else:
            problems.append(Message("item_not_object", {"list": key, "index": n}))


def _read(data: dict, problems: list[Message]) -> tuple[list[_Row], list[_Row], list[_Row]]:
    """The shape: fixed prizes (cost), countries (cost, capacity, name), winners (rank, preferences)."""
    fixed = [_Row(_text(item, "id", "fixed_costs", n, problems), (item.get("cost"),))
             for n, item in _items(data, "fixed_costs", problems)]
    countries = []
    for n, item in _items(data, "countries", problems):
        name = item.get("name", "")
        if not isinstance(name, str):
            problems.append(Message("country_name_invalid", {"index": n, "given": repr(name)}))
            name = ""
        countries.append(_Row(_text(item, "id", "countries", n, problems),
                              (item.get("cost"), item.get("capacity"), name)))
    winners = []
    for n, item in _items(data, "winners", problems):
        wid = _text(item, "id", "winners", n, problems)
        prefs = item.get("preferences", [])
        if not isinstance(prefs, list) or not all(isinstance(p, str) for p in prefs):
            problems.append(Message("preferences_invalid", {"id": repr(wid)}))
            prefs = []
        winners.append(_Row(wid, (item.get("rank"), tuple(prefs))))
    return fixed, countries, winners


def _check(budget: Any, fixed: list[_Row], countries: list[_Row], winners: list[_Row]) -> list[Message]:
    """Every problem of the values, in the order found."""
    problems: list[Message] = []
    budget_problem = _money_problem("budget_given", {}, budget)
    if budget_problem:
        problems.append(budget_problem)

    seen: set[str] = set()
    fixed_ok = True
    for row in fixed:
        if row.id in seen:
            problems.append(Message("fixed_prize_twice", {"id": repr(row.id)}))
        seen.add(row.id)
        problem = _money_problem("fixed_cost", {"id": repr(row.id)}, row.values[0])
        if problem:
            problems.append(problem)
            fixed_ok = False

    known: set[str] = set()
    for row in countries:
        cost, capacity, _name = row.values
        if row.id in known:
            problems.append(Message("country_twice", {"id": repr(row.id)}))
        known.add(row.id)
        problem = _money_problem("country_cost", {"id": repr(row.id)}, cost)
        if problem:
            problems.append(problem)
        if not _is_whole(capacity):
            problems.append(Message("capacity_not_whole", {"id": repr(row.id), "given": repr(capacity)}))
        elif capacity < 0:
            problems.append(Message("capacity_negative", {"id": repr(row.id), "given": capacity}))

    ids: set[str] = set()
    ranks: dict[int, str] = {}
    for row in winners:
        rank, prefs = row.values
        if row.id in ids:
            problems.append(Message("winner_twice", {"id": repr(row.id)}))
        ids.add(row.id)
        if not _is_whole(rank):
            problems.append(Message("winner_rank_invalid", {"id": repr(row.id), "given": repr(rank)}))
        elif rank in ranks:
            problems.append(Message("winners_share_rank", {"first": repr(ranks[rank]), "second": repr(row.id),
                                                           "rank": rank}))
        else:
            ranks[rank] = row.id
        listed: set[str] = set()
        for pref in prefs:
            if pref not in known:
                problems.append(Message("preference_unknown", {"id": repr(row.id), "preference": repr(pref)}))
            if pref in listed:
                problems.append(Message("preference_twice", {"id": repr(row.id), "preference": repr(pref)}))
            listed.add(pref)

    if budget_problem is None and fixed_ok:
        fixed_total = sum(row.values[0] for row in fixed)
        if budget < fixed_total:
            # the sums as the command line writes them (InputError renders plain English)
            problems.append(Message("budget_below_fixed_prizes", {"budget": soums(budget, " "),
                                                                  "fixed": soums(fixed_total, " ")}))
    return problems


def parse(data: dict) -> tuple[Instance, Ids]:
    """The JSON instance as engine types; raises :class:`InputError` naming every problem."""
    problems: list[Message] = []
    if "budget" not in data:
        problems.append(Message("key_missing", {"key": repr("budget")}))
    budget = data.get("budget", 0)
    fixed, countries, winners = _read(data, problems)
    if problems:
        raise InputError(problems)
    problems = _check(budget, fixed, countries, winners)
    if problems:
        raise InputError(problems)
    index = {row.id: n for n, row in enumerate(countries)}
    instance = Instance(
        budget=budget,
        fixed_costs=tuple(FixedCost(n, row.values[0]) for n, row in enumerate(fixed)),
        countries=tuple(Country(n, row.values[0], row.values[1]) for n, row in enumerate(countries)),
        winners=tuple(Winner(n, row.values[0], tuple(index[p] for p in row.values[1]))
                      for n, row in enumerate(winners)))
    ids = Ids(winners=dict(enumerate(row.id for row in winners)),
              countries=dict(enumerate(row.id for row in countries)),
              fixed=dict(enumerate(row.id for row in fixed)),
              names={n: row.values[2] for n, row in enumerate(countries)})
    return instance, ids


# --------------------------------------------------------------------------- writing

def encode_instance(instance: Instance, ids: Ids) -> dict[str, Any]:
    """The JSON of an instance (what a snapshot stores and :func:`parse` reads back)."""
    return {
        "budget": instance.budget,
        "fixed_costs": [{"id": ids.fixed[f.id], "cost": f.cost} for f in instance.fixed_costs],
        "countries": [{"id": ids.countries[c.id], "name": ids.names.get(c.id, ""), "cost": c.cost,
                       "capacity": c.capacity} for c in instance.countries],
        "winners": [{"id": ids.winners[w.id], "rank": w.rank, "preferences": [ids.countries[p] for p in w.preferences]}
                    for w in instance.winners],
    }


def encode_reason(reason: Mapping[str, Any], countries: Mapping[int, str]) -> dict[str, Any]:
    """A reason with its countries under their string ids."""
    out = dict(reason)
    if "country" in out:
        out["country"] = countries[out["country"]]
    if "countries" in out:
        out["countries"] = [countries[c] for c in out["countries"]]
    if "skipped" in out:
        out["skipped"] = [encode_reason(s, countries) for s in out["skipped"]]
    return out


def encode(result: Allocation, ids: Ids) -> dict[str, Any]:
    """The JSON answer (the contract in docs/allocation.md), with the English explanations."""
    winner = ids.winners
    reasons = {winner[w]: encode_reason(reason, ids.countries) for w, reason in result.reasons.items()}
    labels = ids.labels()
    return {
        "awards": [{"winner": winner[a.winner], "country": ids.countries[a.country], "cost": a.cost}
                   for a in result.awards],
        "unfunded": [winner[w] for w in result.unfunded],
        "shortfall": {winner[w]: short for w, short in result.shortfall.items()},
        "fixed": [{"id": ids.fixed[f.id], "cost": f.cost} for f in result.fixed],
        "budget": result.budget,
        "spent": result.spent,
        "remaining": result.remaining,
        "explanations": {w: english(reason, labels) for w, reason in reasons.items()},
        "reasons": reasons,
    }


def solve(data: dict) -> dict:
    """JSON instance in, JSON answer out."""
    instance, ids = parse(data)
    return encode(allocate(instance), ids)
