"""Refilling seats after a declared conflict: locked pairs stay, seats go to eligible judges or stay empty."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from contest.engines.assignment import MISMATCH_AFFINITY
from contest.engines.refill import (
    PanelJudge, Refill, Shortfall, Vacancy, instance, read_request, refill, solve_json,
)

FIELDS = ["energy", "water"]


def brute_force(request: Refill) -> tuple[int, float]:
    """(seats left empty, affinity) of the best refill, by trying every choice of judges per seat."""
    locked = set(request.locked)
    conflicts = set(request.conflicts)
    load = Counter(j for j, _e in locked)
    options = []
    for vacancy in request.vacancies:
        allowed = [j for j in request.judges if (j.id, vacancy.entry) not in conflicts | locked]
        choices = [c for size in range(vacancy.seats + 1) for c in itertools.combinations(allowed, size)]
        options.append([(vacancy, c) for c in choices])
    best = None
    for plan in itertools.product(*options):
        used = Counter(j.id for _v, chosen in plan for j in chosen)
        if any(load[j.id] + used[j.id] > j.max_load for j in request.judges if used[j.id]):
            continue
        empty = sum(v.seats - len(chosen) for v, chosen in plan)
        affinity = sum(j.levels.get(v.field, MISMATCH_AFFINITY) if v.field else MISMATCH_AFFINITY
                       for v, chosen in plan for j in chosen)
        if best is None or (empty, -affinity) < (best[0], -best[1]):
            best = (empty, affinity)
    return best


@st.composite
def requests(draw) -> Refill:
    judge_ids = range(1, draw(st.integers(1, 4)) + 1)
    entry_ids = range(100, 100 + draw(st.integers(1, 5)))
    judges = [PanelJudge(j, draw(st.integers(0, 3)),
                         {f: draw(st.integers(1, 3)) for f in FIELDS if draw(st.booleans())}) for j in judge_ids]
    pairs = [(j, e) for j in judge_ids for e in entry_ids]
    locked = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=6))
    conflicts = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=4))
    chosen = draw(st.lists(st.sampled_from(list(entry_ids)), unique=True, min_size=1, max_size=3))
    vacancies = [Vacancy(e, draw(st.sampled_from([*FIELDS, None])), draw(st.integers(1, 2))) for e in chosen]
    return Refill(judges, vacancies, locked, [p for p in conflicts if p not in locked])


@settings(max_examples=150, deadline=None)
@given(requests())
def test_a_refill_is_optimal_and_keeps_every_rule(request):
    answer = refill(request)
    locked, conflicts = set(request.locked), set(request.conflicts)
    seats = {v.entry: v.seats for v in request.vacancies}
    assert answer.gap == 0
    kept = {(j, e) for j, e in answer.answer.pairs if j >= 0}  # a negative judge is a seat left empty
    assert kept == locked | set(answer.added), "a locked pair moved"
    for judge_id, entry_id in answer.added:
        assert entry_id in seats, "only entries that lost a judge get one"
        assert (judge_id, entry_id) not in conflicts and (judge_id, entry_id) not in locked
    added_to = Counter(e for _j, e in answer.added)
    empty = {s.entry: s.seats for s in answer.short}
    for entry_id, wanted in seats.items():
        assert added_to[entry_id] + empty.get(entry_id, 0) == wanted
    load = Counter(j for j, _e in [*locked, *answer.added])
    for judge in request.judges:
        gained = sum(1 for j, _e in answer.added if j == judge.id)
        assert gained == 0 or load[judge.id] <= judge.max_load, "a load limit was broken"
    assert (sum(empty.values()), answer.affinity) == brute_force(request)


def test_the_best_eligible_judge_takes_the_seat_and_nothing_else_moves():
    request = Refill(
        judges=[PanelJudge(1, 5, {"energy": 3}), PanelJudge(2, 5, {"energy": 1}), PanelJudge(3, 5, {"energy": 3}),
                PanelJudge(4, 1, {"energy": 3})],
        vacancies=[Vacancy(10, "energy")],
        locked=[(2, 10), (1, 11), (4, 11)], conflicts=[(1, 10)])
    answer = refill(request)
    # judge 1 is conflicted, judge 2 already judges it, judge 4 is full: judge 3 (level 3) it is
    assert answer.added == [(3, 10)] and answer.short == [] and answer.affinity == 3.0
    assert answer.answer.stats["locked_kept"] == 3


def test_a_seat_nobody_may_take_stays_empty_and_says_why():
    request = Refill(judges=[PanelJudge(1, 1), PanelJudge(2, 4), PanelJudge(3, 4)],
                     vacancies=[Vacancy(10, "energy")], locked=[(1, 11), (2, 10)], conflicts=[(3, 10)])
    answer = refill(request)
    assert answer.added == []
    assert answer.short == [Shortfall(entry=10, seats=1, conflicted=1, full=1, serving=1)]


def test_judges_who_left_keep_their_pairs_and_take_nothing_new():
    request = Refill(judges=[PanelJudge(1, 3)], vacancies=[Vacancy(10, None)], locked=[(9, 10), (9, 11)],
                     conflicts=[])
    problem = instance(request)
    assert {"id": "j9", "max_load": 2} in problem["judges"]
    answer = refill(request)
    assert answer.added == [(1, 10)] and answer.answer.stats["locked_kept"] == 2


def test_more_seats_filled_beats_more_affinity():
    # judge 1 (room for one) is an expert for entry 10 only; judge 2 can judge only entry 10.
    request = Refill(judges=[PanelJudge(1, 1, {"energy": 3}), PanelJudge(2, 1)],
                     vacancies=[Vacancy(10, "energy"), Vacancy(11, "water")], locked=[], conflicts=[(2, 11)])
    answer = refill(request)
    assert answer.added == [(1, 11), (2, 10)] and answer.short == []


REQUEST_JSON = {
    "judges": [{"id": 1, "max_load": 2, "levels": {"energy": 3}}, {"id": 2, "max_load": 1, "levels": {"energy": 1}},
               {"id": 3, "max_load": 5}],
    "vacancies": [{"entry": 10, "field": "energy"}, {"entry": 11, "field": "energy", "seats": 2}],
    "locked": [[2, 12]], "conflicts": [[3, 11]],
}


def test_the_json_face_reads_the_typed_question_and_answers_what_refill_answers():
    request = read_request(REQUEST_JSON)
    assert request.judges[2] == PanelJudge(3, 5, {}) and request.vacancies[0] == Vacancy(10, "energy", 1)
    answer = refill(request)
    assert solve_json(REQUEST_JSON) == {
        "added": [[1, 10], [1, 11]], "affinity": 6.0, "gap": answer.gap,
        "short": [{"entry": 11, "seats": 1, "conflicted": 1, "full": 1, "serving": 1}]}
    assert answer.gap == 0


def test_the_command_names_every_problem_of_its_input_and_exits_2(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"judges": [{"id": "j1", "max_load": 2}], "vacancies": [{"entry": 4, "field": 7}],
                                "locked": [[1]]}))
    done = subprocess.run([sys.executable, "-m", "contest.engines.refill", str(path)], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["problems"] == [
        "judges[0].id must be a whole number ≥ 0", "vacancies[0].field must be a field name or null",
        "locked[0] must be [judge id, entry id] (integers)"]
    path.write_text(json.dumps(REQUEST_JSON))
    done = subprocess.run([sys.executable, "-m", "contest.engines.refill", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout) == solve_json(REQUEST_JSON)
