"""The finalist round by ranking ballots: validation, aggregation, determinism, the CLI."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from scipy import stats

from contest.engines import simulation
from contest.engines.cli import InputError
from contest.engines.scoring import inputs_hash, rank
from contest.engines.scoring.ballots import van_der_waerden
from tests.engines.test_scoring import make_contest, run_cli


def ballots_for(judges, order):
    """Every judge places ``order`` (best first) as given; ``order`` may differ per judge (a dict)."""
    rows = []
    for judge in judges:
        mine = order[judge] if isinstance(order, dict) else order
        rows += [{"judge": judge, "entry": entry, "position": p} for p, entry in enumerate(mine, start=1)]
    return rows


@pytest.fixture(scope="module")
def contest():
    instance, truth = make_contest(seed=4, entries=60, judges=10, per_entry=3)
    instance["prize_zone"] = 5
    return instance, truth


def finalists_of(instance, n=6):
    """The round-1 bottom three and the top three: a final the ballots, not round 1, must decide."""
    rows = rank(instance)["ranking"]
    return [row["entry"] for row in rows[:3]] + [row["entry"] for row in rows[-3:]]


def test_van_der_waerden_scores_are_symmetric_and_ordered():
    scores = [van_der_waerden(p, 5) for p in range(1, 6)]
    assert scores == sorted(scores, reverse=True)
    assert scores[2] == pytest.approx(0.0)
    assert scores[0] == pytest.approx(-scores[4])


def test_ballots_order_the_finalists_above_everyone_else(contest):
    instance, _ = contest
    finalists = finalists_of(instance)
    wanted = list(reversed(finalists))          # the panel puts round 1's worst first
    panel = ["j00", "j01", "j02", "j03"]
    result = rank(dict(instance, ballots=ballots_for(panel, wanted)))
    rows = result["ranking"]
    assert [row["entry"] for row in rows[:6]] == wanted
    assert [row["rank"] for row in rows[:6]] == [1, 2, 3, 4, 5, 6]
    assert [row["finalist"] for row in rows] == [True] * 6 + [False] * (len(rows) - 6)
    assert all(row["rank_high"] <= 6 for row in rows[:6])
    assert all(row["rank_low"] >= 7 for row in rows[6:])
    assert sum(row["p_top"] for row in rows) == pytest.approx(5.0, abs=1e-4)
    assert rows[0]["ballot_score"] == pytest.approx(van_der_waerden(1, 6), abs=1e-6)
    assert rows[6]["ballot_score"] is None
    assert result["final_round"]["finalists"] == 6
    assert result["final_round"]["ballots"] == 4
    assert result["final_round"]["ballot_panel"] == panel
    assert result["final_round"]["round2_reviews"] == 24
    assert result["problems"] == rank(instance)["problems"]
    # The proposal is still the one made from round 1 alone.
    first = rank(instance)
    for key in ("shortlist", "panel_size", "panel_suggestion", "shortlist_expected_recall"):
        assert result[key] == first[key]


def test_aggregation_recovers_the_true_order_from_noisy_ballots():
    instance, truth = make_contest(seed=7, entries=80, judges=12, per_entry=3)
    rng = np.random.default_rng(0)
    names = [f"e{e:03d}" for e in range(80)]
    finalists = [names[e] for e in np.argsort(-truth["quality"])[:12]]
    quality = {e: truth["quality"][names.index(e)] for e in finalists}
    spread = np.std(list(quality.values()))
    panel = [f"j{j:02d}" for j in range(9)]
    orders = {}
    for judge in panel:          # each judge perceives quality with noise as large as the spread
        perceived = {e: quality[e] + spread * rng.standard_normal() for e in finalists}
        orders[judge] = sorted(finalists, key=lambda e: -perceived[e])
    rows = rank(dict(instance, ballots=ballots_for(panel, orders)))["ranking"][:12]
    placed = [row["entry"] for row in rows]
    true_order = sorted(finalists, key=lambda e: -quality[e])
    assert len(set(placed[:6]) & set(true_order[:6])) >= 4
    assert stats.kendalltau([quality[e] for e in placed], list(range(12, 0, -1))).statistic > 0.5


def test_a_tie_on_the_ballots_is_broken_by_the_round_one_score(contest):
    instance, _ = contest
    finalists = finalists_of(instance)
    first = {row["entry"]: row["score"] for row in rank(instance)["ranking"]}
    a, b = finalists[-1], finalists[0]          # round 1's worst and best
    forward = [a, b] + finalists[1:-1]
    backward = [b, a] + finalists[1:-1]
    rows = rank(dict(instance, ballots=ballots_for(["j00"], forward) + ballots_for(["j01"], backward)))["ranking"]
    top = [row["entry"] for row in rows[:2]]
    assert top == sorted([a, b], key=lambda e: -first[e])
    assert rows[0]["ballot_score"] == rows[1]["ballot_score"]


@pytest.mark.parametrize("bad, reason", [
    ("duplicate", "position 1 given to"),
    ("missing", "finalist not placed"),
    ("beyond", "position 9 is beyond the 6 finalists"),
    ("twice", "placed more than once"),
    ("not_whole", "position must be a whole number from 1"),
])
def test_a_ballot_that_is_not_a_permutation_is_dropped_and_named(contest, bad, reason):
    instance, _ = contest
    finalists = finalists_of(instance)
    good = ballots_for(["j00", "j01"], finalists)
    broken = ballots_for(["j02"], finalists)
    if bad == "duplicate":
        broken[1]["position"] = 1
    elif bad == "missing":
        broken = broken[:-1]
    elif bad == "beyond":
        broken[-1]["position"] = 9
    elif bad == "twice":
        broken.append({"judge": "j02", "entry": finalists[0], "position": 2})
    elif bad == "not_whole":
        broken[0]["position"] = 1.5
    result = rank(dict(instance, ballots=good + broken))
    named = [p for p in result["problems"] if "j02" in p]
    assert named and any(reason in p for p in named), result["problems"]
    assert any("ballot dropped" in p for p in named)
    assert result["final_round"]["ballots"] == 2
    assert [row["entry"] for row in result["ranking"][:6]] == finalists


def test_a_ballot_must_cover_exactly_the_listed_finalists(contest):
    instance, _ = contest
    finalists = finalists_of(instance)
    listed = dict(instance, final_round={"finalists": finalists + ["e059"]},
                  ballots=ballots_for(["j00"], finalists) + ballots_for(["j01"], finalists + ["e059"]))
    result = rank(listed)
    assert any("ballot of judge j00" in p and "finalist not placed: e059" in p for p in result["problems"])
    assert result["final_round"]["ballot_panel"] == ["j01"]
    stranger = dict(instance, ballots=ballots_for(["j00"], finalists), final_round={"finalists": finalists[:5]})
    assert any("not a finalist" in p for p in rank(stranger)["problems"])


def test_a_ballot_for_round_one_is_ignored_with_a_reason(contest):
    instance, _ = contest
    finalists = finalists_of(instance)
    rows = ballots_for(["j00"], finalists)
    rows[0]["round"] = 1
    result = rank(dict(instance, ballots=rows))
    assert any("ballots belong to round 2" in p for p in result["problems"])
    assert result["final_round"]["ballots"] == 0
    assert any("no valid ballot" in w for w in result["warnings"])


@pytest.mark.parametrize("ballots, final_round", [("nope", None), ([], {"finalists": "e1"})])
def test_unusable_ballot_input_raises(contest, ballots, final_round):
    instance, _ = contest
    bad = dict(instance, ballots=ballots)
    if final_round is not None:
        bad["final_round"] = final_round
    with pytest.raises(InputError):
        rank(bad)


def test_without_ballots_the_answer_is_exactly_as_before(contest):
    instance, _ = contest
    result = rank(instance)
    assert "ballots" not in result["final_round"]
    assert all("ballot_score" not in row for row in result["ranking"])


def test_same_ballots_in_any_order_give_byte_identical_output(contest):
    instance, _ = contest
    finalists = finalists_of(instance)
    orders = {j: random.Random(k).sample(finalists, len(finalists)) for k, j in enumerate(["j00", "j01", "j02"])}
    ballots = ballots_for(["j00", "j01", "j02"], orders)
    shuffled = list(ballots)
    random.Random(5).shuffle(shuffled)
    one, two = dict(instance, ballots=ballots), dict(instance, ballots=shuffled)
    assert inputs_hash(one) == inputs_hash(two)
    assert json.dumps(rank(one), sort_keys=True) == json.dumps(rank(two), sort_keys=True)


def test_cli_ranks_ballots_and_reports_unusable_ones(tmp_path):
    instance, _ = make_contest(seed=3, entries=10, judges=4, per_entry=2)
    finalists = ["e000", "e001", "e002"]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(dict(instance, ballots=ballots_for(["j00", "j01"], finalists))))
    done = run_cli(path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [row["entry"] for row in answer["ranking"][:3]] == finalists
    path.write_text(json.dumps(dict(instance, ballots={"j00": finalists})))
    done = run_cli(path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "ballots" in json.loads(done.stdout)["error"]


def test_the_simulator_gives_each_panel_judge_a_full_ballot():
    contest = simulation.simulate_contest(3, simulation.ContestShape(entries=(120, 120), judges=(10, 10)))
    finalists = contest.entry_ids[:7]
    panel = contest.judge_ids[:3]
    records = simulation.final_round_ballots(contest, finalists, panel)
    for judge in panel:
        mine = [r for r in records if r["judge"] == judge]
        assert sorted(r["position"] for r in mine) == list(range(1, 8))
        assert sorted(r["entry"] for r in mine) == finalists
    result = rank(dict(contest.instance, ballots=records))
    assert result["final_round"]["ballots"] == 3 and not [p for p in result["problems"] if "ballot" in p]


def test_a_ballot_orders_the_finalists_by_what_the_judge_perceived():
    perception = np.array([[3.0, 9.0, 5.0], [1.0, 2.0, 0.5]])
    records = simulation.ballots_from(perception, ["a", "b", "c"], ["j1", "j2"])
    placed = {(r["judge"], r["entry"]): r["position"] for r in records}
    assert [placed["j1", e] for e in "abc"] == [3, 1, 2]
    assert [placed["j2", e] for e in "abc"] == [2, 1, 3]


def test_the_oracle_final_reads_the_perceptions_as_numbers_with_the_true_judges():
    """Judges made almost noiseless: from the panel alone the oracle recovers the true order,
    although the judges' leniency and scale differ; round-1 sheets alone order them too."""
    contest = simulation.simulate_contest(5, simulation.ContestShape(entries=(200, 200), judges=(12, 12)))
    index = {e: i for i, e in enumerate(contest.entry_ids)}
    finalists = [contest.entry_ids[e] for e in np.argsort(-contest.quality)[:8]][::-1]
    truly = sorted(finalists, key=lambda e: -contest.quality[index[e]])
    panel = contest.judge_ids[:4]
    assert np.ptp(contest.leniency[[contest.judge_ids.index(j) for j in panel]]) > 0.5
    round_one = contest.instance
    contest.noise = np.full(len(contest.judge_ids), 1e-4)
    perception = simulation.final_round_perception(contest, finalists, panel)
    contest.instance = dict(round_one, scores=[])
    assert simulation.oracle_final_order(contest, finalists, panel, perception) == truly
    contest.instance = round_one
    alone = simulation.oracle_final_order(contest, finalists, [], np.empty((0, len(finalists))))
    assert alone != finalists                      # not the prior's (input) order: round 1 is read
    assert stats.kendalltau([contest.quality[index[e]] for e in alone], range(8, 0, -1)).statistic > 0


def test_a_judge_given_fewer_finalists_ranks_just_those(contest):
    instance, _ = contest
    finalists = finalists_of(instance)
    partial = finalists[:2] + finalists[3:]                # a conflict kept j02 from finalists[2]
    ballots = ballots_for(["j00", "j01"], finalists) + ballots_for(["j02"], partial)
    result = rank(dict(instance, ballots=ballots, final_round={"given": {"j02": partial}}))
    assert result["final_round"]["ballot_panel"] == ["j00", "j01", "j02"]
    assert not [p for p in result["problems"] if "ballot" in p]
    assert [row["entry"] for row in result["ranking"][:6]] == finalists
    dropped = rank(dict(instance, ballots=ballots))
    assert any("ballot of judge j02" in p and "finalist not placed" in p for p in dropped["problems"])
    with pytest.raises(InputError):
        rank(dict(instance, ballots=ballots, final_round={"given": {"j02": "e1"}}))
