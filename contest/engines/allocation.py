"""Prize allocation: fixed prizes first, then internships abroad by rank, within the budget.

The rules are exact, so an allocation has one right answer (see docs/allocation.md):

1. Fixed prizes (the electric cars) are paid first; what is left funds internships.
2. The funded set is built in rank order: a winner is funded when they and everyone funded
   before them can all be placed, each in a country they accept, within the countries'
   capacities and the remaining budget.
3. Then, in rank order, each funded winner gets the country they like best such that every
   funded winner can still be placed within capacities and budget. Nobody is ever worse off
   because of someone ranked below them.

Placing a set of winners is a min-cost flow (winners -> countries -> sink; a country's edge
costs its price), asked of OR-tools' solver: rule 2 asks it once per winner (once per set of
accepted countries while the funded set does not change), rule 3 once per preference tried.
When a preference would strand someone, the countries reachable from it in the solver's flow
name who (:meth:`_Placement.stranded`, a breadth-first search of scipy's csgraph).

Money is integer soums everywhere; floats are refused.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from contest.engines.cli import InputError, exit_with

_ORDINALS = ("first", "second", "third", "fourth", "fifth",
             "sixth", "seventh", "eighth", "ninth", "tenth")


@dataclass(frozen=True)
class Country:
    """A destination for internships: price per person and number of places."""

    id: str
    cost: int
    capacity: int
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Winner:
    """A ranked winner; ``preferences`` lists the accepted countries, best first."""

    id: str
    rank: int
    preferences: tuple[str, ...]


@dataclass(frozen=True)
class FixedCost:
    """A prize paid before any internship, e.g. the electric car for a contest's first place."""

    id: str
    cost: int


@dataclass(frozen=True)
class Award:
    winner: str
    country: str
    cost: int


@dataclass
class Allocation:
    """The answer. ``spent`` includes the fixed prizes; ``remaining`` is budget - spent."""

    budget: int
    fixed: list[FixedCost]
    awards: list[Award]
    unfunded: list[str]
    shortfall: dict[str, int]
    explanations: dict[str, str]
    spent: int
    remaining: int
    reasons: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "awards": [{"winner": a.winner, "country": a.country, "cost": a.cost}
                       for a in self.awards],
            "unfunded": list(self.unfunded),
            "shortfall": dict(self.shortfall),
            "fixed": [{"id": f.id, "cost": f.cost} for f in self.fixed],
            "budget": self.budget,
            "spent": self.spent,
            "remaining": self.remaining,
            "explanations": dict(self.explanations),
            "reasons": dict(self.reasons),
        }


def uzs(amount: int) -> str:
    """Format soums with space grouping: 41000000 -> '41 000 000 UZS'."""
    return f"{amount:,} UZS".replace(",", " ")


# --------------------------------------------------------------------------- validation

