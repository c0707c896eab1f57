"""The judge-assignment engine, checked against an independent MILP and by its own rules."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from contest.catalogue import Message, english
from contest.catalogue.assignment import sentence
from contest.engines import assignment
from contest.engines.assignment import AFFINITY_SCALE, InputError, solve
from contest.engines.assignment import solver as assignment_solver

FIELDS = ["energy", "water", "ict"]


# --------------------------------------------------------------------------- references


def reference(inst: dict):
    """Optimum by scipy's MILP (HiGHS), written from the contract and not from the engine.

    Returns None when no assignment exists, else the best total affinity.
    """
    k0 = inst.get("k", 3)
    judges = {j["id"]: j for j in inst["judges"]}
    entries = {e["id"]: e for e in inst["entries"]}
    conflicts = {tuple(p) for p in inst.get("conflicts", [])}
    for j in inst["judges"]:
        for e in inst["entries"]:
            if j.get("organization") and j.get("organization") == e.get("organization"):
                conflicts.add((j["id"], e["id"]))
    listed = None
    if "affinity" in inst:
        listed = {(j, e): w for j, e, w in inst["affinity"]}

    def weight(j, e):
        if listed is not None:
            return listed.get((j, e), 0.0)
        fields = judges[j].get("fields", {})
        if isinstance(fields, list):
            fields = {f: 1 for f in fields}
        return float(fields.get(entries[e].get("field"), 0.0))

    locked = [tuple(p) for p in inst.get("locked", [])]
    kept = [(j, e) for j, e in locked
            if judges[j].get("active", True) and (j, e) not in conflicts]
    pairs = [(j, e) for j in judges for e in entries
             if judges[j].get("active", True) and (j, e) not in conflicts
             and (j, e) not in kept and (listed is None or (j, e) in listed)]
    base = sum(weight(j, e) for j, e in kept)
    need = {e: max(entries[e].get("k", k0) - sum(1 for _, x in kept if x == e), 0) for e in entries}
    pairs = [(j, e) for j, e in pairs if need[e] > 0]
    if not pairs:  # nothing left to choose: feasible only if nothing is still needed
        short = any(need.values()) or not _loads_ok(inst, kept)
        return None if short else base
    n = len(pairs)
    rows, lo, hi = [], [], []
    for e in entries:
        rows.append([1.0 if p[1] == e else 0.0 for p in pairs])
        lo.append(need[e])
        hi.append(need[e])
    for j, spec in judges.items():
        if not spec.get("active", True):
            continue
        have = sum(1 for x, _ in kept if x == j)
        mx = spec.get("max_load", inst.get("max_load", len(entries)))
        mn = spec.get("min_load", inst.get("min_load", 0))
        rows.append([1.0 if p[0] == j else 0.0 for p in pairs])
        lo.append(max(mn - have, 0))
        hi.append(max(mx - have, 0))
    c = -np.array([weight(j, e) for j, e in pairs])
    result = milp(c, constraints=LinearConstraint(np.array(rows), lo, hi),
                  integrality=np.ones(n), bounds=Bounds(0, 1))
    if result.status != 0:
        return None
    return base - result.fun


def _loads_ok(inst, kept):
    """Do the locked pairs alone give every active judge their min load?"""
    for spec in inst["judges"]:
        have = sum(1 for x, _ in kept if x == spec["id"])
        if spec.get("active", True) and have < spec.get("min_load", inst.get("min_load", 0)):
            return False
    return True


def check_rules(inst: dict, out: dict):
    """Every rule of the contract, checked on an answer."""
    k0 = inst.get("k", 3)
    judges = {j["id"]: j for j in inst["judges"]}
    conflicts = {tuple(p) for p in inst.get("conflicts", [])}
    pairs = [tuple(p) for p in out["pairs"]]
    assert len(set(pairs)) == len(pairs)
    assert not conflicts & set(pairs), "a conflicted pair was assigned"
    locked = [tuple(p) for p in inst.get("locked", [])]
    kept = {(j, e) for j, e in locked if judges[j].get("active", True) and (j, e) not in conflicts}
    assert kept <= set(pairs), "a locked pair was dropped"
    for j, e in set(pairs) - kept:
        assert judges[j].get("active", True), "an inactive judge got a new entry"
        if "affinity" in inst:
            assert (j, e) in {(a, b) for a, b, _ in inst["affinity"]}
    for entry in inst["entries"]:
        got = sum(1 for _, e in pairs if e == entry["id"])
        have = sum(1 for _, e in kept if e == entry["id"])
        assert got == max(entry.get("k", k0), have)
    for j, spec in judges.items():
        load = sum(1 for x, _ in pairs if x == j)
        have = sum(1 for x, _ in kept if x == j)
        if spec.get("active", True):
            mx = spec.get("max_load", inst.get("max_load", 10**9))
            mn = spec.get("min_load", inst.get("min_load", 0))
            assert load <= max(mx, have)
            assert load >= mn
    assert out["bound"] >= out["objective"] - 1e-9
    assert out["gap"] == pytest.approx(out["bound"] - out["objective"], abs=1e-9)


# --------------------------------------------------------------------------- instances


@st.composite
def instances(draw, explicit=None):
    n_j = draw(st.integers(1, 5))
    n_e = draw(st.integers(1, 6))
    judges = []
    for i in range(n_j):
        fields = draw(st.dictionaries(st.sampled_from(FIELDS), st.integers(1, 3), max_size=2))
        judge = {"id": f"j{i}", "fields": fields}
        if draw(st.booleans()):
            judge["max_load"] = draw(st.integers(0, 5))
        if draw(st.integers(0, 4)) == 0:
            judge["min_load"] = draw(st.integers(0, judge.get("max_load", 3)))
        if draw(st.integers(0, 6)) == 0:
            judge["active"] = False
        judges.append(judge)
    entries = []
    for i in range(n_e):
        entry = {"id": f"e{i}", "field": draw(st.sampled_from(FIELDS))}
        if draw(st.booleans()):
            entry["k"] = draw(st.integers(0, 3))
        entries.append(entry)
    all_pairs = [(j["id"], e["id"]) for j in judges for e in entries]
    inst = {"k": draw(st.integers(0, 3)), "max_load": draw(st.integers(1, 6)),
            "entries": entries, "judges": judges,
            "conflicts": [list(p) for p in draw(st.sets(st.sampled_from(all_pairs), max_size=4))]}
    inst["min_load"] = draw(st.integers(0, 1))
    for judge in judges:  # a judge-level max below the global min would be an input error
        if judge.get("max_load", inst["max_load"]) < judge.get("min_load", inst["min_load"]):
            judge["min_load"] = 0
    if explicit if explicit is not None else draw(st.booleans()):
        listed = draw(st.lists(st.integers(0, 4), min_size=len(all_pairs),
                               max_size=len(all_pairs)))
        chosen = [pair for pair, roll in zip(all_pairs, listed) if roll]  # 80 % of the pairs
        weights = st.one_of(st.integers(0, 100).map(lambda v: v / 100),
                            st.floats(-1, 1, allow_nan=False))
        inst["affinity"] = [[j, e, draw(weights)] for j, e in sorted(chosen)]
    locked = draw(st.sets(st.sampled_from(all_pairs), max_size=3))
    inst["locked"] = [list(p) for p in sorted(locked)]
    return inst


def run(inst):
    """Solve through a JSON round trip, as the command line and the web layer do."""
    return solve(json.loads(json.dumps(inst)))


# --------------------------------------------------------------------------- properties

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances())
def test_rules_hold_and_optimum_matches_milp(inst):
    out = run(inst)
    event(f"status {out['status']}, method {out['stats'].get('method', '-')}")
    best = reference(inst)
    if out["status"] == "infeasible":
        assert best is None, f"engine says infeasible, MILP found {best}"
        assert out["problems"]
        return
    assert best is not None, "engine found an assignment the MILP says cannot exist"
    check_rules(inst, out)
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(best, abs=1e-6)
    # Off the solver's grid the bound adds the rounding slack, half a grid step per assigned pair (docs).
    assert out["gap"] <= 0.5 / AFFINITY_SCALE * len(out["pairs"]) + 1e-9


@SETTINGS
@given(instances(explicit=False))
def test_column_generation_agrees_with_field_aggregation(inst):
    out = run(inst)
    assume(out["status"] != "infeasible")
    with forced_column_generation():
        other = run(inst)
    assert other["stats"]["method"] == "column generation"
    check_rules(inst, other)
    assert other["objective"] == pytest.approx(out["objective"], abs=1e-9)
    assert other["gap"] == pytest.approx(0, abs=1e-9)


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_input_order(inst, rnd):
    out = run(inst)
    shuffled = json.loads(json.dumps(inst))
    for key in ("entries", "judges", "conflicts", "affinity", "locked"):
        if key in shuffled:
            rnd.shuffle(shuffled[key])
    assert run(shuffled) == out
    assert run(inst) == out


@contextmanager
def forced_column_generation():
    """Force the general (column generation) path by making the field aggregation give up."""
    original = assignment_solver.solve_by_fields
    assignment_solver.solve_by_fields = lambda *args: None
    try:
        yield
    finally:
        assignment_solver.solve_by_fields = original


# --------------------------------------------------------------------------- examples


def field_instance(**extra):
    inst = {
        "k": 2, "max_load": 3,
        "entries": [{"id": "e1", "field": "energy"}, {"id": "e2", "field": "water"},
                    {"id": "e3", "field": "energy", "k": 1}],
        "judges": [{"id": "j1", "fields": {"energy": 3}},
                   {"id": "j2", "fields": ["water"]},
                   {"id": "j3", "fields": [{"field": "energy", "level": 2}], "max_load": 2}],
        "conflicts": [["j1", "e3"]],
    }
    inst.update(extra)
    return inst


def test_contract_example_shape():
    out = solve(field_instance())
    assert out["status"] == "optimal"
    assert set(out) >= {"status", "pairs", "objective", "bound", "gap", "problems", "components"}
    stats = out["stats"]
    for key in ("load_histogram", "mean_affinity", "weakest_affinity", "entries_without_expert",
                "conflicts_avoided"):
        assert key in stats
    assert stats["conflicts_avoided"] == 1
    assert ["j1", "e3"] not in out["pairs"]


def test_entry_without_any_expert_is_still_covered_and_reported():
    inst = field_instance()
    inst["entries"].append({"id": "e4", "field": "biology", "k": 1})
    out = solve(inst)
    assert out["status"] == "optimal"
    assert sum(1 for _, e in out["pairs"] if e == "e4") == 1
    assert "e4" in out["stats"]["entries_without_expert"]


def test_locked_pairs_stay_when_new_entries_arrive_and_a_judge_leaves():
    first = solve(field_instance())
    inst = field_instance(locked=first["pairs"])
    inst["entries"].append({"id": "e5", "field": "water", "k": 1})
    gone = first["pairs"][0][0]
    for judge in inst["judges"]:
        if judge["id"] == gone:
            judge["active"] = False
    inst["judges"].append({"id": "j4", "fields": {"energy": 1, "water": 1}})
    out = solve(inst)
    assert out["status"] == "optimal"
    kept = [p for p in first["pairs"] if p[0] != gone]
    assert all(p in out["pairs"] for p in kept)
    assert not any(p[0] == gone for p in out["pairs"])
    assert any(gone in w and "released" in w for w in out["warnings"])
    check_rules(inst, out)


def test_locked_pair_that_became_a_conflict_is_released_with_a_warning():
    inst = field_instance(locked=[["j3", "e1"]])
    inst["conflicts"].append(["j3", "e1"])
    out = solve(inst)
    assert ["j3", "e1"] not in out["pairs"]
    assert any("now a conflict" in w for w in out["warnings"])


def test_organization_conflicts_are_never_assigned():
    inst = field_instance()
    inst["judges"][0]["organization"] = "TDTU"
    inst["entries"][0]["organization"] = ["INHA", "TDTU"]
    inst["judges"].append({"id": "j4", "fields": {"energy": 1}})
    out = solve(inst)
    assert ["j1", "e1"] not in out["pairs"]
    assert out["status"] == "optimal"


# --------------------------------------------------------------------------- infeasible


def test_entry_with_too_few_unconflicted_judges_is_named():
    inst = field_instance(k=3, max_load=5)
    inst["entries"] = [{"id": "e1", "field": "energy"}]
    inst["conflicts"] = [["j1", "e1"]]
    out = solve(inst)
    assert out["status"] == "infeasible"
    (problem,) = out["problems"]
    assert "e1" in problem and "2 eligible judges" in problem and "1 conflicted" in problem


def test_judge_short_of_min_load_is_named():
    inst = field_instance()
    inst["judges"][2]["min_load"] = 2
    inst["conflicts"] = [["j3", "e1"], ["j3", "e2"]]
    out = solve(inst)
    assert out["status"] == "infeasible"
    assert any("judge j3" in p and "min_load" in p for p in out["problems"])


def test_total_capacity_below_demand_is_named():
    out = solve(field_instance(max_load=1))
    assert out["status"] == "infeasible"
    assert any("at most 4 more assignments" in p and "need 5" in p for p in out["problems"])


def test_hall_violation_names_the_entries():
    # e1 and e2 may only be judged by j1 and j2 (affinity lists), who have room for 3 slots
    inst = {"k": 2, "entries": [{"id": "e1"}, {"id": "e2"}, {"id": "e3", "k": 1}],
            "judges": [{"id": "j1", "max_load": 2}, {"id": "j2", "max_load": 1},
                       {"id": "j3", "max_load": 5}],
            "affinity": [["j1", "e1", 1], ["j2", "e1", 1], ["j1", "e2", 1], ["j2", "e2", 1],
                         ["j3", "e3", 1]]}
    out = solve(inst)
    assert out["status"] == "infeasible"
    assert any("e1" in p and "e2" in p and "cannot all get their judges" in p
               for p in out["problems"])


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("change, needle", [
    (lambda d: d["conflicts"].append(["j9", "e1"]), "unknown judge 'j9'"),
    (lambda d: d.update(affinity=[["j1", "e9", 0.5]]), "unknown entry 'e9'"),
    (lambda d: d.update(locked=[["j1", "nope"]]), "locked pair"),
    (lambda d: d.update(max_load=-1), "'max_load' must not be negative"),
    (lambda d: d.update(min_load=4), "'min_load' (4) is larger than 'max_load' (3)"),
    (lambda d: d["judges"][0].update(min_load=3, max_load=1), "judge j1: min_load (3)"),
    (lambda d: d["judges"].append({"id": "j1"}), "duplicate judge id 'j1'"),
    (lambda d: d["entries"][0].update(k="3"), "entry e1: 'k' must be a whole number"),
    (lambda d: d.update(affinity=[["j1", "e1", "high"]]), "value must be a number"),
    (lambda d: d["judges"][0].update(fields={"energy": -1}), "level of field 'energy'"),
    (lambda d: d.pop("entries"), "'entries' is missing"),
])
def test_bad_input_names_the_problem(change, needle):
    inst = field_instance()
    change(inst)
    with pytest.raises(InputError) as caught:
        solve(inst)
    assert any(needle in p for p in caught.value.problems), caught.value.problems


def test_k_above_listed_judges_is_infeasible_and_names_the_entry():
    inst = field_instance(affinity=[["j1", "e1", 1], ["j2", "e2", 1], ["j3", "e2", 1],
                                    ["j3", "e3", 1]])
    out = solve(inst)
    assert out["status"] == "infeasible" and out["pairs"] == []
    assert out["problems"] == [
        "entry e1 needs k=2 judges but only 1 active judges listed for it in 'affinity' exist"]


# --------------------------------------------------------------------------- connectivity


def test_prefers_a_connected_assignment_among_equal_ones():
    # 4 judges, 4 entries, k=2, load 2, all affinities equal: two 2x2 blocks are optimal too
    judges = [{"id": f"j{i}", "max_load": 2} for i in range(4)]
    entries = [{"id": f"e{i}"} for i in range(4)]
    aff = [[j["id"], e["id"], 1.0] for j in judges for e in entries]
    for order in range(5):
        random.Random(order).shuffle(aff)
        out = solve({"k": 2, "entries": entries, "judges": judges, "affinity": aff})
        assert out["objective"] == 8.0 and out["gap"] == 0
        assert out["components"] == 1


def test_components_reported_and_tolerance_trades_affinity_for_links():
    inst = {"k": 2, "max_load": 2,
            "entries": [{"id": "a1", "field": "a"}, {"id": "a2", "field": "a"},
                        {"id": "b1", "field": "b"}, {"id": "b2", "field": "b"}],
            "judges": [{"id": "ja1", "fields": {"a": 2}}, {"id": "ja2", "fields": {"a": 2}},
                       {"id": "jb1", "fields": {"b": 2}}, {"id": "jb2", "fields": {"b": 2}}]}
    out = solve(inst)
    assert (out["status"], out["objective"], out["components"]) == ("optimal", 16.0, 2)
    assert any("2 separate components" in w for w in out["warnings"])
    linked = solve(dict(inst, connect_tolerance=4))
    assert linked["components"] == 1
    assert linked["status"] == "feasible"
    assert linked["objective"] == 12.0 and linked["bound"] == 16.0 and linked["gap"] == 4.0
    check_rules(inst, linked)
    assert solve(dict(inst, connect_tolerance=3.9))["components"] == 2


# --------------------------------------------------------------------------- command line


def cli(tmp_path, payload: str):
    path = tmp_path / "in.json"
    path.write_text(payload, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "contest.engines.assignment", str(path)],
                          check=False, capture_output=True, text=True, timeout=60)


def test_cli_prints_the_answer(tmp_path):
    done = cli(tmp_path, json.dumps(field_instance()))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == "optimal" and answer["pairs"]


def test_cli_more_judges_per_entry_than_active_judges_is_infeasible_not_malformed(tmp_path):
    inst = field_instance(k=3, max_load=10)
    inst["judges"][1]["active"] = False  # two active judges left for k=3
    done = cli(tmp_path, json.dumps(inst))
    assert done.returncode == 0, done.stdout + done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == "infeasible" and answer["pairs"] == [] and "error" not in answer
    assert {c["code"] for c in answer["problem_codes"]} == {"k_above_judges"}
    assert "entry e1 needs k=3 judges but only 2 active judges exist" in answer["problems"]


@pytest.mark.parametrize("payload", [
    json.dumps(field_instance(max_load=-2)),
    "{not json",
    "[1, 2]",
    json.dumps({"entries": [{"id": "e1"}], "judges": "j1"}),
    json.dumps({"judges": [{"id": "j1"}]}),
])
def test_cli_bad_input_is_json_and_exit_2(tmp_path, payload):
    done = cli(tmp_path, payload)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    answer = json.loads(done.stdout)
    assert answer["error"] and answer["problems"]


# --------------------------------------------------------------------------- a medium season


def test_medium_season_both_methods_prove_the_same_optimum():
    """A tenth of the benchmark season: the field aggregation (with conflict repair) and the
    column generation fallback must both prove optimality and agree."""
    from bench.assign import season

    inst = season(n_entries=2000, n_judges=100, n_orgs=30, seed=7)
    out = solve(json.loads(json.dumps(inst)))
    assert (out["status"], out["stats"]["method"], out["gap"]) == ("optimal", "fields", 0)
    with forced_column_generation():
        other = solve(json.loads(json.dumps(inst)))
    assert (other["status"], other["gap"]) == ("optimal", 0)
    assert other["objective"] == out["objective"]
    pairs = {tuple(p) for p in out["pairs"]}
    assert len(pairs) == 3 * 2000
    assert not pairs & {tuple(p) for p in inst["conflicts"]}
    org = {j["id"]: j["organization"] for j in inst["judges"]}
    authors = {e["id"]: set(e["organization"]) for e in inst["entries"]}
    assert not any(org[j] in authors[e] for j, e in pairs)
    assert out["components"] == 1


# --------------------------------------------------------------------------- message codes


def _connect_instance(**extra):
    inst = {"k": 2, "max_load": 2,
            "entries": [{"id": "a1", "field": "a"}, {"id": "a2", "field": "a"},
                        {"id": "b1", "field": "b"}, {"id": "b2", "field": "b"}],
            "judges": [{"id": "ja1", "fields": {"a": 2}}, {"id": "ja2", "fields": {"a": 2}},
                       {"id": "jb1", "fields": {"b": 2}}, {"id": "jb2", "fields": {"b": 2}}]}
    inst.update(extra)
    return inst


def _released_inactive():
    inst = field_instance(locked=[["j1", "e1"]])
    inst["judges"][0]["active"] = False
    inst["judges"].append({"id": "j4", "fields": {"energy": 1}})
    return inst


def _released_conflict():
    inst = field_instance(locked=[["j3", "e1"]])
    inst["conflicts"].append(["j3", "e1"])
    return inst


def _entry_short():
    inst = field_instance(k=3, max_load=5)
    inst["entries"] = [{"id": "e1", "field": "energy"}]
    inst["conflicts"] = [["j1", "e1"]]
    return inst


def _judge_below_min_load():
    inst = field_instance()
    inst["judges"][2]["min_load"] = 2
    inst["conflicts"] = [["j3", "e1"], ["j3", "e2"]]
    return inst


#: One instance (at least) for every code the engine can put in problems or warnings.
MESSAGE_INSTANCES = {
    "unknown_key": lambda: field_instance(colour="blue"),
    "k_above_judges": lambda: field_instance(k=4),
    "locked_released_inactive": _released_inactive,
    "locked_released_conflict": _released_conflict,
    "locked_not_listed": lambda: {"k": 1, "entries": [{"id": "e1"}, {"id": "e2"}],
                                  "judges": [{"id": "j1", "max_load": 1}, {"id": "j2"}],
                                  "locked": [["j1", "e1"], ["j1", "e2"], ["j2", "e1"]],
                                  "affinity": [["j1", "e1", 1], ["j2", "e2", 1]]},
    "linking_swaps": lambda: _connect_instance(connect_tolerance=4),
    "components": _connect_instance,
    "capacity": lambda: field_instance(max_load=1),
    "min_loads_exceed_need": lambda: {"k": 1, "min_load": 2, "entries": [{"id": "e1"}, {"id": "e2"}],
                                      "judges": [{"id": "j1"}, {"id": "j2"}]},
    "entry_short": _entry_short,
    "judge_below_min_load": _judge_below_min_load,
    "entries_unserved": lambda: {"k": 2, "entries": [{"id": "e1"}, {"id": "e2"}, {"id": "e3", "k": 1}],
                                 "judges": [{"id": "j1", "max_load": 2}, {"id": "j2", "max_load": 1},
                                            {"id": "j3", "max_load": 5}],
                                 "affinity": [["j1", "e1", 1], ["j2", "e1", 1], ["j1", "e2", 1], ["j2", "e2", 1],
                                              ["j3", "e3", 1]]},
    "judges_unfilled": lambda: {"k": 1, "entries": [{"id": "e1"}, {"id": "e2"}],
                                "judges": [{"id": "j1", "min_load": 1}, {"id": "j2", "min_load": 1}, {"id": "j3"}],
                                "affinity": [["j1", "e1", 1], ["j2", "e1", 1], ["j3", "e2", 1]]},
}


def check_messages(out: dict):
    """Every problem and warning has a code, and the catalogue words each code as exactly the English text."""
    for text_key, code_key in (("problems", "problem_codes"), ("warnings", "warning_codes")):
        codes = out[code_key]
        assert json.loads(json.dumps(codes)) == codes, "codes must be plain JSON"
        assert all(isinstance(c, dict) and isinstance(c.get("code"), str) for c in codes)
        assert [english(sentence(Message.from_json(c))) for c in codes] == out[text_key]


@pytest.mark.parametrize("code", sorted(MESSAGE_INSTANCES))
def test_every_message_has_a_code_that_renders_its_english(code):
    out = solve(MESSAGE_INSTANCES[code]())
    check_messages(out)
    assert code in {c["code"] for c in out["problem_codes"] + out["warning_codes"]}


def test_k_above_judges_is_infeasible_with_its_code_once():
    for affinity in (None, [["j1", "e1", 1], ["j2", "e2", 1], ["j3", "e2", 1], ["j3", "e3", 1]]):
        inst = field_instance(affinity=affinity) if affinity else field_instance()
        if not affinity:
            inst["entries"][0]["k"] = 4
        out = solve(inst)
        assert out["status"] == "infeasible"
        check_messages(out)
        assert [c["code"] for c in out["problem_codes"]] == ["k_above_judges"]  # not entry_short again
        assert out["problem_codes"][0]["entry"] == "e1"


def test_unknown_code_is_refused():
    with pytest.raises(KeyError):
        sentence(Message("no_such_code"))


#: The command line's English, word for word as it was before the catalogue worded it (docs/assignment.md).
ENGLISH = {
    "entry_short": {"code": "entry_short", "entry": "e1", "more": 1, "locked": 2,
                    "eligible": [f"j{i}" for i in range(8)], "eligible_count": 11, "conflicted": 0, "full": 0,
                    "inactive": 3},
    "entry_short_none": {"code": "entry_short", "entry": "e1", "more": 1, "locked": 0, "eligible": [],
                         "eligible_count": 0, "conflicted": 1, "full": 2, "inactive": 0},
    "entries_unserved": {"code": "entries_unserved", "entries": [f"e{i}" for i in range(8)], "entries_count": 9,
                         "short": 2, "judges": [], "judges_count": 0},
    "judges_unfilled": {"code": "judges_unfilled", "judges": ["j1", "j2"], "judges_count": 2, "short": 1},
    "unknown_key": {"code": "unknown_key", "key": "it's"},
    "k_above_judges": {"code": "k_above_judges", "entry": "e1", "k": 2, "possible": 1, "listed": True},
}


@pytest.mark.parametrize("name, text", [
    ("entry_short", "entry e1 needs 1 more judges besides its 2 locked but only 11 eligible judges remain "
                    "(j0, j1, j2, j3, j4, j5, j6, j7 and 3 more); 3 inactive"),
    ("entry_short_none", "entry e1 needs 1 more judges but only 0 eligible judges remain; 1 conflicted, 2 at max_load"),
    ("entries_unserved", "entries e0, e1, e2, e3, e4, e5, e6, e7 and 1 more cannot all get their judges: 2 judge "
                         "slots stay empty, because the judges who could still take them (none) are at max_load, and "
                         "every other judge allowed for them already judges them"),
    ("judges_unfilled", "judges j1, j2 cannot all reach min_load (1 assignments short): every entry still open to "
                        "them already has its k judges"),
    ("unknown_key", 'unknown key "it\'s" ignored'),
    ("k_above_judges", "entry e1 needs k=2 judges but only 1 active judges listed for it in 'affinity' exist"),
])
def test_the_catalogue_words_a_code_as_the_command_line_always_did(name, text):
    assert english(sentence(Message.from_json(ENGLISH[name]))) == text


@SETTINGS
@given(instances())
def test_messages_match_their_codes_on_random_instances(inst):
    out = run(inst)
    event(f"{len(out['problems'])} problems, {len(out['warnings'])} warnings")
    check_messages(out)


# --------------------------------------------------------------------------- the finalist round's common panel

FINALISTS = ["e1", "e2", "e3"]


def test_common_panel_takes_the_preferred_judges_when_nothing_stands_in_the_way():
    found = assignment.common_panel(["j3", "j1", "j2", "j4"], 2, FINALISTS, [])
    assert found == {"panel": ["j3", "j1"], "passed_over": [], "left_out": [], "short": 0}


def test_common_panel_passes_over_a_judge_who_left_or_is_conflicted_with_a_finalist():
    found = assignment.common_panel(["j1", "j2", "j3", "j4", "j5"], 2, FINALISTS,
                                    [("j2", "e3"), ("j2", "e1"), ("j4", "e9")], serving={"j2", "j3", "j4", "j5"})
    assert found["panel"] == ["j3", "j4"]            # j4's conflict is with a non-finalist
    assert found["passed_over"] == [{"judge": "j1", "reason": "not_serving", "entries": []},
                                    {"judge": "j2", "reason": "conflicted", "entries": ["e1", "e3"]}]
    assert found["left_out"] == [] and found["short"] == 0


def test_common_panel_seats_the_least_conflicted_when_too_few_are_free():
    found = assignment.common_panel(["j1", "j2", "j3", "j4"], 3, FINALISTS,
                                    [("j1", "e1"), ("j1", "e2"), ("j2", "e3"), ("j4", "e1")])
    assert found["panel"] == ["j2", "j3", "j4"]      # j2 and j4 have one conflict each, j1 two
    assert found["left_out"] == [["j2", "e3"], ["j4", "e1"]]
    assert found["passed_over"] == [{"judge": "j1", "reason": "conflicted", "entries": ["e1", "e2"]}]
    short = assignment.common_panel(["j1", "j2"], 4, FINALISTS, [], serving={"j2"})
    assert short["panel"] == ["j2"] and short["short"] == 3
    assert short["passed_over"] == [{"judge": "j1", "reason": "not_serving", "entries": []}]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_common_panel_properties(data):
    judges = [f"j{i}" for i in range(data.draw(st.integers(0, 8)))]
    candidates = data.draw(st.permutations(judges))
    serving = set(data.draw(st.lists(st.sampled_from(judges), unique=True))) if judges else set()
    entries = ["e1", "e2", "e3", "e4"]
    conflicts = data.draw(st.lists(st.tuples(st.sampled_from(judges), st.sampled_from(entries)))) if judges else []
    size = data.draw(st.integers(0, 9))
    found = assignment.common_panel(candidates, size, FINALISTS, conflicts, serving)
    panel = found["panel"]
    conflicted = {j for j, e in conflicts if e in FINALISTS}
    assert set(panel) <= serving and len(panel) == min(size, len(serving)) == size - found["short"]
    assert panel == [j for j in candidates if j in set(panel)]               # preference order kept
    free_left = [j for j in candidates if j in serving and j not in conflicted and j not in panel]
    assert not (free_left and conflicted & set(panel))                       # conflicted only when no one free is left
    wanted = sorted({(j, e) for j, e in conflicts if j in panel and e in FINALISTS},
                    key=lambda pair: (panel.index(pair[0]), pair[1]))
    assert found["left_out"] == [list(pair) for pair in wanted]             # exactly the panel's conflicts
    assert found == assignment.common_panel(candidates, size, FINALISTS, list(reversed(conflicts)), serving)
