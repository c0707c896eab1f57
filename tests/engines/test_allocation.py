"""The allocation rules, checked against brute force and an independent flow solver."""
from __future__ import annotations

import json
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from contest.catalogue.allocation import english as explain
from contest.engines.allocation import (
    PLACED,
    SKIPS,
    UNFUNDED,
    Country,
    FixedCost,
    Ids,
    InputError,
    Instance,
    Winner,
    encode,
    solve,
)
from contest.engines.allocation import allocate as allocate_instance
from contest.money import soums


def uzs(amount):
    """A sum as the command line writes it."""
    return soums(amount, " ")

LABELS = ["Alpha", "Bravo", "Charlie", "Delta"]
NAMES = dict(enumerate(LABELS))


def allocate(budget, fixed, countries, winners):
    return allocate_instance(Instance(budget, tuple(fixed), tuple(countries), tuple(winners)))


def explanations(result, names=NAMES):
    """The English of every reason, as the command line answers it."""
    return {wid: explain(reason, names) for wid, reason in result.reasons.items()}


# --------------------------------------------------------------------------- references

def brute_min_cost(members, prefs, cost, cap, forced=None):
    """Cheapest placement of every member in an accepted country, or None; by enumeration."""
    forced = forced or {}
    used = [0] * len(cost)
    best = [None]

    def walk(j, total):
        if best[0] is not None and total >= best[0]:
            return
        if j == len(members):
            best[0] = total
            return
        i = members[j]
        for c in ([forced[i]] if i in forced else prefs[i]):
            if used[c] < cap[c]:
                used[c] += 1
                walk(j + 1, total + cost[c])
                used[c] -= 1

    walk(0, 0)
    return best[0]


def flow_min_cost(members, prefs, cost, cap, forced=None):
    """The same question asked of OR-Tools' min-cost flow (for larger instances)."""
    forced = forced or {}
    if not members:
        return 0
    k = len(cost)
    source, sink = 0, 1
    smcf = min_cost_flow.SimpleMinCostFlow()
    for n, i in enumerate(members):
        node = 2 + k + n
        smcf.add_arc_with_capacity_and_unit_cost(source, node, 1, 0)
        for c in ([forced[i]] if i in forced else prefs[i]):
            smcf.add_arc_with_capacity_and_unit_cost(node, 2 + c, 1, 0)
    for c in range(k):
        smcf.add_arc_with_capacity_and_unit_cost(2 + c, sink, cap[c], cost[c])
    smcf.set_node_supply(source, len(members))
    smcf.set_node_supply(sink, -len(members))
    if smcf.solve() != smcf.OPTIMAL:
        return None
    return smcf.optimal_cost()


def reference(left, cost, cap, prefs, min_cost=brute_min_cost):
    """The rules read literally: greedy funded set, then serial dictatorship with feasibility."""
    funded, shortfall = [], {}
    for i in range(len(prefs)):
        m = min_cost(funded + [i], prefs, cost, cap)
        if m is not None and m <= left:
            funded.append(i)
        elif m is not None:
            shortfall[i] = m - left
    forced = {}
    for i in funded:
        for p in prefs[i]:
            m = min_cost(funded, prefs, cost, cap, {**forced, i: p})
            if m is not None and m <= left:
                forced[i] = p
                break
    return funded, forced, shortfall


# --------------------------------------------------------------------------- instances

@st.composite
def instances(draw, max_countries=3, max_winners=6):
    k = draw(st.integers(1, max_countries))
    countries = [Country(id=c, cost=draw(st.sampled_from([0, 10, 25, 40])),
                         capacity=draw(st.integers(0, 3))) for c in range(k)]
    n = draw(st.integers(0, max_winners))
    ranks = draw(st.lists(st.integers(1, 30), min_size=n, max_size=n, unique=True))
    winners = []
    for j, rank in enumerate(ranks):
        prefs = draw(st.permutations([c.id for c in countries]))
        cut = draw(st.integers(0, k))
        winners.append(Winner(id=j, rank=rank, preferences=tuple(prefs[:cut])))
    fixed = [FixedCost(0, draw(st.integers(0, 30)))]
    budget = fixed[0].cost + draw(st.integers(0, 150))
    return budget, fixed, countries, winners


