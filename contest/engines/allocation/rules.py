"""The allocation rules, applied to a typed instance (ids are integers; see :mod:`.model`).

The rules (the package docstring, docs/allocation.md) are exact: one right answer.

Placing a set of winners is a min-cost flow (winners -> countries -> sink; a country's edge
costs its price), asked of OR-tools' solver: rule 2 asks it once per winner (once per set of
accepted countries while the funded set does not change), rule 3 once per preference tried.
When a preference would strand someone, the countries reachable from it in the solver's flow
name who (:meth:`_Placement.stranded`, a breadth-first search of scipy's csgraph).

Money is integer soums everywhere.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from contest.catalogue import Message
from contest.catalogue.allocation import english
from contest.engines.allocation.model import Allocation, Award, Instance
from contest.engines.cli import InputError


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


def allocate(instance: Instance) -> Allocation:
    """Apply the allocation rules to a well-formed instance (:mod:`.codec` checks one read from
    JSON); raises :class:`InputError` when the budget does not cover the fixed prizes."""
    budget, fixed_costs, countries = instance.budget, instance.fixed_costs, instance.countries
    fixed_total = sum(fc.cost for fc in fixed_costs)
    if budget < fixed_total:
        problem = Message("budget_below_fixed_prizes", {"budget": budget, "fixed": fixed_total})
        raise InputError([english(problem)], codes=[problem.as_json()])

    order = sorted(instance.winners, key=lambda w: w.rank)
    index = {c.id: k for k, c in enumerate(countries)}
    cost = [c.cost for c in countries]
    ids = [c.id for c in countries]
    accepts = [[index[p] for p in w.preferences] for w in order]
    left = budget - fixed_total          # money for internships

    reasons: dict[int, dict] = {}
    shortfall: dict[int, int] = {}
    unfunded: list[int] = []
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
    return Allocation(budget=budget, fixed=tuple(fixed_costs), awards=awards, unfunded=unfunded,
                      shortfall=shortfall, spent=spent, remaining=budget - spent,
                      reasons={w.id: reasons[w.id] for w in order})
