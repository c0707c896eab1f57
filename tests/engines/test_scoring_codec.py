"""The scoring engine's typed input and its JSON: one answer, one hash, whichever face is used."""
from __future__ import annotations

import json

import numpy as np
import pytest

from contest.engines import scoring
from contest.engines.scoring import codec


def typed_contest(seed=0, entries=(2, 3, 10, 11, 20, 100, 101), judges=(1, 2, 9, 10, 12), final=False,
                  ballots=False) -> scoring.ScoringInput:
    """Ids whose numeric order is not the order of their written names (e10 sorts before e2)."""
    rng = np.random.default_rng(seed)
    criteria = (scoring.Criterion(3, 2.0, 1.0, 10.0), scoring.Criterion(12, 1.0, 0.0, 5.0))
    rows = []
    for e in entries:
        for j in rng.choice(judges, size=3, replace=False):
            for c in criteria:
                rows.append((e, int(j), c.id, float(rng.integers(int(c.low), int(c.high) + 1)), 1))
    places, given = None, None
    if final:
        for e in entries[:3]:
            for j in judges[:3]:
                for c in criteria:
                    rows.append((e, j, c.id, float(rng.uniform(c.low, c.high)), 2))
    if ballots:
        places = tuple(scoring.Place(j, e, p) for j in judges[:3]
                       for p, e in enumerate(rng.permutation(entries[:4]).tolist(), start=1) if (j, e) != (1, 2))
        given = {1: tuple(sorted(entries[1:4]))}
        places = tuple(scoring.Place(p.judge, p.entry, p.position) for p in places)
        order = {}
        renumbered = []
        for p in places:
            order.setdefault(p.judge, []).append(p)
        for j, chosen in order.items():
            renumbered += [scoring.Place(j, p.entry, k) for k, p in enumerate(sorted(chosen, key=lambda p: p.position),
                                                                             start=1)]
        places = tuple(renumbered)
    entry, judge, criterion, value, round_no = zip(*rows)
    return scoring.ScoringInput(criteria, scoring.MarkTable.of(entry, judge, criterion, value, round_no),
                                entries=tuple(entries) + (500,), judges=tuple(judges), ballots=places, given=given,
                                prize_zone=3)


CASES = [typed_contest(), typed_contest(1, final=True), typed_contest(2, ballots=True),
         typed_contest(3, final=True, ballots=True),
         typed_contest(4, entries=(5, 40, 10**12, 7, 300, 9, 11), judges=(1, 2**40, 9, 10, 12))]  # ids far apart


@pytest.mark.parametrize("data", CASES)
@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_typed_input_hashes_as_its_json_form(data, version):
    assert codec.input_hash(data, version) == scoring.inputs_hash(codec.write_instance(data), version)


@pytest.mark.parametrize("data", CASES)
def test_a_typed_input_ranks_as_its_json_form(data):
    written = json.loads(json.dumps(codec.write_instance(data)))
    assert json.dumps(codec.write_result(scoring.rank_input(data))) == json.dumps(scoring.rank(written))
    assert json.dumps(codec.write_result(scoring.rank_input(data, version=2))) == json.dumps(
        scoring.rank(written, version=2))


def test_ids_are_written_as_neutral_codes_and_ordered_by_them():
    typed = scoring.rank_input(CASES[0])
    assert {row.entry for row in typed.rows} == {2, 3, 10, 11, 20, 100, 101}
    assert typed.unranked == (500,)
    assert [report.judge for report in typed.judges] == [1, 10, 12, 2, 9]
    answer = codec.write_result(typed)
    assert {row["entry"] for row in answer["ranking"]} == {f"e{e}" for e in (2, 3, 10, 11, 20, 100, 101)}
    assert answer["unranked"] == ["e500"]
    assert [row["judge"] for row in answer["judges"]] == ["j1", "j10", "j12", "j2", "j9"]


def test_the_json_form_reads_back_to_the_same_answer():
    data = CASES[3]
    again = codec.read_instance(codec.write_instance(data))
    assert codec.write_result(scoring.rank_input(again)) == codec.write_result(scoring.rank_input(data))


def test_a_typed_input_refuses_settings_out_of_range():
    with pytest.raises(ValueError):
        scoring.ScoringInput((), scoring.MarkTable.of([], [], [], [], []), method="median")
    with pytest.raises(ValueError):
        scoring.ScoringInput((), scoring.MarkTable.of([], [], [], [], []), prize_zone=0)
