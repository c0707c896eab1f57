"""Engine version 2 at realistic sizes: the shortcuts that make national contests fast keep the
answers of the full computation (intervals, rank intervals, p_top), and version 1 still
recomputes what it published."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.engines import scoring, simulation
from contest.engines.scoring import canonical_json, rank, read_sheets
from contest.engines.scoring import codec, sheets
from contest.engines.scoring.model import Sheets
from contest.engines.scoring.solver import _hessian, _Marginal, fit_calibrated, fit_judges
from contest.engines.scoring.uncertainty import summarise

PUBLISHED_V1 = Path(__file__).parent / "data" / "published_v1.json"
PUBLISHED_V2 = Path(__file__).parent / "data" / "published_v2.json"


def true_ranks(contest: simulation.Contest) -> dict[str, int]:
    order = np.argsort(-contest.quality, kind="stable")
    return {contest.entry_ids[e]: r for r, e in enumerate(order, start=1)}


@pytest.fixture(scope="module")
def national():
    """A simulated contest of 3 000 entries and 150 judges, ranked once."""
    shape = simulation.ContestShape(entries=(3000, 3000), judges=(150, 150))
    contest = simulation.simulate_contest(11, shape)
    return contest, rank(contest.instance)


def test_rank_intervals_cover_the_true_rank_on_a_contest_of_three_thousand(national):
    contest, result = national
    truth = true_ranks(contest)
    covered = [row["rank_low"] <= truth[row["entry"]] <= row["rank_high"] for row in result["ranking"]]
    assert len(covered) == 3000
    assert np.mean(covered) >= 0.85
    # The intervals say something: a typical one spans well under half the field.
    widths = [row["rank_high"] - row["rank_low"] for row in result["ranking"]]
    assert np.median(widths) < 1500


def test_p_top_adds_up_to_the_prize_zone_and_favours_the_true_top(national):
    contest, result = national
    truth = true_ranks(contest)
    p_top = {row["entry"]: row["p_top"] for row in result["ranking"]}
    assert sum(p_top.values()) == pytest.approx(10, abs=1e-4)
    true_top = [e for e, r in truth.items() if r <= 10]
    assert np.mean([p_top[e] for e in true_top]) > 20 * 10 / 3000     # far above a blind guess
    # Who has no chance at all is not in the true top ten more than once in a while.
    assert sum(p_top[e] == 0 for e in true_top) <= 2


def posterior_of(instance):
    sheets, _, _, _ = read_sheets(instance)
    return fit_calibrated(sheets, np.random.default_rng(3), scoring.JUDGE_DRAWS).posterior


def brute_force(posterior, zone: int, draws: int, seed: int):
    """Every entry drawn ``draws`` times and every draw sorted: what version 2 avoids."""
    values = posterior.draws(np.arange(posterior.mean.shape[1]), draws, np.random.default_rng(seed))
    order = np.argsort(-values, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, values.shape[1] + 1)[None, :], axis=1)
    return values, ranks, np.mean(ranks <= zone, axis=0)


def test_the_shortcuts_agree_with_drawing_and_sorting_every_entry():
    contest = simulation.simulate_contest(4)
    posterior = posterior_of(contest.instance)
    n = posterior.mean.shape[1]
    nobody = np.zeros(n, bool)
    quick = summarise(posterior, nobody, 10, 4000, 0.9, np.random.default_rng(1))
    values, ranks, p_top = brute_force(posterior, 10, 4000, 2)
    # p_top: the same within Monte Carlo error, and exactly nothing for every entry left undrawn.
    assert np.max(np.abs(quick.p_top - p_top)) < 0.05
    outsiders = np.setdiff1d(np.arange(n), quick.contenders)
    assert np.all(p_top[outsiders] == 0.0)
    # Score intervals from the mixture's moments match the draws' percentiles.
    spread = np.quantile(values, 0.95, axis=0) - np.quantile(values, 0.05, axis=0)
    assert np.max(np.abs(quick.score_low - np.quantile(values, 0.05, axis=0)) / spread) < 0.08
    assert np.max(np.abs(quick.score_high - np.quantile(values, 0.95, axis=0)) / spread) < 0.08
    # Rank intervals: within a few places of the sorted draws', for the contenders as for the rest.
    low, high = np.quantile(ranks, 0.05, axis=0), np.quantile(ranks, 0.95, axis=0)
    assert np.mean(np.abs(quick.rank_low - low)) < 0.02 * n
    assert np.mean(np.abs(quick.rank_high - high)) < 0.02 * n
    top = quick.contenders
    # The contenders' interval ends to a few places and a fifth (the others above them are
    # counted by expectation); those of the prize zone's favourites to a few places.
    assert np.all(np.abs(quick.rank_low[top] - low[top]) <= 5 + 0.2 * low[top])
    assert np.all(np.abs(quick.rank_high[top] - high[top]) <= 5 + 0.2 * high[top])
    favourites = top[:10]
    assert np.all(np.abs(quick.rank_low[favourites] - low[favourites]) <= 2)


def test_version_2_keeps_the_answers_of_version_1_within_monte_carlo_error():
    contest = simulation.simulate_contest(8)
    old, new = rank(contest.instance, version=1), rank(contest.instance)
    assert (old["engine_version"], new["engine_version"]) == (1, scoring.VERSION)
    before = {row["entry"]: row for row in old["ranking"]}
    after = {row["entry"]: row for row in new["ranking"]}
    assert max(abs(after[e]["score"] - before[e]["score"]) for e in before) < 0.05
    assert max(abs(after[e]["p_top"] - before[e]["p_top"]) for e in before) < 0.08
    n = len(before)
    assert np.mean([abs(after[e]["rank_high"] - before[e]["rank_high"]) for e in before]) < 0.03 * n
    assert len(set(new["shortlist"]) & set(old["shortlist"])) >= 0.8 * len(old["shortlist"])


@pytest.mark.parametrize("case", range(2))
def test_a_ranking_published_by_version_1_recomputes_digit_for_digit(case):
    published = json.loads(PUBLISHED_V1.read_text())["published"][case]     # with ballots; with a plan
    answer = rank(published["instance"], version=1)
    assert answer.pop("engine_version") == 1
    assert json.dumps(answer, sort_keys=True) == json.dumps(published["result"], sort_keys=True)


@pytest.mark.parametrize("case", range(2))
def test_a_ranking_published_by_version_2_recomputes_digit_for_digit(case):
    """Version 2 hashed its input from canonical JSON and seeded its draws with that hash; version 3
    hashes columns, so the same input draws differently, and version 2 must still recompute."""
    published = json.loads(PUBLISHED_V2.read_text())["published"][case]     # with ballots; with a plan
    answer = rank(published["instance"], version=2)
    assert answer["engine_version"] == 2
    assert answer["inputs_hash"] == scoring.inputs_hash(published["instance"], 2) != scoring.inputs_hash(
        published["instance"])
    assert json.dumps(answer, sort_keys=True) == json.dumps(published["result"], sort_keys=True)
    assert rank(published["instance"])["ranking"] != published["result"]["ranking"]


def test_newton_finds_the_optimum_that_lbfgs_finds():
    contest = simulation.simulate_contest(2)
    sheets, _, _, _ = read_sheets(contest.instance)
    centred = Sheets(sheets.entry, sheets.judge, sheets.total - sheets.total.mean(), sheets.n_entries,
                     sheets.n_judges)
    newton, hyper, objective = fit_judges(centred, "newton")
    lbfgs, _, _ = fit_judges(centred, "lbfgs")
    assert np.abs(objective.value_and_grad(newton)[1]).max() < 1e-4
    n = sheets.n_judges
    assert np.max(np.abs(newton[:n] - lbfgs[:n])) < 0.05                  # leniency, points on 0-100
    assert np.max(np.abs(newton[n:] - lbfgs[n:])) < 0.01                  # log scale and log noise


def test_the_exact_hessian_matches_finite_differences_of_the_gradient():
    contest = simulation.simulate_contest(3)
    marks = simulation.final_round_marks(contest, contest.entry_ids[:6], contest.judge_ids[:3])
    sheets, _, _, _ = read_sheets(dict(contest.instance, scores=contest.instance["scores"] + marks))
    centred = Sheets(sheets.entry, sheets.judge, sheets.total - sheets.total.mean(), sheets.n_entries,
                     sheets.n_judges)
    x, hyper, _ = fit_judges(centred)
    objective = _Marginal(centred, hyper)
    x = x + 0.05 * np.random.default_rng(0).standard_normal(len(x))     # off the optimum too
    exact, numeric = objective.hessian(x), _hessian(objective, x)
    assert np.max(np.abs(exact - numeric)) < 1e-5 * np.max(np.abs(exact))


# --- byte-identical shortcuts: property tests ---------------------------------------------------------

TRICKY_TEXT = st.text(alphabet=st.sampled_from(list('ab{}[], :"\\é\n')), max_size=6)
SCALARS = st.one_of(TRICKY_TEXT, st.integers(-5, 5), st.floats(allow_nan=False, width=32), st.booleans(), st.none())
RECORDS = st.one_of(
    st.dictionaries(st.sampled_from(["entry", "judge", "value", "x"]),
                    st.one_of(SCALARS, st.lists(st.dictionaries(TRICKY_TEXT, SCALARS, max_size=2), max_size=2)),
                    max_size=4),
    TRICKY_TEXT, st.integers(0, 3))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RECORDS, max_size=8), st.lists(TRICKY_TEXT, max_size=6))
def test_canonical_json_sorts_records_by_their_own_json(scores, judges):
    instance = {"scores": scores, "judges": judges, "criteria": scores[:2]}
    expected = dict(instance)
    for key in ("criteria", "scores", "judges"):
        expected[key] = sorted(instance[key], key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    assert canonical_json(instance) == json.dumps(expected, sort_keys=True, separators=(",", ":"),
                                                  ensure_ascii=False)


DEFECTS = st.lists(st.sampled_from(["off_scale", "twice", "missing", "round", "bool", "int_id", "blank",
                                    "listed", "float_round"]), max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), DEFECTS)
def test_clean_marks_are_read_exactly_as_mark_by_mark(seed, defects):
    rng = np.random.default_rng(seed)
    criteria = [{"id": "a", "weight": 0.7, "min": 1, "max": 10}, {"id": "b", "weight": 0.3, "min": 0, "max": 5}]
    scores = [{"entry": f"e{e}", "judge": f"j{j}", "criterion": c["id"],
               "value": float(rng.uniform(c["min"], c["max"])) if rng.random() < 0.5 else int(rng.integers(1, 6))}
              for e in range(6) for j in rng.choice(4, size=2, replace=False) for c in criteria]
    instance = {"criteria": criteria, "scores": scores}
    for defect in defects:
        mark = scores[int(rng.integers(len(scores)))]
        if defect == "off_scale":
            mark["value"] = 11
        elif defect == "twice":
            scores.append(dict(mark))
        elif defect == "missing":
            scores.remove(mark)
        elif defect == "round":
            mark["round"] = 2
        elif defect == "bool":
            mark["value"] = True
        elif defect == "int_id":
            mark["judge"] = 7
        elif defect == "blank":
            mark["entry"] = " "
        elif defect == "listed":
            instance["entries"] = ["e0", "e99"]
        elif defect == "float_round":
            mark["round"] = 1.0
    def read(fast):
        original, sheets._clean_marks = sheets._clean_marks, (sheets._clean_marks if fast else lambda *args: None)
        try:
            return sheets.read_marks(codec.read_instance(instance))
        except scoring.InputError as error:
            return error.problems
        finally:
            sheets._clean_marks = original

    fast, slow = read(True), read(False)
    assert fast == slow
