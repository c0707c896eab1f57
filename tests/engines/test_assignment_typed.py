"""The assignment engine's typed face: integer ids in and out, the JSON the platform stores, and
the last check of every answer (a broken rule is an error, also under ``python -O``)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from contest.catalogue import Message
from contest.engines.assignment import (
    Answer, Entry, InvariantBroken, Judge, Problem, answer_json, assign, problem_json, read_answer, solve,
)
from contest.engines.assignment.certificate import check
from contest.engines.assignment.instance import prepare, residual


def season() -> Problem:
    """The platform's kind of problem: database ids, a judge who left with a scored pair."""
    return Problem(
        k=2, min_load=0, max_load=3,
        entries=[Entry(11, "energy", 2), Entry(12, "water", 2), Entry(13, "energy", 1)],
        judges=[Judge(7, {"energy": 3}, 0, 3), Judge(8, {"water": 1}, 0, 3), Judge(9, {"energy": 2}, 0, 2),
                Judge(5, active=False)],
        conflicts=[(7, 13)], locked=[(5, 11)], load_evening=0.0)


def test_integer_ids_in_and_out_answer_as_the_json_face_does():
    problem = season()
    answer = assign(problem)
    assert answer.status == "optimal" and answer.gap == 0
    assert all(isinstance(j, int) and isinstance(e, int) for j, e in answer.pairs)
    assert (7, 13) not in answer.pairs and not any(j == 5 for j, _e in answer.pairs)
    assert answer.warnings == [Message("locked_released_inactive", {"judge": 5, "entry": 11})]
    assert set(answer.stats["loads"]) <= {7, 8, 9}
    # the same problem through its stored JSON (names "j7", "e11") answers the same, named
    assert solve(json.loads(json.dumps(problem_json(problem)))) == answer_json(answer)


def test_the_stored_instance_keeps_the_platforms_format():
    """Runs are hashed on this JSON: a dry run stored before keeps its hash, so it can still be committed."""
    assert problem_json(season()) == {
        "k": 2, "min_load": 0, "max_load": 3,
        "entries": [{"id": "e11", "field": "energy", "k": 2}, {"id": "e12", "field": "water", "k": 2},
                    {"id": "e13", "field": "energy", "k": 1}],
        "judges": [{"id": "j7", "fields": {"energy": 3}, "min_load": 0, "max_load": 3},
                   {"id": "j8", "fields": {"water": 1}, "min_load": 0, "max_load": 3},
                   {"id": "j9", "fields": {"energy": 2}, "min_load": 0, "max_load": 2},
                   {"id": "j5", "active": False}],
        "conflicts": [["j7", "e13"]], "locked": [["j5", "e11"]], "load_evening": 0.0}


def test_a_stored_answer_reads_back_typed_and_keeps_english_it_has_no_code_for():
    answer = assign(season())
    stored = json.loads(json.dumps(answer_json(answer)))
    again = read_answer(stored)
    assert (again.pairs, again.warnings, again.stats["loads"]) == (answer.pairs, answer.warnings, answer.stats["loads"])
    older = {"status": "infeasible", "pairs": [], "components": 0, "problems": ["said in English"], "warnings": []}
    assert read_answer(older) == Answer("infeasible", [], None, None, None, 0, ["said in English"], [], {})
    unknown = dict(older, problem_codes=[{"code": "from_the_future"}], warning_codes=[])
    assert read_answer(unknown).problems == ["said in English"]


def _broken(pj, pe, n_locked=0):
    problem = season()
    inst = prepare(problem)
    res = residual(inst, [])
    return lambda: check(inst, res, np.array(pj, dtype=np.int64), np.array(pe, dtype=np.int64), n_locked)


def test_a_broken_assignment_is_an_error_not_a_result():
    # indices in name order: judges j5, j7, j8, j9 (0..3); entries e11, e12, e13 (0..2)
    fine = ([1, 2, 1, 3, 3], [0, 0, 1, 1, 2])
    _broken(*fine)()  # every rule holds: nothing raised
    with pytest.raises(InvariantBroken, match="conflicted pair"):
        _broken([1, 2, 2, 3, 1], [0, 0, 1, 1, 2])()          # j7 judges e13, a conflict
    with pytest.raises(InvariantBroken, match="load is out of bounds"):
        _broken([3, 2, 3, 2, 3], [0, 0, 1, 1, 2])()          # j9 takes 3 entries, its max is 2
    with pytest.raises(InvariantBroken, match="repeated"):
        _broken([1, 1, 2, 3, 3], [0, 0, 1, 1, 2])()
    with pytest.raises(InvariantBroken, match="inactive judge"):
        _broken([0, 2, 1, 3, 3], [0, 0, 1, 1, 2])()


def test_the_check_holds_under_python_O():
    """``python -O`` strips asserts; the check is an exception, so it still refuses."""
    script = ("from tests.engines.test_assignment_typed import _broken\n"
              "from contest.engines.assignment import InvariantBroken\n"
              "assert False, 'asserts are on: this is not python -O'\n"
              "try:\n    _broken([1, 2, 2, 3, 1], [0, 0, 1, 1, 2])()\n"
              "except InvariantBroken as error:\n    print('refused:', error)\n")
    done = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "refused: a conflicted pair was assigned" in done.stdout


def test_the_web_writes_ids_as_entry_codes_and_names_in_every_part_of_a_sentence():
    """Ids inside inner parts (the eligible judges, "and N more") are written by the same presenter."""
    from pathlib import Path

    from babel.support import Translations

    from contest.catalogue import ENGLISH, render
    from contest.catalogue.assignment import presenter, sentence

    names = {1: "Ann", 2: "Bob"}

    def speaker(translations):
        return lambda message, present: render(message, translations, present)

    code = Message("entry_short", {"entry": 42, "more": 2, "locked": 0, "eligible": [1, 2], "eligible_count": 10,
                                   "conflicted": 1, "full": 0, "inactive": 0})
    english = presenter(speaker(ENGLISH), names.get, lambda e: f"E-{e:05d}")
    assert render(sentence(code), ENGLISH, english) == (
        "entry E-00042 needs 2 more judges but only 10 eligible judges remain (Ann, Bob and 8 more); 1 conflicted")
    russian = Translations.load(str(Path(__file__).resolve().parents[2] / "contest" / "translations"), ["ru"])
    text = render(sentence(code), russian, presenter(speaker(russian), names.get, lambda e: f"E-{e:05d}"))
    assert text == ("работе E-00042 нужны ещё 2 эксперта, но осталось лишь 10 подходящих экспертов "
                    "(Ann, Bob и ещё 8); остальные: 1 с конфликтом интересов")


def test_a_pair_naming_an_id_the_problem_lacks_is_refused():
    from contest.engines.cli import InputError

    with pytest.raises(InputError, match="names a judge or an entry the problem does not have"):
        assign(Problem(entries=[Entry(1)], judges=[Judge(2)], k=1, conflicts=[(3, 1)]))
