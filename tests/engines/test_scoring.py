"""The scoring engine: its statistics on data with known truth, and its contract."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.engines import scoring, simulation
from contest.engines.cli import InputError
from contest.engines.scoring import (
    breakdown,
    canonical_json,
    inputs_hash,
    rank,
    read_sheets,
)
from contest.engines.scoring.agreement import krippendorff_alpha_interval
from contest.engines.scoring.model import fit_mean, fit_zscore
from contest.engines.scoring.rounds import plan_final_round
from contest.engines.scoring.solver import fit_calibrated

ONE_CRITERION = [{"id": "total", "weight": 1, "min": 0, "max": 100}]


def make_contest(seed=0, entries=120, judges=15, per_entry=4, leniency_sd=10.0, scale_sd=0.25,
                 noise_sd=6.0, quality_sd=15.0):
    """Totals straight from the affine judge model on one 0-100 criterion (no rounding).

    Returns the instance and the truth: quality per entry and (leniency, scale, noise) per judge,
    with leniency measured at the centre of the totals as the engine reports it.
    """
    rng = np.random.default_rng(seed)
    quality = 50.0 + quality_sd * rng.standard_normal(entries)
    lenient = leniency_sd * rng.standard_normal(judges)
    scale = np.exp(scale_sd * rng.standard_normal(judges))
    noise = noise_sd * np.exp(0.3 * rng.standard_normal(judges))
    scores = []
    for e in range(entries):
        for j in rng.choice(judges, size=per_entry, replace=False):
            value = 50.0 + lenient[j] + scale[j] * (quality[e] - 50.0) + noise[j] * rng.standard_normal()
            scores.append({"entry": f"e{e:03d}", "judge": f"j{j:02d}", "criterion": "total",
                           "value": float(np.clip(value, 0.0, 100.0))})
    instance = {"criteria": ONE_CRITERION, "scores": scores}
    return instance, {"quality": quality, "leniency": lenient, "scale": scale, "noise": noise}


def tau(truth, score):
    return simulation.kendall_tau(np.asarray(truth), np.asarray(score))


def by_entry(result):
    return {row["entry"]: row for row in result["ranking"]}


def small_instance(n_entries=8, n_judges=4, per_entry=3, seed=1, prize_zone=3):
    instance, _ = make_contest(seed, n_entries, n_judges, per_entry)
    instance["prize_zone"] = prize_zone
    return instance


# --------------------------------------------------------------------------- statistics


def test_weighted_total_normalises_each_criterion_to_its_scale():
    instance = {
        "criteria": [{"id": "idea", "weight": 3, "min": 1, "max": 10},
                     {"id": "pitch", "weight": 1, "min": 0, "max": 5}],
        "scores": [
            {"entry": "a", "judge": "j", "criterion": "idea", "value": 10},
            {"entry": "a", "judge": "j", "criterion": "pitch", "value": 0},
            {"entry": "b", "judge": "j", "criterion": "idea", "value": 1},
            {"entry": "b", "judge": "j", "criterion": "pitch", "value": 5},
        ],
        "method": "mean",
    }
    rows = by_entry(rank(instance))
    assert rows["a"]["raw_mean"] == pytest.approx(75.0)    # 100 * (3 * 1 + 1 * 0) / 4
    assert rows["b"]["raw_mean"] == pytest.approx(25.0)
    assert rows["a"]["score"] == pytest.approx(75.0)


def test_calibrated_model_recovers_known_judges_and_quality():
    instance, truth = make_contest(seed=3, entries=200, judges=16, per_entry=5)
    sheets, entries, judges, _ = read_sheets(instance)
    assert entries == sorted(entries) and judges == [f"j{j:02d}" for j in range(16)]
    fit = fit_calibrated(sheets, np.random.default_rng(0), 0)
    # The truth is total = 50 + l + s (q - 50); the engine measures leniency at its centre c.
    true_centred = truth["leniency"] + (truth["scale"] - 1.0) * (fit.centre - 50.0)
    assert np.corrcoef(fit.judges.leniency, true_centred)[0, 1] > 0.95
    assert np.corrcoef(np.log(fit.judges.scale), np.log(truth["scale"]))[0, 1] > 0.8
    assert np.corrcoef(fit.judges.noise, truth["noise"])[0, 1] > 0.6
    assert np.corrcoef(fit.score, truth["quality"])[0, 1] > 0.97


def test_calibrated_beats_the_plain_mean_when_judges_differ():
    gains = []
    for seed in range(3):
        instance, truth = make_contest(seed=seed, entries=150, judges=20, per_entry=3, leniency_sd=12.0)
        sheets, _, _, _ = read_sheets(instance)
        rng = np.random.default_rng(seed)
        calibrated = fit_calibrated(sheets, rng, 0).score
        mean = fit_mean(sheets, rng, 0).score
        gains.append(tau(truth["quality"], calibrated) - tau(truth["quality"], mean))
    assert min(gains) > 0.03


def test_zscore_is_fooled_by_fields_of_different_quality_and_calibration_is_not():
    shape = simulation.ContestShape(entries=(240, 240), judges=(24, 24), sheets_per_judge=(30, 30),
                                    fields=3, field_quality_sd=1.0)
    gaps = []
    for seed in (1, 2, 3):
        contest = simulation.simulate_contest(seed, shape)
        sheets, entries, _, _ = read_sheets(contest.instance)
        truth = contest.quality[[contest.entry_ids.index(e) for e in entries]]
        rng = np.random.default_rng(seed)
        gaps.append(tau(truth, fit_calibrated(sheets, rng, 0).score) - tau(truth, fit_zscore(sheets, rng, 0).score))
    assert np.mean(gaps) > 0.05 and min(gaps) > 0


def test_krippendorff_alpha_matches_the_published_example():
    # Krippendorff's reliability data (4 coders, 12 units, missing values): interval alpha 0.849.
    coders = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
              [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
              [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
              [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    unit = [u for row in coders for u, v in enumerate(row) if v is not None]
    value = [v for row in coders for v in row if v is not None]
    assert krippendorff_alpha_interval(np.array(unit), np.array(value)) == pytest.approx(0.849, abs=5e-4)


def test_judge_diagnostics_flag_a_judge_who_marks_at_random():
    instance, _ = make_contest(seed=5, entries=120, judges=12, per_entry=4, noise_sd=4.0)
    rng = np.random.default_rng(9)
    for score in instance["scores"]:
        if score["judge"] == "j03":
            score["value"] = float(rng.uniform(0, 100))
    judges = {row["judge"]: row for row in rank(instance)["judges"]}
    assert judges["j03"]["outlier"] and judges["j03"]["agreement"] < 0.3
    assert judges["j03"]["weight"] < 0.2
    assert sum(row["outlier"] for row in judges.values()) <= 2
    assert all(row["n"] > 0 and row["agreement"] is not None for row in judges.values())


# --------------------------------------------------------------------------- intervals and ties


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), entries=st.integers(5, 25), judges=st.integers(3, 6),
       zone=st.integers(1, 6), method=st.sampled_from(scoring.METHODS))
def test_intervals_contain_the_point_and_p_top_sums_to_the_prize_zone(seed, entries, judges, zone, method):
    instance = small_instance(entries, judges, min(3, judges), seed, zone)
    instance["method"] = method
    result = rank(instance)
    rows = result["ranking"]
    assert len(rows) == entries
    for row in rows:
        assert row["score_low"] <= row["score"] <= row["score_high"]
        assert row["rank_low"] <= row["rank"] <= row["rank_high"]
        assert 1 <= row["rank_low"] and row["rank_high"] <= entries
        assert 0.0 <= row["p_top"] <= 1.0
    assert sum(row["p_top"] for row in rows) == pytest.approx(min(zone, entries), abs=1e-4)
    assert [row["rank"] for row in rows] == sorted(row["rank"] for row in rows)


def test_ties_that_survive_the_tie_break_are_flagged_and_share_a_rank():
    scores = []
    for entry, values in {"a": (85, 75), "b": (60, 90), "c": (60, 90), "d": (30, 40)}.items():
        for judge, value in zip(("j1", "j2"), values):
            scores.append({"entry": entry, "judge": judge, "criterion": "total", "value": value})
    for method in scoring.METHODS:
        result = rank({"criteria": ONE_CRITERION, "scores": scores, "method": method, "prize_zone": 2})
        rows = by_entry(result)
        assert rows["b"]["tie"] and rows["c"]["tie"]
        assert rows["b"]["rank"] == rows["c"]["rank"]
        assert not rows["a"]["tie"] and not rows["d"]["tie"]
        assert rows["d"]["rank"] == 4                    # competition ranking: 1, 2, 2, 4 or 1, 1, 3, 4
        assert [row["entry"] for row in result["ranking"]].index("b") < [
            row["entry"] for row in result["ranking"]].index("c")   # listed by id, ranked equal


def test_tie_break_prefers_the_higher_raw_mean_when_scores_are_equal():
    scores = [{"entry": e, "judge": "j1", "criterion": "total", "value": 50} for e in ("a", "b")]
    scores.append({"entry": "b", "judge": "j2", "criterion": "total", "value": 50})
    rows = by_entry(rank({"criteria": ONE_CRITERION, "scores": scores, "method": "mean"}))
    assert rows["a"]["score"] == rows["b"]["score"] and rows["a"]["raw_mean"] == rows["b"]["raw_mean"]
    assert rows["b"]["rank"] == 1 and rows["a"]["rank"] == 2      # more judges breaks the tie
    assert not rows["a"]["tie"] and not rows["b"]["tie"]


# --------------------------------------------------------------------------- finalist round


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extra_load=st.floats(0.0, 0.5), seed=st.integers(0, 1000))
def test_shortlist_and_panel_stay_within_the_extra_load(extra_load, seed):
    instance = small_instance(30, 6, 3, seed, prize_zone=4)
    instance["final_round"] = {"extra_load": extra_load}
    result = rank(instance)
    budget = int(np.floor(extra_load * 90 + 1e-9))
    assert result["review_budget"] == budget
    assert len(result["shortlist"]) * result["panel_size"] == result["extra_reviews"] <= budget
    assert len(result["panel_suggestion"]) == result["panel_size"]
    assert result["panel_candidates"][: result["panel_size"]] == result["panel_suggestion"]
    weight = {row["judge"]: row["weight"] for row in result["judges"]}
    candidates = result["panel_candidates"]
    assert sorted(candidates) == sorted(row["judge"] for row in result["judges"] if row["n"] and not row["outlier"])
    assert [weight[j] for j in candidates] == sorted((weight[j] for j in candidates), reverse=True)
    assert len(set(result["shortlist"])) == len(result["shortlist"])
    if budget == 0:
        assert result["shortlist"] == [] and result["panel_size"] == 0


def test_shortlist_follows_the_chance_of_a_prize():
    instance, _ = make_contest(seed=11, entries=150, judges=15, per_entry=3)
    result = rank(instance)
    rows = by_entry(result)
    assert len(result["shortlist"]) >= result["prize_zone"]
    listed = [rows[e]["p_top"] for e in result["shortlist"]]
    left_out = [row["p_top"] for e, row in rows.items() if e not in result["shortlist"]]
    assert min(listed) >= max(left_out)
    assert 0 < result["shortlist_expected_recall"] <= 1


def test_a_final_round_has_the_prize_zone_as_finalists_and_three_judges_when_three_can_sit():
    """One judge's ballot must not decide a car, and fewer finalists than the prize zone could not
    change who is in it, whatever the forecast would prefer."""
    draws = np.random.default_rng(0).standard_normal((200, 40))
    order = list(range(40))
    noise = [4.0 / p for p in range(1, 9)]
    for budget in (30, 45, 90, 200):
        plan = plan_final_round(draws, order, 10, budget, noise, np.random.default_rng(1))
        assert plan.panel_size >= 3 and len(plan.shortlist) >= 10
        assert len(plan.shortlist) * plan.panel_size <= budget
    for budget in (2, 23, 29):                  # 10 finalists x 3 judges do not fit
        assert plan_final_round(draws, order, 10, budget, noise, np.random.default_rng(1)).panel_size == 0
    assert plan_final_round(draws, order, 10, 20, noise[:2], np.random.default_rng(1)).panel_size == 2


def test_plan_without_budget_or_judges_proposes_nothing():
    draws = np.random.default_rng(0).standard_normal((50, 20))
    order = list(range(20))
    assert plan_final_round(draws, order, 5, 0, [1.0], np.random.default_rng(1)).panel_size == 0
    assert plan_final_round(draws, order, 5, 10, [], np.random.default_rng(1)).shortlist == []
    small = plan_final_round(draws, order, 5, 3, [1.0, 0.5], np.random.default_rng(1))
    assert len(small.shortlist) * small.panel_size <= 3


def test_finalists_rank_above_everyone_else_on_all_their_scores():
    instance, _ = make_contest(seed=4, entries=60, judges=10, per_entry=3)
    first = rank(dict(instance, prize_zone=5))
    finalists = [row["entry"] for row in first["ranking"][-3:]] + [first["ranking"][0]["entry"]]
    panel = ["j00", "j01", "j02"]
    round_two = [{"entry": e, "judge": j, "criterion": "total", "value": 40.0 + 10 * k, "round": 2}
                 for k, e in enumerate(finalists) for j in panel]
    result = rank(dict(instance, scores=instance["scores"] + round_two, prize_zone=5))
    rows = result["ranking"]
    assert [row["finalist"] for row in rows] == [True] * 4 + [False] * (len(rows) - 4)
    assert {row["entry"] for row in rows[:4]} == set(finalists)
    assert [row["rank"] for row in rows[:4]] == [1, 2, 3, 4]
    assert all(row["rank_high"] <= 4 for row in rows[:4])
    assert all(row["rank_low"] >= 5 for row in rows[4:])
    assert all(row["p_top"] == 1.0 for row in rows[:4])
    assert sum(row["p_top"] for row in rows[4:]) == pytest.approx(1.0, abs=1e-4)
    assert result["final_round"]["finalists"] == 4
    assert result["final_round"]["round2_reviews"] == 12
    assert result["final_round"]["extra_load"] == pytest.approx(12 / 180, abs=1e-6)
    # The proposal is still the one made from round 1 alone.
    for key in ("shortlist", "panel_size", "panel_suggestion", "review_budget", "shortlist_expected_recall"):
        assert result[key] == first[key]


def test_two_round_process_on_the_simulator_finds_most_of_the_prize_zone():
    shape = simulation.ContestShape(entries=(300, 300), judges=(30, 30), sheets_per_judge=(30, 30))
    contest = simulation.simulate_contest(7, shape)
    first = rank(contest.instance)
    assert first["extra_reviews"] <= 0.10 * len(contest.instance["scores"]) / 4
    marks = simulation.final_round_marks(contest, first["shortlist"], first["panel_suggestion"])
    final = rank(dict(contest.instance, scores=contest.instance["scores"] + marks))
    index = {e: i for i, e in enumerate(contest.entry_ids)}
    ranked = [index[row["entry"]] for row in final["ranking"]]
    assert simulation.top_recall(contest.quality, ranked, 10) >= 0.6
    assert final["final_round"]["extra_load"] <= 0.10


# --------------------------------------------------------------------------- bad input


def test_bad_marks_are_named_and_the_rest_is_ranked():
    instance, _ = make_contest(seed=2, entries=20, judges=5, per_entry=3)
    instance["criteria"] = ONE_CRITERION + [{"id": "team", "weight": 0.5, "min": 1, "max": 5}]
    scores = []
    for score in instance["scores"]:
        scores.append(score)
        scores.append({**score, "criterion": "team", "value": 3})
    sheets_before = len(instance["scores"])
    e, j = scores[0]["entry"], scores[0]["judge"]
    scores[1]["value"] = 7                                              # outside 1..5
    del scores[3]                                                       # second sheet loses "team"
    e2, j2 = scores[2]["entry"], scores[2]["judge"]
    scores.append({"entry": "e005", "judge": "j01", "criterion": "novelty", "value": 4})
    instance["scores"] = scores
    instance["judges"] = ["j00", "j01", "j02", "j03", "j04", "j99"]
    result = rank(instance)
    problems = "\n".join(result["problems"])
    assert f"judge {j}, entry {e}, round 1: criterion team: value 7 is outside its scale 1..5" in problems
    assert f"judge {j2}, entry {e2}, round 1: no mark for criterion team" in problems
    assert "unknown criterion 'novelty'" in problems
    assert "judge j99 scored nothing" in problems
    assert sum(row["sheets"] for row in result["ranking"]) == sheets_before - 2
    assert len(result["ranking"]) == 20
    silent = {row["judge"]: row for row in result["judges"]}["j99"]
    assert silent["n"] == 0 and silent["leniency"] is None


def test_an_entry_whose_every_sheet_is_bad_is_not_ranked_but_named():
    scores = [{"entry": "a", "judge": "j1", "criterion": "total", "value": 70},
              {"entry": "b", "judge": "j1", "criterion": "total", "value": 170}]
    result = rank({"criteria": ONE_CRITERION, "scores": scores})
    assert [row["entry"] for row in result["ranking"]] == ["a"]
    assert result["unranked"] == ["b"]
    assert any("entry b has no usable sheet" in p for p in result["problems"])


@pytest.mark.parametrize("instance, fragment", [
    ({"scores": []}, "criteria"),
    ({"criteria": [], "scores": []}, "criteria"),
    ({"criteria": [{"id": "c", "weight": 0, "min": 1, "max": 10}], "scores": []}, "weight must be a positive"),
    ({"criteria": [{"id": "c", "weight": "heavy", "min": 1, "max": 10}], "scores": []}, "weight"),
    ({"criteria": [{"id": "c", "weight": 1, "min": 10, "max": 1}], "scores": []}, "must be below"),
    ({"criteria": ONE_CRITERION, "scores": {}}, "scores"),
    ({"criteria": ONE_CRITERION, "scores": [], "method": "median"}, "method"),
    ({"criteria": ONE_CRITERION, "scores": [], "prize_zone": 0}, "prize_zone"),
    ({"criteria": ONE_CRITERION, "scores": [], "final_round": {"extra_load": -1}}, "extra_load"),
    ({"criteria": ONE_CRITERION, "scores": []}, "no usable score sheet"),
    ([], "JSON object"),
])
def test_a_wholly_unusable_instance_raises_input_error(instance, fragment):
    with pytest.raises(InputError) as caught:
        rank(instance)
    assert any(fragment in problem for problem in caught.value.problems)


# --------------------------------------------------------------------------- determinism and graph


def test_same_input_gives_byte_identical_output_whatever_the_order_of_records():
    instance = small_instance(12, 5, 3, seed=8, prize_zone=4)
    once = json.dumps(rank(instance), sort_keys=True)
    twice = json.dumps(rank(json.loads(json.dumps(instance))), sort_keys=True)
    shuffled = dict(instance, scores=list(reversed(instance["scores"])))
    assert once == twice == json.dumps(rank(shuffled), sort_keys=True)
    assert rank(instance)["inputs_hash"] == inputs_hash(shuffled)
    assert canonical_json(instance) == canonical_json(shuffled)
    assert inputs_hash(dict(instance, prize_zone=5)) != inputs_hash(instance)


def test_version_3_hashes_the_marks_as_columns_exactly():
    instance = small_instance(12, 5, 3, seed=8, prize_zone=4)
    instance["scores"][0]["value"] = 7
    digest = inputs_hash(instance)
    assert digest != inputs_hash(instance, 2) == hashlib.sha256(canonical_json(instance).encode()).hexdigest()
    shuffled = dict(reversed(list(instance.items())), scores=[dict(reversed(list(mark.items())))
                                                               for mark in reversed(instance["scores"])])
    assert inputs_hash(shuffled) == digest
    first = instance["scores"][0]
    changes = [
        [dict(first, value=8)] + instance["scores"][1:],               # a mark
        [dict(first, value=7.0)] + instance["scores"][1:],             # 7 is not 7.0, as in the JSON
        [dict(first, round=1)] + instance["scores"][1:],               # "round": 1 written out
        instance["scores"][1:],                                          # a mark left out
        instance["scores"] + [first],                                    # a mark twice
        [dict(first, judge=first["judge"] + "x")] + instance["scores"][1:],
    ]
    hashes = {inputs_hash(dict(instance, scores=scores)) for scores in changes}
    assert len(hashes) == len(changes) and digest not in hashes
    assert inputs_hash(dict(instance, prize_zone=5)) != digest
    assert inputs_hash(dict(instance, entries=["e1"])) != digest
    # -0.0 and 0.0 differ, whatever their order.
    zeros = [dict(first, value=0.0), dict(first, value=-0.0)]
    assert inputs_hash(dict(instance, scores=zeros)) == inputs_hash(dict(instance, scores=zeros[::-1]))


@pytest.mark.parametrize("mark", [{"comment": "x"}, {"value": True}, {"value": "7"}, {"value": 2**60},
                                  {"judge": 3}, {"round": 1.0}, {"round": 9}, {"value": float("nan")}])
def test_marks_that_do_not_fit_the_columns_are_hashed_from_their_json(mark):
    instance = small_instance(6, 3, 2, seed=2)
    changed = dict(instance, scores=[dict(instance["scores"][0], **mark)] + instance["scores"][1:])
    text = canonical_json(changed).encode()
    assert inputs_hash(changed) == hashlib.sha256(b"scoring-inputs-v3 json\0" + text).hexdigest()
    assert inputs_hash(changed) == inputs_hash(dict(changed, scores=changed["scores"][::-1]))


def test_separate_pieces_of_the_judge_entry_graph_are_reported():
    scores = []
    for group, judges in (("x", ("j1", "j2")), ("y", ("j3", "j4"))):
        for k in range(4):
            for judge in judges:
                scores.append({"entry": f"{group}{k}", "judge": judge, "criterion": "total", "value": 40 + 10 * k})
    result = rank({"criteria": ONE_CRITERION, "scores": scores})
    assert result["components"] == 2
    assert {row["component"] for row in result["ranking"]} == {1, 2}
    pieces = {row["entry"][0]: row["component"] for row in result["ranking"]}
    assert pieces["x"] != pieces["y"]
    assert any("2 separate pieces" in warning for warning in result["warnings"])


def test_breakdown_explains_a_score_sheet_by_sheet():
    instance = small_instance(10, 4, 3, seed=6)
    result = rank(instance)
    entry = result["ranking"][0]["entry"]
    explained = breakdown(instance, entry, result)
    judges = {row["judge"]: row for row in result["judges"]}
    centre = result["calibration_centre"]
    assert explained["score"] == result["ranking"][0]["score"] and len(explained["sheets"]) == 3
    for sheet in explained["sheets"]:
        judge = judges[sheet["judge"]]
        assert sheet["total"] == pytest.approx(sheet["marks"]["total"])
        expected = centre + (sheet["total"] - centre - judge["leniency"]) / judge["scale"]
        assert sheet["calibrated"] == pytest.approx(expected, abs=1e-5)
    assert breakdown(instance, entry) == explained
    with pytest.raises(InputError):
        breakdown(instance, "nobody", result)


# --------------------------------------------------------------------------- command line


def run_cli(path, hash_seed="0"):
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    return subprocess.run([sys.executable, "-m", "contest.engines.scoring", str(path)],
                          capture_output=True, text=True, timeout=120, check=False, env=env)


def test_cli_prints_the_same_ranking_in_every_process(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(small_instance(6, 3, 2, seed=3)))
    done = run_cli(path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["method"] == "calibrated" and len(answer["ranking"]) == 6
    assert run_cli(path, hash_seed="12345").stdout == done.stdout


@pytest.mark.parametrize("text", ["{not json", json.dumps({"criteria": [], "scores": []}), "[1, 2]"])
def test_cli_reports_bad_input_as_json_with_exit_2(tmp_path, text):
    path = tmp_path / "in.json"
    path.write_text(text)
    done = run_cli(path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    answer = json.loads(done.stdout)
    assert answer["error"] and answer["problems"]