def as_indices(budget, fixed, countries, winners):
    order = sorted(winners, key=lambda w: w.rank)
    idx = {c.id: n for n, c in enumerate(countries)}
    prefs = [[idx[p] for p in w.preferences] for w in order]
    left = budget - sum(f.cost for f in fixed)
    return order, prefs, left, [c.cost for c in countries], [c.capacity for c in countries]


def check_against_reference(instance, min_cost):
    budget, fixed, countries, winners = instance
    result = allocate(budget, fixed, countries, winners)
    order, prefs, left, cost, cap = as_indices(*instance)
    funded, forced, shortfall = reference(left, cost, cap, prefs, min_cost)

    assert [a.winner for a in result.awards] == [order[i].id for i in funded]
    assert {a.winner: a.country for a in result.awards} == {
        order[i].id: countries[p].id for i, p in forced.items()}
    assert result.shortfall == {order[i].id: s for i, s in shortfall.items()}
    assert result.unfunded == [w.id for n, w in enumerate(order) if n not in funded]
    return result


# --------------------------------------------------------------------------- properties

@settings(max_examples=300, deadline=None)
@given(instances())
def test_matches_brute_force(instance):
    check_against_reference(instance, brute_min_cost)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_matches_flow_solver_on_larger_instances(rnd):
    countries = [Country(id=c, cost=rnd.choice([5, 10, 12, 20, 30]),
                         capacity=rnd.randint(0, 6)) for c in range(5)]
    winners = []
    for n in range(30):
        prefs = rnd.sample([c.id for c in countries], rnd.randint(1, 3))
        winners.append(Winner(n, n + 1, tuple(prefs)))
    budget = rnd.randint(100, 400)
    check_against_reference((budget, [], countries, winners), flow_min_cost)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_awards_are_accepted_within_capacity_and_budget(instance):
    budget, fixed, countries, winners = instance
    result = allocate(*instance)
    by_id = {c.id: c for c in countries}
    prefs = {w.id: w.preferences for w in winners}
    for a in result.awards:
        assert a.country in prefs[a.winner]
        assert a.cost == by_id[a.country].cost
    for c in countries:
        assert sum(a.country == c.id for a in result.awards) <= c.capacity
    assert result.spent == sum(f.cost for f in fixed) + sum(a.cost for a in result.awards)
    assert result.spent <= budget
    assert result.remaining == budget - result.spent
    assert all(isinstance(v, int) for v in (result.spent, result.remaining))


@settings(max_examples=200, deadline=None)
@given(instances())
def test_no_better_liked_country_would_have_kept_everyone_placeable(instance):
    """Serial dictatorship with feasibility, checked directly on the engine's own answer."""
    countries = instance[2]
    result = allocate(*instance)
    order, prefs, left, cost, cap = as_indices(*instance)
    pos = {w.id: n for n, w in enumerate(order)}
    idx = {c.id: n for n, c in enumerate(countries)}
    funded = [pos[a.winner] for a in result.awards]
    got = {pos[a.winner]: idx[a.country] for a in result.awards}
    forced = {}
    for i in funded:
        for p in prefs[i][:prefs[i].index(got[i])]:
            m = brute_min_cost(funded, prefs, cost, cap, {**forced, i: p})
            assert m is None or m > left
        forced[i] = got[i]


