"""The scoring engine's problems, warnings and outlier reasons: each is a code, and its English."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.engines.cli import InputError
from contest.engines.scoring import rank
from contest.engines.scoring.agreement import outlier_codes, outlier_reasons
from contest.engines.scoring.messages import CODES, explain
from contest.engines.scoring.model import Judges

CRITERIA = [{"id": "total", "weight": 1, "min": 0, "max": 100}]
PANELS = {"a": ("j1", "j2"), "b": ("j2", "j3"), "c": ("j3", "j1"), "d": ("j1", "j2")}


def mark(entry, judge, value, **extra):
    return {"entry": entry, "judge": judge, "criterion": "total", "value": value, **extra}


def instance(*more, **extra):
    """Four entries, three judges, two sheets an entry, all in one piece; ``more`` marks appended."""
    scores = [mark(entry, judge, 40 + 7 * k + 3 * n) for k, (entry, panel) in enumerate(sorted(PANELS.items()))
              for n, judge in enumerate(panel)]
    return {"criteria": CRITERIA, "scores": scores + list(more), **extra}


def place(judge, order, **extra):
    return [{"judge": judge, "entry": entry, "position": p, **extra} for p, entry in enumerate(order, start=1)]


def with_ballots(*rows, **extra):
    return instance(ballots=place("j1", "ab") + place("j2", "ab") + list(rows), **extra)


def _sheet_incomplete():
    inst = instance()
    inst["criteria"] = CRITERIA + [{"id": "team", "weight": 1, "min": 1, "max": 5}]
    inst["scores"] += [dict(s, criterion="team", value=3) for s in inst["scores"][1:]]
    return inst


#: At least one instance for every problem and warning code rank() can give.
MESSAGE_INSTANCES = {
    "id_invalid": lambda: instance(judges=["j1", ""]),
    "mark_not_object": lambda: instance(5),
    "mark_without_ids": lambda: instance({"entry": "a", "criterion": "total", "value": 5}),
    "mark_round_invalid": lambda: instance(mark("a", "j3", 5, round=3)),
    "criterion_unknown": lambda: instance({"entry": "a", "judge": "j3", "criterion": "novelty", "value": 5}),
    "value_not_number": lambda: instance(mark("a", "j3", "high")),
    "value_off_scale": lambda: instance(mark("a", "j3", 170.123456789)),
    "marked_twice_same": lambda: instance(mark("a", "j1", 40)),
    "marked_twice_different": lambda: instance(mark("a", "j1", 45)),
    "sheet_incomplete": _sheet_incomplete,
    "judge_sheets_dropped": lambda: instance(mark("a", "j4", 170)),
    "judge_scored_nothing": lambda: instance(judges=["j1", "j2", "j3", "j9"]),
    "entry_unranked": lambda: instance(mark("z", "j1", -1)),
    "ballot_entry_unranked": lambda: instance(ballots=place("j1", "aby") + place("j2", "aby")),
    "ballot_not_object": lambda: with_ballots(3),
    "ballot_without_ids": lambda: with_ballots({"judge": "j3", "position": 1}),
    "ballot_round_invalid": lambda: with_ballots(*place("j3", "ab", round=1)),
    "ballot_position_invalid": lambda: with_ballots({"judge": "j3", "entry": "a", "position": 1.5},
                                                    {"judge": "j3", "entry": "b", "position": 2}),
    "ballot_placed_twice_same": lambda: with_ballots(*place("j1", "a")),
    "ballot_dropped": lambda: with_ballots(*place("j3", "a")),
    "components": lambda: {"criteria": CRITERIA, "scores": [mark("a", "j1", 40), mark("a", "j2", 50),
                                                            mark("b", "j3", 60), mark("b", "j4", 70)]},
    "no_extra_review": instance,
    "panel_unaffordable": lambda: instance(final_round={"extra_load": 0.25}),
    "no_valid_ballot": lambda: instance(ballots=place("j1", "ab", round=1)),
}

#: Why a ballot is dropped: the reason codes inside ``ballot_dropped``.
REASON_INSTANCES = {
    "position_not_whole": MESSAGE_INSTANCES["ballot_position_invalid"],
    "placed_more_than_once": lambda: with_ballots(*place("j3", "ab"), {"judge": "j3", "entry": "a", "position": 2}),
    "not_finalists": lambda: with_ballots(*place("j3", "abc"), final_round={"finalists": ["a", "b"]}),
    "finalists_missing": MESSAGE_INSTANCES["ballot_dropped"],
    "position_shared": lambda: with_ballots(*place("j3", "a"), *place("j3", "b")),
    "position_beyond": lambda: with_ballots(*place("j3", "a"), {"judge": "j3", "entry": "b", "position": 3}),
}
OUTLIERS = {"low_agreement", "noisy", "lenient", "harsh", "compressed", "stretched"}


def check_messages(out: dict) -> set[str]:
    """Every message has a code rendering exactly its English; returns the codes seen (reasons too)."""
    seen = set()
    for text_key, code_key in (("problems", "problem_codes"), ("warnings", "warning_codes")):
        codes = out[code_key]
        assert json.loads(json.dumps(codes)) == codes, "codes must be plain JSON"
        assert all(isinstance(c, dict) and isinstance(c.get("code"), str) for c in codes)
        assert [explain(c) for c in codes] == out[text_key]
        seen |= {c["code"] for c in codes}
        seen |= {r["code"] for c in codes for r in c.get("reasons", [])}
    for row in out["judges"]:
        assert [explain(c) for c in row["outlier_codes"]] == row["outlier_reasons"]
        assert row["outlier"] == bool(row["outlier_codes"])
        seen |= {c["code"] for c in row["outlier_codes"]}
    return seen


def test_every_code_is_exercised_here():
    covered = set(MESSAGE_INSTANCES) | set(REASON_INSTANCES) | OUTLIERS | {"nothing_to_rank"}
    assert covered == set(CODES)


@pytest.mark.parametrize("code", sorted(MESSAGE_INSTANCES) + sorted(REASON_INSTANCES))
def test_every_message_has_a_code_that_renders_its_english(code):
    out = rank((MESSAGE_INSTANCES.get(code) or REASON_INSTANCES[code])())
    assert code in check_messages(out)


def test_the_codes_keep_marks_exactly_as_given():
    out = rank(MESSAGE_INSTANCES["value_off_scale"]())
    (code,) = [c for c in out["problem_codes"] if c["code"] == "value_off_scale"]
    assert code == {"code": "value_off_scale", "judge": "j3", "entry": "a", "round": 1, "criterion": "total",
                    "value": 170.123456789, "min": 0.0, "max": 100.0}
    assert "value 170.123456789 is outside its scale 0..100; sheet dropped" in out["problems"][0]


def test_problems_stay_sorted_and_distinct_with_their_codes_beside():
    out = rank(instance(mark("a", "j1", 40), mark("a", "j1", 40), mark("b", "j3", "x"), 5, judges=["j1", "j9"]))
    assert out["problems"] == sorted(set(out["problems"])) and len(out["problems"]) == 4
    assert [c["code"] for c in out["problem_codes"]] == ["marked_twice_same", "value_not_number",
                                                          "judge_scored_nothing", "mark_not_object"]
    check_messages(out)


def test_a_dropped_ballot_names_every_reason_in_order():
    out = rank(with_ballots({"judge": "j3", "entry": "a", "position": 1.5}, *place("j3", "b"),
                            {"judge": "j3", "entry": "c", "position": 3}, final_round={"finalists": ["a", "b"]}))
    (dropped,) = [c for c in out["problem_codes"] if c["code"] == "ballot_dropped"]
    assert [r["code"] for r in dropped["reasons"]] == ["position_not_whole", "not_finalists", "position_beyond"]
    check_messages(out)


def test_outlier_reasons_are_codes_with_their_english():
    # Judge 0 is ordinary; the others are each unusual in one way against the panel's medians.
    judges = Judges(leniency=np.array([0.0, 1.0, -1.0, 30.0, -30.0, 2.0, -2.0, 0.5, 0.0]),
                    scale=np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 2.5, 1.0, 1.0]),
                    noise=np.array([5.0, 5.0, 20.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]))
    agreement = np.array([0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, np.nan, 0.9])
    counts = np.array([5, 5, 5, 5, 5, 5, 5, 5, 0])
    codes = outlier_codes(judges, agreement, counts)
    assert [[c["code"] for c in found] for found in codes] == [
        [], ["low_agreement"], ["noisy"], ["lenient"], ["harsh"], ["compressed"], ["stretched"], [], []]
    assert outlier_reasons(judges, agreement, counts) == [[explain(c) for c in found] for found in codes]
    assert outlier_reasons(judges, agreement, counts)[3] == ["much more lenient than the others"]


def test_a_ranking_flags_its_outliers_with_codes():
    from tests.engines.test_scoring import make_contest

    inst, _truth = make_contest(seed=3, entries=40, judges=8, per_entry=4)
    for score in inst["scores"]:
        if score["judge"] == "j03":
            score["value"] = 100.0 - score["value"]        # j03 marks backwards
    row = {r["judge"]: r for r in rank(inst)["judges"]}["j03"]
    assert {"code": "low_agreement"} in row["outlier_codes"]
    assert row["outlier_reasons"] == [explain(c) for c in row["outlier_codes"]]


def test_an_instance_with_no_usable_sheet_raises_with_codes():
    with pytest.raises(InputError) as caught:
        rank({"criteria": CRITERIA, "scores": [mark("a", "j1", 170), mark("b", "j1", "x")]})
    codes = caught.value.codes
    assert [c["code"] for c in codes][-1] == "nothing_to_rank"
    assert {c["code"] for c in codes} >= {"value_off_scale", "value_not_number", "judge_sheets_dropped"}
    assert [explain(c) for c in codes] == caught.value.problems


def test_unknown_code_is_refused():
    with pytest.raises(ValueError):
        explain({"code": "no_such_code"})


def test_the_codes_are_byte_identical_whatever_the_order_of_records():
    inst = MESSAGE_INSTANCES["ballot_dropped"]()
    inst["scores"].append(mark("a", "j1", 170))
    shuffled = dict(inst, scores=list(reversed(inst["scores"])), ballots=list(reversed(inst["ballots"])))
    assert json.dumps(rank(inst)) == json.dumps(rank(shuffled))


# --------------------------------------------------------------------------- random bad input

BAD_MARKS = st.one_of(
    st.builds(mark, st.sampled_from("abcz"), st.sampled_from(["j1", "j2", "j3", "j4", ""]),
              st.one_of(st.integers(-5, 120), st.floats(-5, 120), st.sampled_from(["x", None, True])),
              round=st.sampled_from([1, 2, 3, 1.0, True, "1"])),
    st.sampled_from([5, "x", {"entry": "a"}, {"entry": "a", "judge": "j1", "criterion": "novelty", "value": 3}]),
)
BAD_PLACES = st.one_of(
    st.fixed_dictionaries({"judge": st.sampled_from(["j1", "j2", "j3"]), "entry": st.sampled_from("abcy"),
                           "position": st.one_of(st.integers(0, 4), st.sampled_from([1.5, "2", True]))}),
    st.sampled_from([3, {"judge": "j1"}, {"judge": "j2", "entry": "a", "position": 1, "round": 1}]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(marks=st.lists(BAD_MARKS, max_size=6), places=st.lists(BAD_PLACES, max_size=6),
       ballots=st.booleans(), judges=st.sampled_from([None, ["j1", "j9"], ["j1", 0, ""]]))
def test_messages_match_their_codes_on_random_bad_input(marks, places, ballots, judges):
    inst = instance(*marks, **({"judges": judges} if judges is not None else {}))
    if ballots:
        inst["ballots"] = place("j1", "ab") + place("j2", "ba") + places
    try:
        out = rank(json.loads(json.dumps(inst)))
    except InputError as exc:
        assert exc.codes is None or [explain(c) for c in exc.codes] == exc.problems
        return
    check_messages(out)
