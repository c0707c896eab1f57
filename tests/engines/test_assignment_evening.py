"""Load evening: among assignments of (nearly) maximal affinity, the most even loads.

Checked against the engine without evening (never less even, never more affinity lost than
the setting allows) and against brute force on small instances (no assignment of optimal
affinity is more even than the lexicographic answer).
"""
from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from contest.engines.assignment import solve
from tests.engines.test_assignment import check_rules, instances

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(inst, evening):
    inst = json.loads(json.dumps(inst))
    if evening is not None:
        inst["load_evening"] = evening
    return solve(inst)


def squares(inst, out) -> int:
    active = [j["id"] for j in inst["judges"] if j.get("active", True)]
    return sum(sum(1 for j, _ in out["pairs"] if j == judge) ** 2 for judge in active)


@SETTINGS
@given(instances(), st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0]))
def test_no_affinity_lost_beyond_the_setting_and_never_less_even(inst, evening):
    plain = run(inst, None)
    out = run(inst, evening)
    assert out["status"] == plain["status"] or "infeasible" not in (out["status"], plain["status"])
    if plain["status"] == "infeasible":
        assert out["status"] == "infeasible"
        return
    check_rules(inst, out)
    event(f"evening {evening}: {'evened' if squares(inst, out) < squares(inst, plain) else 'unchanged'}")
    assert out["bound"] == pytest.approx(plain["bound"], abs=1e-9)
    allowed = evening * abs(plain["objective"])
    assert out["objective"] >= plain["objective"] - allowed - 1e-6
    if evening == 0:
        assert out["status"] == "optimal" and out["objective"] == pytest.approx(plain["objective"], abs=1e-9)
    assert squares(inst, out) <= squares(inst, plain)
    spread = out["stats"]["evening"]
    assert spread["after"] == out["stats"]["load_spread"]
    assert spread["before"] == plain["stats"]["load_spread"]
    if spread["before"]["std"] is not None:  # None: no active judge
        assert spread["after"]["std"] <= spread["before"]["std"] + 1e-9
    assert spread["affinity_lost"] == pytest.approx(plain["objective"] - out["objective"], abs=1e-6)


@SETTINGS
@given(instances())
def test_evening_off_keeps_the_old_answer(inst):
    plain = run(inst, None)
    assert run(inst, None) == plain
    assert "evening" not in plain["stats"]


def small_instances():
    """Instances small enough to list every assignment (field mode or listed pairs)."""
    return instances().filter(lambda i: len(i["judges"]) * len(i["entries"]) <= 12)


def every_assignment(inst):
    """Every valid assignment's (affinity, sum of squared loads), by brute force from the contract."""
    k0 = inst.get("k", 3)
    judges = {j["id"]: j for j in inst["judges"]}
    conflicts = {tuple(p) for p in inst.get("conflicts", [])}
    listed = {(j, e): w for j, e, w in inst["affinity"]} if "affinity" in inst else None
    kept = [tuple(p) for p in inst.get("locked", []) if judges[p[0]].get("active", True)
            and tuple(p) not in conflicts]

    def weight(j, e):
        if listed is not None:
            return listed.get((j, e), 0.0)
        field = next(x["field"] for x in inst["entries"] if x["id"] == e)
        return float(judges[j].get("fields", {}).get(field, 0))

    options = []
    for entry in inst["entries"]:
        e = entry["id"]
        have = [j for j, x in kept if x == e]
        need = max(entry.get("k", k0) - len(have), 0)
        free = [j for j in judges if judges[j].get("active", True) and (j, e) not in conflicts
                and j not in have and (listed is None or (j, e) in listed)]
        options.append([[(j, e) for j in combo] for combo in itertools.combinations(free, need)])
    for choice in itertools.product(*options):
        pairs = kept + [p for part in choice for p in part]
        ok, sq = True, 0
        for j, spec in judges.items():
            if not spec.get("active", True):
                continue
            load = sum(1 for x, _ in pairs if x == j)
            new = load - sum(1 for x, _ in kept if x == j)
            if new > max(spec.get("max_load", inst.get("max_load", 10**9)) - (load - new), 0) or \
                    load < spec.get("min_load", inst.get("min_load", 0)):
                ok = False
                break
            sq += load * load
        if ok:
            yield round(sum(weight(j, e) for j, e in pairs), 9), sq


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(small_instances())
def test_lexicographic_evening_is_the_most_even_optimum_by_brute_force(inst):
    out = run(inst, 0.0)
    found = list(every_assignment(inst))
    assume(found)
    if "affinity" in inst:
        assume(all(round(w * 1e6) == w * 1e6 for _, _, w in inst["affinity"]))  # exact on the solver's grid
    best = max(a for a, _ in found)
    assert out["objective"] == pytest.approx(best, abs=1e-6)
    evenest = min(sq for a, sq in found if a >= best - 1e-6)
    event(f"evened {squares(inst, out) == evenest}")
    if "affinity" in inst or out["stats"]["method"] != "fields":
        assert squares(inst, out) == evenest  # evenness is second only to affinity
    else:  # field mode ranks linking the fields above evenness: never less even than the plain answer
        assert evenest <= squares(inst, out) <= squares(inst, run(inst, None))