@settings(max_examples=100, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_input_order(instance, rnd):
    budget, fixed, countries, winners = instance
    first = allocate(*instance)
    assert allocate(*instance) == first
    shuffled_w, shuffled_c = list(winners), list(countries)
    rnd.shuffle(shuffled_w)
    rnd.shuffle(shuffled_c)
    again = allocate(budget, fixed, shuffled_c, shuffled_w)
    assert again.awards == first.awards
    assert again.unfunded == first.unfunded
    assert again.shortfall == first.shortfall
    assert again.spent == first.spent


# --------------------------------------------------------------------------- explanations

CHOICE = re.compile(r"^(?P<country>\w+), your (?P<nth>\w+) choice$")
FULL = re.compile(r"^(?P<country>\w+) was full after ranks? (?P<ranks>[\d, -]+)$")
NONE = re.compile(r"^(?P<country>\w+) has no places$")
STUCK = re.compile(r"^taking a (?P<country>\w+) place would have left .* with no place they accept$")
OVER = re.compile(r"^(?P<country>\w+) would have put the funded winners (?P<amount>[\d ]+) UZS over budget$")
ORDINALS = ["first", "second", "third", "fourth"]


def expand(ranks):
    out = []
    for part in ranks.split(", "):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


@settings(max_examples=300, deadline=None)
@given(instances())
def test_explanations_are_true(instance):
    countries, winners = instance[2], instance[3]
    result = allocate(*instance)
    order, prefs, left, cost, cap = as_indices(*instance)
    label = {NAMES[c.id]: n for n, c in enumerate(countries)}
    by_id = {c.id: c for c in countries}
    pos = {w.id: n for n, w in enumerate(order)}
    funded = [pos[a.winner] for a in result.awards]
    forced = {}
    english = explanations(result)
    assert set(english) == {w.id for w in winners}
    for a in result.awards:
        i = pos[a.winner]
        text = english[a.winner]
        *reasons, head = text.rsplit(": ", 1) if ": " in text else [text]
        match = CHOICE.match(head)
        assert match, text
        assert match["country"] == NAMES[by_id[a.country].id]
        chosen = label[match["country"]]
        assert ORDINALS[prefs[i].index(chosen)] == match["nth"]
        parts = reasons[0].split("; ") if reasons else []
        assert len(parts) == prefs[i].index(chosen), text
        for p, part in zip(prefs[i], parts):
            if m := FULL.match(part):
                assert label[m["country"]] == p
                above = [order[j].rank for j, c in forced.items() if c == p]
                assert sorted(above) == expand(m["ranks"]) and len(above) == cap[p] > 0
            elif m := NONE.match(part):
                assert label[m["country"]] == p and cap[p] == 0
            elif m := STUCK.match(part):
                assert label[m["country"]] == p
                assert brute_min_cost(funded, prefs, cost, cap, {**forced, i: p}) is None
            elif m := OVER.match(part):
                assert label[m["country"]] == p
                need = brute_min_cost(funded, prefs, cost, cap, {**forced, i: p})
                assert need - left == int(m["amount"].replace(" ", "")) > 0
            else:
                raise AssertionError(f"unexplained reason {part!r}")
        forced[i] = chosen
    for wid in result.unfunded:
        text = english[wid]
        assert text.startswith("not funded: ")
        if wid in result.shortfall:
            assert text.startswith(f"not funded: {uzs(result.shortfall[wid])} short")
        elif prefs[pos[wid]]:
            above = [j for j in funded if j < pos[wid]]
            assert brute_min_cost(above + [pos[wid]], prefs, cost, cap) is None
            assert "no place left" in text
        else:
            assert text == "not funded: accepts no country"


@settings(max_examples=200, deadline=None)
@given(instances())
def test_every_explanation_is_rendered_from_its_reason(instance):
    """The reasons are the structured form of the explanations: same winners, same words."""
    countries = instance[2]
    result = allocate(*instance)
    assert list(result.reasons) == sorted(result.reasons, key={w.id: w.rank for w in instance[3]}.get)
    funded = {a.winner: a.country for a in result.awards}
    for wid, reason in result.reasons.items():
        if wid in funded:
            assert reason["code"] in PLACED and reason["country"] == funded[wid]
            skipped = reason.get("skipped", [])
            assert all(s["code"] in SKIPS for s in skipped)
            assert (reason["code"] == "first_choice") == (not skipped)
            if skipped:
                assert reason["choice"] == len(skipped) + 1
        else:
            assert reason["code"] in UNFUNDED
            assert (reason["code"] == "short") == (wid in result.shortfall)
            if reason["code"] == "short":
                assert reason["short"] == result.shortfall[wid]
    ids = Ids(winners={w.id: f"w{w.id}" for w in instance[3]}, countries={c.id: LABELS[c.id][0] for c in countries},
              fixed={0: "car"}, names=NAMES)
    answer = encode(result, ids)
    assert json.loads(json.dumps(answer)) == answer
    assert list(answer["reasons"]) == list(answer["explanations"])
    for wid, reason in answer["reasons"].items():
        assert answer["explanations"][wid] == explain(reason, ids.labels())


def test_reasons_of_the_worked_example():
    out = solve(season())
    reasons = out["reasons"]
    assert reasons["p3"] == {"code": "first_choice", "country": "DE"}
    assert reasons["p4"] == {"code": "later_choice", "country": "IT", "choice": 2,
                             "skipped": [{"code": "full", "country": "DE", "ranks": [1, 3]}]}
    assert reasons["p1"] == {"code": "later_choice", "country": "DE", "choice": 2,
                             "skipped": [{"code": "would_strand", "country": "JP", "ranks": [5]}]}
    assert reasons["p6"] == {"code": "short", "short": 40_000_000, "extra": 90_000_000,
                             "funded": 5, "left": 50_000_000}
    assert reasons["p7"] == {"code": "no_preferences"}


def test_explain_renders_every_code_in_english():
    names = {"JP": "Japan", "DE": "Germany"}
    assert explain({"code": "first_choice", "country": "JP"}, names) == "Japan, your first choice"
    assert explain({"code": "first_choice", "country": "XX"}) == "XX, your first choice"
    assert explain({"code": "later_choice", "country": "DE", "choice": 12, "skipped": [
        {"code": "no_places", "country": "JP"},
        {"code": "over_budget", "country": "JP", "amount": 10_000_000}]}, names) == (
        "Japan has no places; Japan would have put the funded winners 10 000 000 UZS over budget: "
        "Germany, your choice no. 12")
    many = list(range(2, 40, 2))
    assert explain({"code": "would_strand", "country": "JP", "ranks": many}, names) == (
        "taking a Japan place would have left one of 19 funded winners ranked below you "
        "with no place they accept")
    assert explain({"code": "would_strand", "country": "JP", "ranks": [5, 6, 9]}, names) == (
        "taking a Japan place would have left one of ranks 5-6, 9 with no place they accept")
    assert explain({"code": "no_place", "countries": ["JP", "DE"]}, names) == (
        "not funded: no place left in the countries you accept (Japan, Germany) once the "
        "higher-ranked funded winners are placed")
    assert explain({"code": "short", "short": 5, "extra": 10, "funded": 1, "left": 5}) == (
        "not funded: 5 UZS short (placing you alongside the 1 higher-ranked funded winner "
        "costs 10 UZS more, and 5 UZS was left)")
    with pytest.raises(ValueError):
        explain({"code": "lottery"})


# --------------------------------------------------------------------------- examples

def season():
    return {
        "budget": 1_000_000_000,
        "fixed_costs": [{"id": "car-idea", "cost": 450_000_000}],
        "countries": [
            {"id": "JP", "name": "Japan", "cost": 120_000_000, "capacity": 1},
            {"id": "DE", "name": "Germany", "cost": 100_000_000, "capacity": 2},
            {"id": "IT", "name": "Italy", "cost": 90_000_000, "capacity": 3},
        ],
        "winners": [
            {"id": "p1", "rank": 1, "preferences": ["JP", "DE"]},
            {"id": "p2", "rank": 2, "preferences": ["JP", "DE", "IT"]},
            {"id": "p3", "rank": 3, "preferences": ["DE"]},
            {"id": "p4", "rank": 4, "preferences": ["DE", "IT"]},
            {"id": "p5", "rank": 5, "preferences": ["JP"]},
            {"id": "p6", "rank": 6, "preferences": ["IT"]},
            {"id": "p7", "rank": 7, "preferences": []},
        ],
    }


def test_worked_example():
    out = solve(season())
    assert [(a["winner"], a["country"]) for a in out["awards"]] == [
        ("p1", "DE"), ("p2", "IT"), ("p3", "DE"), ("p4", "IT"), ("p5", "JP")]
    assert out["unfunded"] == ["p6", "p7"]
    assert out["shortfall"] == {"p6": 40_000_000}
    assert out["spent"] == 950_000_000 and out["remaining"] == 50_000_000
    assert out["fixed"] == [{"id": "car-idea", "cost": 450_000_000}]
    ex = out["explanations"]
    assert ex["p3"] == "Germany, your first choice"
    assert ex["p4"] == "Germany was full after ranks 1, 3: Italy, your second choice"
    assert ex["p1"] == ("taking a Japan place would have left rank 5 with no place they "
                        "accept: Germany, your second choice")
    assert ex["p6"].startswith("not funded: 40 000 000 UZS short")
    assert ex["p7"] == "not funded: accepts no country"


def test_first_choice_and_full_after_ranks():
    data = {"budget": 10_000, "countries": [{"id": "DE", "name": "Germany", "cost": 10,
                                             "capacity": 3},
                                            {"id": "IT", "name": "Italy", "cost": 10,
                                             "capacity": 5}],
            "winners": [{"id": f"p{r}", "rank": r, "preferences": ["DE", "IT"]}
                        for r in range(1, 5)]}
    ex = solve(data)["explanations"]
    assert ex["p1"] == "Germany, your first choice"
    assert ex["p4"] == "Germany was full after ranks 1-3: Italy, your second choice"


def test_budget_reason_names_the_overrun():
    data = {"budget": 240, "countries": [{"id": "JP", "name": "Japan", "cost": 150,
                                          "capacity": 5},
                                         {"id": "TR", "name": "Turkey", "cost": 100,
                                          "capacity": 5}],
            "winners": [{"id": "a", "rank": 1, "preferences": ["JP", "TR"]},
                        {"id": "b", "rank": 2, "preferences": ["TR"]}]}
    out = solve(data)
    assert out["explanations"]["a"] == (
        "Japan would have put the funded winners 10 UZS over budget: Turkey, your second choice")
    assert out["remaining"] == 40


def test_no_free_place_explanation():
    data = {"budget": 10_000, "countries": [{"id": "JP", "name": "Japan", "cost": 1,
                                             "capacity": 1}],
            "winners": [{"id": "a", "rank": 1, "preferences": ["JP"]},
                        {"id": "b", "rank": 2, "preferences": ["JP"]}]}
    assert solve(data)["explanations"]["b"] == (
        "not funded: no place left in the countries you accept (Japan) once the "
        "higher-ranked funded winners are placed")


def test_money_format():
    assert uzs(41_000_000) == "41 000 000 UZS"
    assert uzs(0) == "0 UZS"
    assert uzs(15_000_000_000) == "15 000 000 000 UZS"


# --------------------------------------------------------------------------- bad input

def problems_of(data):
    with pytest.raises(InputError) as info:
        solve(data)
    return info.value.problems


def test_budget_smaller_than_fixed_prizes():
    data = season()
    data["budget"] = 1_000
    assert problems_of(data) == [
        "budget 1 000 UZS is smaller than the fixed prizes 450 000 000 UZS"]


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["winners"][0]["preferences"].append("XX"),
     "winner 'p1' prefers unknown country 'XX'"),
    (lambda d: d["countries"][0].update(cost=-5), "country 'JP': cost must not be negative"),
    (lambda d: d["countries"][0].update(capacity=-1),
     "country 'JP': capacity must not be negative"),
    (lambda d: d["countries"][0].update(capacity=1.0),
     "country 'JP': capacity must be a whole number"),
    (lambda d: d["countries"][1].update(cost=100_000_000.5),
     "country 'DE': cost must be a whole number of soums"),
    (lambda d: d.update(budget=1e9), "budget: the budget must be a whole number of soums"),
    (lambda d: d.update(budget=True), "budget: the budget must be a whole number of soums"),
    (lambda d: d["fixed_costs"][0].update(cost="450000000"),
     "fixed prize 'car-idea': cost must be a whole number of soums"),
    (lambda d: d["winners"][1].update(id="p1"), "winner 'p1' is listed twice"),
    (lambda d: d["winners"][1].update(rank=1), "winners 'p1' and 'p2' share rank 1"),
    (lambda d: d["countries"][1].update(id="JP"), "country 'JP' is listed twice"),
    (lambda d: d["winners"][0]["preferences"].append("JP"),
     "winner 'p1' lists country 'JP' twice"),
    (lambda d: d.pop("countries"), "'countries' is missing"),
    (lambda d: d["winners"][0].pop("id"), "winners[0]: 'id' must be a non-empty string"),
])
def test_bad_input_is_named(change, expected):
    data = season()
    change(data)
    found = problems_of(data)
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_is_reported_at_once():
    data = season()
    data["countries"][0]["cost"] = -1
    data["winners"][2]["preferences"] = ["ZZ"]
    assert len(problems_of(data)) == 2


def test_large_random_season_keeps_the_rules_cheap_to_check():
    """A 300-winner season: awards valid, spent within budget, everybody explained."""
    rnd = random.Random(7)
    ids = ["DE", "JP", "CN", "RU", "IT", "TR", "KR", "SG"]
    countries = [Country(n, rnd.randint(60, 200) * 1_000_000, rnd.randint(5, 30)) for n, _ in enumerate(ids)]
    winners = [Winner(n, n, tuple(rnd.sample(range(len(ids)), rnd.randint(1, 8))))
               for n in range(1, 301)]
    result = allocate(8_000_000_000, [FixedCost(0, 1_350_000_000)], countries, winners)
    assert result.spent <= 8_000_000_000
    assert len(explanations(result, dict(enumerate(ids)))) == 300
