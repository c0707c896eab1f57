"""Dense affinity matrices: the priced candidate flow against a full LP and the listed-pairs mode."""
from __future__ import annotations

import base64
import json
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from bench.assign import dense_season
from contest.engines.assignment import pairs as dense_mode
from contest.engines.assignment import InputError, solve
from tests.engines.test_assignment import check_messages, check_rules


def matrix_of(inst: dict) -> np.ndarray:
    m = inst["affinity_matrix"]
    if "values" in m:
        return np.asarray(m["values"], dtype=np.float32)
    shape = (len(m["entries"]), len(m["judges"]))
    return np.frombuffer(base64.b64decode(m["values_base64"]), dtype="<f4").reshape(shape)


def full_lp(inst: dict) -> float:
    """The best total affinity over ALL allowed pairs, by HiGHS on the LP (integral for flows).

    Written from the contract: k per entry, loads within [min, max] per judge, no conflicted
    pair (declared or by organization); values count at the engine's resolution 1e-6.
    """
    m = inst["affinity_matrix"]
    weight = np.rint(matrix_of(inst).astype(np.float64) * 1e6) / 1e6
    n_e, n_j = weight.shape
    e_at = {e: i for i, e in enumerate(m["entries"])}
    j_at = {j: i for i, j in enumerate(m["judges"])}
    ok = np.ones((n_e, n_j), dtype=bool)
    for j, e in inst["conflicts"]:
        ok[e_at[e], j_at[j]] = False
    for judge in inst["judges"]:
        for entry in inst["entries"]:
            if judge["organization"] in entry["organization"]:
                ok[e_at[entry["id"]], j_at[judge["id"]]] = False
    rows_e, cols_j = np.nonzero(ok)
    n = len(rows_e)
    ones = np.ones(n)
    by_entry = coo_matrix((ones, (rows_e, np.arange(n))), shape=(n_e, n)).tocsr()
    by_judge = coo_matrix((ones, (cols_j, np.arange(n))), shape=(n_j, n)).tocsr()
    judges = sorted(inst["judges"], key=lambda j: j_at[j["id"]])
    hi = np.array([j.get("max_load", inst["max_load"]) for j in judges], dtype=float)
    lo = np.array([j.get("min_load", inst["min_load"]) for j in judges], dtype=float)
    done = linprog(-weight[rows_e, cols_j], A_ub=vstack([by_judge, -by_judge]), b_ub=np.concatenate([hi, -lo]),
                   A_eq=by_entry, b_eq=np.full(n_e, float(inst["k"])), bounds=(0, 1), method="highs")
    assert done.status == 0, done.message
    return -done.fun


@contextmanager
def tuned(**values):
    """Change the dense path's work parameters (never its answer) for one block."""
    before = {name: getattr(dense_mode, name) for name in values}
    for name, value in values.items():
        setattr(dense_mode, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(dense_mode, name, value)


def test_dense_optimum_equals_the_full_lp_at_2000_by_150():
    inst = dense_season(n_entries=2000, n_judges=150, n_orgs=30, seed=7)
    best = full_lp(inst)
    out = solve(json.loads(json.dumps(inst)))
    assert (out["status"], out["stats"]["method"], out["gap"]) == ("optimal", "dense pricing", 0)
    assert out["objective"] == pytest.approx(best, abs=1e-6)
    assert out["bound"] == out["objective"]
    assert out["stats"]["arcs"] < 2000 * 150 / 5, "the flow should run on candidates, not every pair"
    pairs = {tuple(p) for p in out["pairs"]}
    assert len(pairs) == 3 * 2000 and not pairs & {tuple(c) for c in inst["conflicts"]}
    org = {j["id"]: j["organization"] for j in inst["judges"]}
    authors = {e["id"]: set(e["organization"]) for e in inst["entries"]}
    assert not any(org[j] in authors[e] for j, e in pairs)
    loads = out["stats"]["loads"]
    assert min(loads.values()) >= inst["min_load"] and max(loads.values()) <= inst["max_load"]
    # the same optimum when judges' prices are first estimated on a sample, and from a bare start
    with tuned(DENSE_SAMPLE_MIN=50):
        sampled = solve(json.loads(json.dumps(inst)))
    with tuned(DENSE_PER_ENTRY_EXTRA=0, DENSE_PRICED_PER_ENTRY=1, DENSE_MARGIN=0.0):
        bare = solve(json.loads(json.dumps(inst)))
    assert bare["stats"]["rounds"] > 1
    for other in (sampled, bare):
        assert (other["status"], other["gap"], other["objective"]) == ("optimal", 0, out["objective"])


@st.composite
def dense_instances(draw):
    n_j = draw(st.integers(1, 5))
    n_e = draw(st.integers(1, 7))
    max_load = draw(st.integers(1, 6))
    judges = []
    for i in range(n_j):
        judge = {"id": f"j{i}"}
        if draw(st.booleans()):
            judge["max_load"] = draw(st.integers(0, 5))
        if draw(st.integers(0, 3)) == 0:
            judge["min_load"] = draw(st.integers(0, judge.get("max_load", max_load)))
        if draw(st.integers(0, 6)) == 0:
            judge["active"] = False
        judges.append(judge)
    entries = [{"id": f"e{i}"} | ({"k": draw(st.integers(0, 3))} if draw(st.booleans()) else {})
               for i in range(n_e)]
    all_pairs = [[j["id"], e["id"]] for j in judges for e in entries]
    inst = {"k": draw(st.integers(0, 3)), "max_load": max_load, "min_load": 0,
            "entries": entries, "judges": judges,
            "conflicts": draw(st.lists(st.sampled_from(all_pairs), max_size=4, unique_by=tuple)),
            "locked": draw(st.lists(st.sampled_from(all_pairs), max_size=3, unique_by=tuple))}
    # hundredths from a small range: ties are common, which the tie rules must settle
    values = draw(st.lists(st.lists(st.integers(-20, 100).map(lambda v: v / 100), min_size=n_j, max_size=n_j),
                           min_size=n_e, max_size=n_e))
    inst["affinity_matrix"] = {"entries": [e["id"] for e in entries], "judges": [j["id"] for j in judges],
                               "values": values}
    return inst


def as_listed_pairs(inst: dict) -> dict:
    """The same instance in listed-pairs mode: every pair listed with its value."""
    listed = json.loads(json.dumps(inst))
    m = listed.pop("affinity_matrix")
    listed["affinity"] = [[j, e, v] for e, row in zip(m["entries"], m["values"]) for j, v in zip(m["judges"], row)]
    return listed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense_instances(), st.booleans())
