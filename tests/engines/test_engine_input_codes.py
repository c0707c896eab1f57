"""The assignment and refill engines refuse bad input in codes: every problem an ``InputError``
names is a catalogue message, and its English (what the command lines print) is that message's."""
from __future__ import annotations

import numpy as np
import pytest

from contest.catalogue import english
from contest.catalogue.assignment import INPUT_PROBLEMS
from contest.engines.assignment import AffinityMatrix, Entry, InputError, Judge, Problem, assign, read_problem
from contest.engines.refill import read_request, refill

ONE = {"entries": [{"id": "e1"}], "judges": [{"id": "j1"}]}

INSTANCES = [
    {"k": 1.5, "min_load": -1, "max_load": "x", "connect_tolerance": -1, "load_evening": 2, "affinity": "nope",
     "conflicts": 5, "locked": [[1]], "affinity_matrix": 7},
    {"min_load": 3, "max_load": 1, "entries": "x", "judges": [1, {"id": ""}, {"id": "j1"}, {"id": "j1"}],
     "connect_tolerance": "wide"},
    {"entries": [{"id": "e1", "k": 2.5, "field": "", "organization": 5}, {"id": "e1"}, {"id": "e2", "k": -1}],
     "judges": [{"id": "j1", "min_load": 1.5, "max_load": -2, "active": "yes", "fields": 5, "organization": [""]},
                {"id": "j2", "min_load": 3, "max_load": 1,
                 "fields": [{"field": ""}, {"field": "a", "level": 0}, "b", "b"]},
                {"id": "j3", "fields": {"x": 2e6}}],
     "conflicts": [["j9", "e1"], ["j1", "e9"], [5, 6]],
     "affinity": [["j1", "e1", 2e6], ["j1", "e1", 1], ["j1", "e1", 2], ["j2", "e2", "x"], ["j1", 3, 1], [1, 2]],
     "locked": [["j1", "e1"], ["j1", "e1"], ["jx", "e1"]]},
    {"entries": [{"id": "e1"}, {"id": "e2"}], "judges": [{"id": "j1"}],
     "affinity_matrix": {"entries": [1], "judges": ["j1", "j1", "j9"], "values": []}},
    {"entries": [{"id": "e1"}, {"id": "e2"}], "judges": [{"id": "j1"}],
     "affinity_matrix": {"entries": ["e1", "e1", "e9"], "judges": 5, "values": [], "values_base64": ""}},
    {"entries": [{"id": "e1"}], "judges": [{"id": "j1"}, {"id": "j2"}, {"id": "j3"}],
     "affinity_matrix": {"entries": ["e1"], "judges": ["j1"], "values": [[1]]}},
    {**ONE, "affinity_matrix": {"entries": ["e1"], "judges": ["j1"], "values": [["x"]]}},
    {**ONE, "affinity_matrix": {"entries": ["e1"], "judges": ["j1"], "values": [1, 2]}},
    {**ONE, "affinity_matrix": {"entries": ["e1"], "judges": ["j1"], "values": [[2e6]]}},
    {**ONE, "affinity_matrix": {"entries": ["e1"], "judges": ["j1"], "values_base64": "!!"}},
]

REQUESTS = [
    {"judges": [5, {"id": -1, "max_load": "x", "levels": {"a": "b"}}],
     "vacancies": [5, {"entry": 1, "field": 3, "seats": -1}], "locked": 5, "conflicts": [[1, "a"], [1, 2]]},
    {"judges": [{"id": 1, "max_load": 1}], "vacancies": [{"entry": 1, "field": None}], "locked": [[1, 2.0]],
     "conflicts": {}},
]


def _refusals():
    """Every bad input, each with the call that refuses it."""
    calls = [lambda data=data: read_problem(data) for data in [[], *INSTANCES]]
    calls += [lambda data=data: read_request(data) for data in REQUESTS]
    calls.append(lambda: refill(read_request(
        {"judges": [{"id": 1, "max_load": 2, "levels": {"a": 3}}],
         "vacancies": [{"entry": 1, "field": "a", "seats": 1_000_000}]})))
    calls.append(lambda: assign(Problem(entries=[Entry(1)], judges=[Judge(2)], k=1, conflicts=[(3, 1)])))
    calls.append(lambda: assign(Problem(entries=[Entry(1)], judges=[Judge(2)], k=1, affinity_matrix=AffinityMatrix(
        [1], [7], np.zeros((1, 1), dtype=np.float32)))))
    errors = []
    for call in calls:
        with pytest.raises(InputError) as caught:
            call()
        errors.append(caught.value)
    return errors


def test_every_refusal_carries_codes_and_their_english():
    for error in _refusals():
        assert error.messages and error.codes == [message.as_json() for message in error.messages]
        assert error.problems == [english(message) for message in error.messages]
        assert {message.code for message in error.messages} <= INPUT_PROBLEMS.keys()


def test_the_bad_inputs_reach_every_input_problem():
    assert {message.code for error in _refusals() for message in error.messages} == INPUT_PROBLEMS.keys()


def test_the_english_keeps_the_values_as_given():
    problems = [problem for error in _refusals() for problem in error.problems]
    for text in ["entry e1: 'k' must be a whole number, got 2.5", "duplicate entry id 'e1'",
                 "judge j1: 'max_load' must not be negative, got -2", "'max_load' must be a whole number, got 'x'",
                 "judge j3: level of field 'x' must be a number in (0, 1e+06], got 2000000.0",
                 "affinity [j1, e1]: value must be a number in [-1e+06, 1e+06], got 2000000.0",
                 "conflict [5, 6]: unknown judge 5 and unknown entry 6", "locked pair ['jx', 'e1']: unknown judge 'jx'",
                 "'affinity_matrix.judges' names unknown judges ['j9']",
                 "'affinity_matrix.values' must hold 1 x 1 numbers (one row per entry), got shape (2,)",
                 "'affinity_matrix.judges' misses 2 of the instance's judges",
                 "conflict [3, 1] names a judge or an entry the problem does not have",
                 "vacancies[1].seats must be a whole number ≥ 0"]:
        assert text in problems
