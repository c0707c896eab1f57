"""The scoring engine's typed answer: written as the JSON of docs/scoring.md key for key, and every
stored answer (engine versions 1, 2, 3, with or without the codes) read back and written again
identically."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.catalogue import Message
from contest.engines import scoring, simulation
from contest.engines.scoring import codec
from tests.engines.test_scoring_codec import CASES, typed_contest

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parents[2] / "docs" / "scoring.md"


def published() -> list[dict]:
    return [case["result"] for name in ("published_v1.json", "published_v2.json")
            for case in json.loads((DATA / name).read_text())["published"]]


def stored(answer: dict) -> str:
    return json.dumps(answer, sort_keys=True)


@pytest.mark.parametrize("answer", published())
def test_a_published_answer_reads_back_and_writes_identically(answer):
    typed = codec.read_result(answer)
    assert stored(codec.write_result(typed)) == stored(answer)
    assert typed.version == answer.get("engine_version", 1)
    assert [typed.entry_name(row.entry) for row in typed.rows] == [row["entry"] for row in answer["ranking"]]
    assert all(isinstance(row.entry, int) for row in typed.rows)


def test_an_answer_from_before_the_codes_reads_back_without_them():
    answer = json.loads(json.dumps(published()[0]))
    for key in ("problem_codes", "warning_codes", "panel_candidates", "engine_version"):
        answer.pop(key, None)
    for row in answer["judges"]:
        row.pop("outlier_codes")
    typed = codec.read_result(answer)
    assert typed.problems is typed.warnings is typed.panel_candidates is typed.engine_version is None
    assert all(report.outlier_codes is None for report in typed.judges)
    assert typed.version == 1
    assert stored(codec.write_result(typed)) == stored(answer)


@pytest.mark.parametrize("data", CASES)
@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_typed_answer_is_the_json_answer(data, version):
    """The engine's typed answer, written, is the CLI's answer in the same key order, and reads back
    to an equal typed answer (ids as the input's: a service's entry 42 is row.entry == 42)."""
    typed = scoring.rank_input(data, version)
    written = codec.write_result(typed)
    assert json.dumps(written) == json.dumps(scoring.rank(json.loads(json.dumps(codec.write_instance(data))),
                                                          version))
    again = codec.read_result(json.loads(stored(written)))
    assert again == typed.__class__(**{**vars_of(typed), "names": again.names})
    assert {row.entry for row in typed.rows} <= set(np.unique(data.marks.entry).tolist())


def vars_of(ranking) -> dict:
    return {name: getattr(ranking, name) for name in ranking.__dataclass_fields__}


def test_the_codes_are_catalogue_messages_with_the_json_parameters():
    typed = scoring.rank_input(typed_contest(3, final=True, ballots=True))
    written = codec.write_result(typed)
    assert all(isinstance(m, Message) for m in typed.problems + typed.warnings)
    assert [m.as_json() for m in typed.problems] == written["problem_codes"]
    assert [m.as_json() for m in typed.warnings] == written["warning_codes"]
    assert typed.ballot_scores and typed.final_round.ballot_panel == (1, 2, 9)


def test_the_documented_example_reads_back_identically():
    block = DOCS.read_text().split("```json")[1].split("```")[0]
    answer = scoring.rank(json.loads(block))
    assert json.dumps(codec.write_result(codec.read_result(answer))) == json.dumps(answer)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), method=st.sampled_from(scoring.METHODS), final=st.booleans())
def test_random_answers_round_trip(seed, method, final):
    shape = simulation.ContestShape(entries=(15, 40), judges=(4, 8), sheets_per_judge=(8, 15))
    instance = dict(simulation.simulate_contest(seed, shape).instance, method=method)
    if final:
        instance["final_round"] = {"extra_load": 0.3}
    answer = scoring.rank(instance)
    assert json.dumps(codec.write_result(codec.read_result(answer))) == json.dumps(answer)
    assert stored(codec.write_result(codec.read_result(json.loads(stored(answer))))) == stored(answer)
    assert codec.write_result(scoring.rank_input(codec.read_instance(instance))) == answer


def test_a_partial_answer_still_gives_its_rows_with_the_services_ids():
    typed = codec.read_result({"ranking": [{"entry": "e42", "rank": 1, "score": 9.5}, {"entry": "e7", "rank": 2}]})
    assert [(row.entry, row.rank, row.score) for row in typed.rows] == [(42, 1, 9.5), (7, 2, None)]
    assert typed.entry_name(42) == "e42" and typed.shortlist == () and typed.problems is None