def test_dense_matches_the_listed_pairs_mode_on_small_instances(inst, bare):
    """The listed-pairs mode (checked against a MILP in test_assignment) solves every pair at
    once; the dense mode must reach the same objective and prove it, even from a bare start."""
    reference = solve(as_listed_pairs(inst))
    params = dict(DENSE_PER_ENTRY_EXTRA=0, DENSE_PRICED_PER_ENTRY=1, DENSE_MARGIN=0.0, DENSE_SAMPLE_MIN=1) \
        if bare else {}
    with tuned(**params):
        out = solve(json.loads(json.dumps(inst)))
    check_messages(out)
    assert out["status"] == reference["status"]
    assert [c["code"] for c in out["problem_codes"]] == [c["code"] for c in reference["problem_codes"]]
    if out["status"] == "infeasible":
        return
    check_rules(as_listed_pairs(inst), out)
    assert out["gap"] == 0 and out["objective"] == pytest.approx(reference["objective"], abs=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense_instances(), st.randoms(use_true_random=False))
def test_dense_answer_does_not_depend_on_the_order_of_rows_and_columns(inst, rnd):
    out = solve(json.loads(json.dumps(inst)))
    shuffled = json.loads(json.dumps(inst))
    m = shuffled["affinity_matrix"]
    rows, cols = list(range(len(m["entries"]))), list(range(len(m["judges"])))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    m["entries"] = [m["entries"][r] for r in rows]
    m["judges"] = [m["judges"][c] for c in cols]
    m["values"] = [[m["values"][r][c] for c in cols] for r in rows]
    for key in ("entries", "judges", "conflicts", "locked"):
        rnd.shuffle(shuffled[key])
    assert solve(shuffled) == out


def test_base64_float32_and_rows_are_the_same_matrix():
    inst = dense_season(n_entries=60, n_judges=12, n_orgs=5, seed=3)
    rows = json.loads(json.dumps(inst))
    rows["affinity_matrix"] = {**inst["affinity_matrix"], "values": matrix_of(inst).tolist()}
    del rows["affinity_matrix"]["values_base64"]
    assert solve(rows) == solve(json.loads(json.dumps(inst)))
    as_array = json.loads(json.dumps(inst))  # Python callers may pass the array itself
    del as_array["affinity_matrix"]["values_base64"]
    as_array["affinity_matrix"]["values"] = matrix_of(inst).copy()
    assert solve(as_array) == solve(rows)


def small(**matrix) -> dict:
    base = {"entries": ["e1", "e2"], "judges": ["j1", "j2"], "values": [[1, 0.5], [0.2, 1]]}
    base.update(matrix)
    return {"k": 1, "entries": [{"id": "e1"}, {"id": "e2"}], "judges": [{"id": "j1"}, {"id": "j2"}],
            "affinity_matrix": {key: value for key, value in base.items() if value is not None}}


@pytest.mark.parametrize("inst, needle", [
    (small(values=[[1, 0.5]]), "must hold 2 x 2 numbers"),
    (small(values=[[1, "x"], [0, 1]]), "must hold 2 x 2 numbers"),
    (small(values=[[1, float("nan")], [0, 1]]), "finite numbers"),
    (small(values=[[1, 2e6], [0, 1]]), "finite numbers"),
    (small(entries=["e1", "e9"]), "unknown entries"),
    (small(judges=["j1"]), "misses 1 of the instance's judges"),
    (small(judges=["j1", "j1"]), "lists an id twice"),
    (small(values=None), "exactly one of 'values' and 'values_base64'"),
    (small(values_base64="AAAA"), "exactly one of"),
    (small(values=None, values_base64="not base64!"), "must hold 2 x 2 numbers"),
    (small(values=None, values_base64=base64.b64encode(b"\0" * 12).decode()), "must hold 2 x 2 numbers"),
    ({**small(), "affinity": [["j1", "e1", 1]]}, "not both"),
    ({**small(), "affinity_matrix": [[1, 0], [0, 1]]}, "must be an object"),
])
def test_a_bad_matrix_is_named(inst, needle):
    with pytest.raises(InputError) as caught:
        solve(inst)
    assert any(needle in p for p in caught.value.problems), caught.value.problems


def test_more_judges_per_entry_than_active_judges_is_infeasible_in_dense_mode_too():
    inst = small()
    inst["k"] = 2
    inst["judges"][1]["active"] = False
    out = solve(inst)
    assert out["status"] == "infeasible"
    assert [c for c in out["problem_codes"] if c["code"] == "k_above_judges"] == [
        {"code": "k_above_judges", "entry": "e1", "k": 2, "possible": 1, "listed": False},
        {"code": "k_above_judges", "entry": "e2", "k": 2, "possible": 1, "listed": False}]