def test_ties_go_to_the_most_even_loads():
    inst = {"k": 1, "entries": [{"id": f"e{i}", "field": "energy"} for i in range(6)],
            "judges": [{"id": "j1", "fields": {"energy": 2}}, {"id": "j2", "fields": {"energy": 2}},
                       {"id": "j3", "fields": {"energy": 2}}]}
    out = run(inst, 0.0)
    assert out["status"] == "optimal" and out["objective"] == 12
    assert out["stats"]["load_histogram"] == [[2, 3]]
    assert out["stats"]["evening"]["after"]["std"] == 0


def test_a_share_of_affinity_buys_evenness_and_no_more():
    # j1 is the better judge of every entry; evening can only move entries to j2 at a loss of 1 each
    inst = {"k": 1, "entries": [{"id": f"e{i}"} for i in range(4)],
            "judges": [{"id": "j1"}, {"id": "j2"}],
            "affinity": [["j1", f"e{i}", 3] for i in range(4)] + [["j2", f"e{i}", 2] for i in range(4)]}
    assert run(inst, None)["stats"]["load_histogram"] == [[0, 1], [4, 1]]
    assert run(inst, 0.0)["objective"] == 12 and run(inst, 0.0)["stats"]["load_histogram"] == [[0, 1], [4, 1]]
    one = run(inst, 1 / 12)  # one point of 12 may go: one entry moves
    assert one["status"] == "feasible" and one["objective"] == 11 and one["gap"] == 1
    assert one["stats"]["load_histogram"] == [[1, 1], [3, 1]]
    assert one["stats"]["evening"]["affinity_lost"] == 1 and one["stats"]["evening"]["allowed_loss"] == 1
    two = run(inst, 0.25)
    assert two["objective"] == 10 and two["stats"]["load_histogram"] == [[2, 2]]


@pytest.mark.parametrize("value", [-0.1, 1.5, "half", True, float("nan")])
def test_bad_setting_is_an_input_error(value):
    from contest.engines.cli import InputError
    with pytest.raises(InputError) as error:
        solve({"entries": [], "judges": [], "load_evening": value})
    assert any("load_evening" in p for p in error.value.problems)


def test_dense_matrix_evening_is_proven_and_within_the_share():
    import numpy as np
    rng = np.random.default_rng(7)
    n_e, n_j = 60, 8
    values = rng.random((n_e, n_j)).round(3)
    inst = {"k": 2, "max_load": 40, "entries": [{"id": f"e{i:02d}"} for i in range(n_e)],
            "judges": [{"id": f"j{i}"} for i in range(n_j)],
            "affinity_matrix": {"entries": [f"e{i:02d}" for i in range(n_e)], "judges": [f"j{i}" for i in range(n_j)],
                                "values": values.tolist()}}
    plain = run(inst, None)
    listed = dict(inst, affinity=[[f"j{j}", f"e{e:02d}", float(values[e, j])] for e in range(n_e) for j in range(n_j)])
    del listed["affinity_matrix"]
    for share in (0.0, 0.02):
        out, same = run(inst, share), run(listed, share)
        assert out["objective"] >= plain["objective"] * (1 - share) - 1e-6
        assert squares(inst, out) <= squares(inst, plain)
        assert out["objective"] == pytest.approx(same["objective"], abs=1e-6)  # pricing = every pair listed
        assert squares(inst, out) == squares(listed, same)
    assert squares(inst, run(inst, 0.02)) < squares(inst, plain)


@SETTINGS
@given(instances(), st.sampled_from([0.0, 0.1]), st.randoms(use_true_random=False))
def test_evening_is_deterministic_whatever_the_input_order(inst, evening, rnd):
    out = run(inst, evening)
    shuffled = json.loads(json.dumps(inst))
    for key in ("entries", "judges", "conflicts", "affinity", "locked"):
        if key in shuffled:
            rnd.shuffle(shuffled[key])
    assert run(shuffled, evening) == out


def test_cli_reads_the_setting_and_prints_the_spread(tmp_path):
    import subprocess
    import sys
    inst = {"k": 1, "entries": [{"id": f"e{i}", "field": "energy"} for i in range(6)],
            "judges": [{"id": "j1", "fields": {"energy": 2}}, {"id": "j2", "fields": {"energy": 2}},
                       {"id": "j3", "fields": {"energy": 2}}], "load_evening": 0}
    path = tmp_path / "in.json"
    path.write_text(json.dumps(inst), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "contest.engines.assignment", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "optimal" and out["gap"] == 0
    assert out["stats"]["evening"]["after"] == {"min": 2, "max": 2, "mean": 2.0, "std": 0.0, "sum_squares": 12}
    path.write_text(json.dumps(dict(inst, load_evening=2)), encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "contest.engines.assignment", str(path)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "load_evening" in bad.stdout