def _is_money(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _money_problem(where: str, what: str, value: Any) -> str | None:
    if not _is_money(value):
        return f"{where}: {what} must be a whole number of soums, got {value!r}"
    if value < 0:
        return f"{where}: {what} must not be negative, got {uzs(value)}"
    return None


def validate(budget: int, fixed_costs: Sequence[FixedCost], countries: Sequence[Country],
             winners: Sequence[Winner]) -> list[str]:
    """Every problem that makes the instance unusable, in the order found."""
    problems: list[str] = []
    budget_problem = _money_problem("budget", "the budget", budget)
    if budget_problem:
        problems.append(budget_problem)

    seen: set[str] = set()
    fixed_ok = True
    for fc in fixed_costs:
        if fc.id in seen:
            problems.append(f"fixed prize {fc.id!r} is listed twice")
        seen.add(fc.id)
        problem = _money_problem(f"fixed prize {fc.id!r}", "cost", fc.cost)
        if problem:
            problems.append(problem)
            fixed_ok = False

    known: set[str] = set()
    for c in countries:
        if c.id in known:
            problems.append(f"country {c.id!r} is listed twice")
        known.add(c.id)
        for what, value in (("cost", c.cost), ("capacity", c.capacity)):
            if what == "capacity":
                if not _is_money(value):
                    problems.append(f"country {c.id!r}: capacity must be a whole number, "
                                    f"got {value!r}")
                elif value < 0:
                    problems.append(f"country {c.id!r}: capacity must not be negative, "
                                    f"got {value}")
            else:
                problem = _money_problem(f"country {c.id!r}", what, value)
                if problem:
                    problems.append(problem)

    ids: set[str] = set()
    ranks: dict[int, str] = {}
    for w in winners:
        if w.id in ids:
            problems.append(f"winner {w.id!r} is listed twice")
        ids.add(w.id)
        if not _is_money(w.rank):
            problems.append(f"winner {w.id!r}: rank must be a whole number, got {w.rank!r}")
        elif w.rank in ranks:
            problems.append(f"winners {ranks[w.rank]!r} and {w.id!r} share rank {w.rank}")
        else:
            ranks[w.rank] = w.id
        listed: set[str] = set()
        for pref in w.preferences:
            if pref not in known:
                problems.append(f"winner {w.id!r} prefers unknown country {pref!r}")
            if pref in listed:
                problems.append(f"winner {w.id!r} lists country {pref!r} twice")
            listed.add(pref)

    if budget_problem is None and fixed_ok:
        fixed_total = sum(fc.cost for fc in fixed_costs)
        if budget < fixed_total:
            problems.append(f"budget {uzs(budget)} is smaller than the fixed prizes "
                            f"{uzs(fixed_total)}")
    return problems


# --------------------------------------------------------------------------- the placement

class _Placement:
    """The min-cost placement question, asked of OR-tools' min-cost flow solver.

    Winners who accept the same countries are interchangeable for the flow, so the network has
    one node per set of accepted countries (its supply: how many such winners are to be placed),
    one per country, and a sink: set -> country (free), country -> sink (the country's places
    left, at its price). Between questions only supplies and the countries' places change.
    Prices are divided by their greatest common divisor (exact; the solver's cost scaling then
    has far fewer rounds on prices in millions of soums).
    """

    def __init__(self, cost: Sequence[int], capacity: Sequence[int], accepts: Sequence[Sequence[int]]):
        self.countries = k = len(cost)
        self.unit = math.gcd(*cost) or 1
        self.accepted: list[frozenset[int]] = list(dict.fromkeys(frozenset(a) for a in accepts if a))
        self.kinds = {accepted: n for n, accepted in enumerate(self.accepted)}
        self.sink = k + len(self.accepted)
        self.solver = min_cost_flow.SimpleMinCostFlow()
        self.places = [self.solver.add_arc_with_capacity_and_unit_cost(c, self.sink, capacity[c], cost[c] // self.unit)
                       for c in range(k)]
        ends = [(kind, c) for kind, accepted in enumerate(self.accepted) for c in sorted(accepted)]
        self.arc_kind = np.array([kind for kind, _ in ends], dtype=np.int64)
        self.arc_country = np.array([c for _, c in ends], dtype=np.int64)
        self.arcs = np.array([self.solver.add_arc_with_capacity_and_unit_cost(k + kind, c, len(accepts), 0)
                              for kind, c in ends], dtype=np.int32)
        self.supply = [0] * len(self.accepted)
        self.nodes = np.arange(k, self.sink + 1, dtype=np.int32)

    def kind(self, accepted: Sequence[int]) -> int:
        return self.kinds[frozenset(accepted)]

    def set_places(self, country: int, places: int) -> None:
        self.solver.set_arc_capacity(self.places[country], places)

    def min_cost(self) -> int | None:
        """The cheapest placement of everyone counted in ``supply``, or None if there is none."""
        solver = self.solver
        solver.set_nodes_supplies(self.nodes, np.array([*self.supply, -sum(self.supply)], dtype=np.int64))
        status = solver.solve()
        if status == solver.OPTIMAL:
            return solver.optimal_cost() * self.unit
        if status == solver.INFEASIBLE:
            return None
        raise RuntimeError(f"the min-cost flow solver failed with status {status}")  # pragma: no cover

    def stranded(self, country: int) -> set[int]:
        """The kinds of winners one of whom a placement with one place fewer in ``country`` leaves out.

        Asked after :meth:`min_cost` found the placement without that change. The countries
        reachable from ``country`` by moving placed winners (an arc d -> q where someone placed
        in d also accepts q) have no free place, else a chain of moves would free one; the
        winners placed there accept nothing else, so one of them is left out. Every maximum
        placement reaches the same countries (Dulmage-Mendelsohn), so the answer is unique.
        """
        k = self.countries
        used = self.solver.flows(self.arcs) > 0
        moves = np.zeros((k, k), dtype=np.int8)
        for kind, d in zip(self.arc_kind[used].tolist(), self.arc_country[used].tolist()):
            moves[d, list(self.accepted[kind])] = 1
        reached = set(breadth_first_order(csr_matrix(moves), country, return_predecessors=False).tolist())
        return {kind for kind, accepted in enumerate(self.accepted) if self.supply[kind] and accepted <= reached}


# --------------------------------------------------------------------------- explanations
#
# Every explanation is first a reason: a code from a small closed set and named parameters
# (country ids, lists of ranks, whole soums, 1-based choice numbers); docs/allocation.md lists
# them. `explain` renders a reason as the English one-liner of `explanations`; the web layer
# renders the same reason in the reader's language (contest/services/prizes.py).

#: A funded winner's reason.
PLACED = ("first_choice", "later_choice")
#: Why a preference of a funded winner was passed over (the items of ``skipped``).
SKIPS = ("no_places", "full", "would_strand", "over_budget")
#: An unfunded winner's reason.
UNFUNDED = ("no_preferences", "no_place", "short")
#: A stranding reason lists up to this many runs of ranks; beyond, it gives their number.
BRIEF_RUNS = 5


def rank_runs(ranks: Iterable[int]) -> list[str]:
    """[1, 2, 3, 7] -> ['1-3', '7']."""
    values = sorted(ranks)
    runs: list[str] = []
    start = prev = values[0]
    for r in values[1:] + [None]:  # type: ignore[operator]
        if r is not None and r == prev + 1:
            prev = r
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if r is not None:
            start = prev = r
    return runs


def _ranks(ranks: Sequence[int]) -> str:
    """[1, 2, 3, 7] -> 'ranks 1-3, 7'; [4] -> 'rank 4'."""
    word = "rank" if len(ranks) == 1 else "ranks"
    return f"{word} {', '.join(rank_runs(ranks))}"


def _group(ranks: Sequence[int]) -> str:
    """Names who would be left without a place: one winner, or one of a (briefly named) group."""
    if len(ranks) == 1:
        return _ranks(ranks)
    if len(rank_runs(ranks)) <= BRIEF_RUNS:
        return f"one of {_ranks(ranks)}"
    return f"one of {len(ranks)} funded winners ranked below you"


def _choice(n: int) -> str:
    """1 -> 'your first choice'; past the tenth, 'your choice no. 11'."""
    return f"your {_ORDINALS[n - 1]} choice" if n <= len(_ORDINALS) else f"your choice no. {n}"


def explain(reason: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """The English sentence of a reason; ``names`` gives country names by id (default: the id)."""
    def name(country: str) -> str:
        return (names or {}).get(country) or country

    code = reason["code"]
    if code == "first_choice":
        return f"{name(reason['country'])}, {_choice(1)}"
    if code == "later_choice":
        skipped = "; ".join(explain(s, names) for s in reason["skipped"])
        return f"{skipped}: {name(reason['country'])}, {_choice(reason['choice'])}"
    if code == "no_places":
        return f"{name(reason['country'])} has no places"
    if code == "full":
        return f"{name(reason['country'])} was full after {_ranks(reason['ranks'])}"
    if code == "would_strand":
        return (f"taking a {name(reason['country'])} place would have left "
                f"{_group(reason['ranks'])} with no place they accept")
    if code == "over_budget":
        return (f"{name(reason['country'])} would have put the funded winners "
                f"{uzs(reason['amount'])} over budget")
    if code == "no_preferences":
        return "not funded: accepts no country"
    if code == "no_place":
        accepted = ", ".join(name(c) for c in reason["countries"])
        return (f"not funded: no place left in the countries you accept ({accepted}) "
                f"once the higher-ranked funded winners are placed")
    if code == "short":
        above = "winner" if reason["funded"] == 1 else "winners"
        return (f"not funded: {uzs(reason['short'])} short (placing you alongside the "
                f"{reason['funded']} higher-ranked funded {above} costs {uzs(reason['extra'])} "
                f"more, and {uzs(reason['left'])} was left)")
    raise ValueError(f"unknown reason code {code!r}")


# --------------------------------------------------------------------------- the engine

def allocate(budget: int, fixed_costs: Sequence[FixedCost], countries: Sequence[Country],
             winners: Sequence[Winner]) -> Allocation:
    """Apply the allocation rules; raises :class:`InputError` naming every input problem."""
    problems = validate(budget, fixed_costs, countries, winners)
    if problems:
        raise InputError(problems)

    order = sorted(winners, key=lambda w: w.rank)
    index = {c.id: k for k, c in enumerate(countries)}
    cost = [c.cost for c in countries]
    ids = [c.id for c in countries]
    accepts = [[index[p] for p in w.preferences] for w in order]
    fixed_total = sum(fc.cost for fc in fixed_costs)
    left = budget - fixed_total          # money for internships

    reasons: dict[str, dict] = {}
    shortfall: dict[str, int] = {}
    unfunded: list[str] = []
    funded: list[int] = []

    # Step 2: the funded set; each winner is funded when the cheapest placement of the funded
    # set with them still fits the money left.
    flow = _Placement(cost, [c.capacity for c in countries], accepts)
    kind = [flow.kind(accepted) if accepted else -1 for accepted in accepts]
    placed = 0                           # the cheapest placement of the funded set so far
    asked: dict[int, int | None] = {}    # the answer for each set of accepted countries, until someone is funded
    for i, w in enumerate(order):
        if not accepts[i]:
            unfunded.append(w.id)
            reasons[w.id] = {"code": "no_preferences"}
            continue
        if kind[i] in asked:             # the same countries asked for, the funded set unchanged
            total = asked[kind[i]]
        else:
            flow.supply[kind[i]] += 1
            total = asked[kind[i]] = flow.min_cost()
            flow.supply[kind[i]] -= 1
        if total is not None and total <= left:
            flow.supply[kind[i]] += 1
            funded.append(i)
            placed = total
            asked.clear()
            continue
        unfunded.append(w.id)
        if total is None:
            reasons[w.id] = {"code": "no_place", "countries": [ids[k] for k in accepts[i]]}
        else:
            shortfall[w.id] = total - left
            reasons[w.id] = {"code": "short", "short": total - left, "extra": total - placed,
                             "funded": len(funded), "left": left - placed}

    # Step 3: serial dictatorship, keeping every funded winner placeable.
    places = [c.capacity for c in countries]   # places not taken by the winners fixed so far
    fixed_at: list[list[int]] = [[] for _ in countries]
    chosen: dict[int, int] = {}
    for n_fixed, i in enumerate(funded):
        w = order[i]
        flow.supply[kind[i]] -= 1            # the others, not yet fixed, must stay placeable
        skipped: list[dict] = []
        for n, p in enumerate(accepts[i]):
            if places[p] == 0:
                if countries[p].capacity == 0:
                    skipped.append({"code": "no_places", "country": ids[p]})
                else:
                    skipped.append({"code": "full", "country": ids[p], "ranks": sorted(fixed_at[p])})
                continue
            flow.set_places(p, places[p] - 1)
            total = flow.min_cost()
            if total is None or total + cost[p] > left:
                flow.set_places(p, places[p])
                if total is None:
                    flow.min_cost()
                    kinds = flow.stranded(p)
                    stuck = sorted(order[j].rank for j in funded[n_fixed + 1:] if kind[j] in kinds)
                    skipped.append({"code": "would_strand", "country": ids[p], "ranks": stuck})
                else:
                    skipped.append({"code": "over_budget", "country": ids[p], "amount": total + cost[p] - left})
                continue
            places[p] -= 1
            left -= cost[p]
            fixed_at[p].append(w.rank)
            chosen[i] = p
            reasons[w.id] = ({"code": "later_choice", "country": ids[p], "choice": n + 1,
                              "skipped": skipped} if skipped else
                             {"code": "first_choice", "country": ids[p]})
            break
        else:  # step 2 guarantees a place
            raise RuntimeError(f"funded winner {w.id} could not be placed")

    awards = [Award(order[i].id, countries[chosen[i]].id, cost[chosen[i]]) for i in funded]
    spent = fixed_total + sum(a.cost for a in awards)
    names = {c.id: c.label for c in countries}
    return Allocation(
        budget=budget, fixed=list(fixed_costs), awards=awards,
        unfunded=unfunded, shortfall=shortfall,
        explanations={w.id: explain(reasons[w.id], names) for w in order},
        spent=spent, remaining=budget - spent,
        reasons={w.id: reasons[w.id] for w in order})


# --------------------------------------------------------------------------- JSON face

def _require_list(data: dict, key: str, problems: list[str]) -> list:
    value = data.get(key, [] if key == "fixed_costs" else None)
    if not isinstance(value, list):
        problems.append(f"{key!r} must be a list" if key in data else f"{key!r} is missing")
        return []
    return value


def _text(item: dict, key: str, where: str, problems: list[str]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        problems.append(f"{where}: {key!r} must be a non-empty string, got {value!r}")
        return f"<{where}>"
    return value


def parse(data: dict) -> tuple[int, list[FixedCost], list[Country], list[Winner]]:
    """Turn the JSON instance into engine types; raises InputError naming shape problems."""
    problems: list[str] = []
    if "budget" not in data:
        problems.append("'budget' is missing")
    budget = data.get("budget", 0)

    fixed: list[FixedCost] = []
    for n, item in enumerate(_require_list(data, "fixed_costs", problems)):
        if not isinstance(item, dict):
            problems.append(f"fixed_costs[{n}] must be an object")
            continue
        fixed.append(FixedCost(_text(item, "id", f"fixed_costs[{n}]", problems),
                               item.get("cost")))

    countries: list[Country] = []
    for n, item in enumerate(_require_list(data, "countries", problems)):
        if not isinstance(item, dict):
            problems.append(f"countries[{n}] must be an object")
            continue
        name = item.get("name", "")
        if not isinstance(name, str):
            problems.append(f"countries[{n}]: 'name' must be a string, got {name!r}")
            name = ""
        countries.append(Country(_text(item, "id", f"countries[{n}]", problems),
                                 item.get("cost"), item.get("capacity"), name))

    winners: list[Winner] = []
    for n, item in enumerate(_require_list(data, "winners", problems)):
        if not isinstance(item, dict):
            problems.append(f"winners[{n}] must be an object")
            continue
        wid = _text(item, "id", f"winners[{n}]", problems)
        prefs = item.get("preferences", [])
        if not isinstance(prefs, list) or not all(isinstance(p, str) for p in prefs):
            problems.append(f"winner {wid!r}: 'preferences' must be a list of country ids")
            prefs = []
        winners.append(Winner(wid, item.get("rank"), tuple(prefs)))

    if problems:
        raise InputError(problems)
    return budget, fixed, countries, winners


def solve(data: dict) -> dict:
    """JSON instance in, JSON answer out (the contract in docs/allocation.md)."""
    return allocate(*parse(data)).to_dict()


if __name__ == "__main__":
    exit_with(solve)
