"""Prizes: the winners rule (pure), the catalogue, preferences, the budget page, what-if, commits."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from contest.engines import winners
from contest.engines.cli import InputError


# --------------------------------------------------------------------------- the rule (pure)

def _contest(cid, entries, teams, name=""):
    return {"id": cid, "name": name, "entries": entries,
            "ranking": [{"entry": f"{cid}-{n}", "rank": n, "authors": list(team)}
                        for n, team in enumerate(teams, start=1)]}


def test_largest_remainder_gives_the_leftover_places_to_the_largest_fractions():
    # 10 places, 52/31/17 entries: exact shares 5.2, 3.1, 1.7 -> 5, 3, 1 whole, 1 left -> 1.7 wins it.
    assert winners.quotas(10, [52, 31, 17]) == [5, 3, 2]
    # 10 places, 3 equal contests: 3.33 each, the one place left goes to the first listed (tie).
    assert winners.quotas(10, [1, 1, 1]) == [4, 3, 3]
    # remainder tie broken by the larger weight before the order: 7 places, weights 1 and 3 of 4.
    assert winners.quotas(2, [1, 3]) == [0, 2]
    assert winners.quotas(10, [0, 0, 0]) == [0, 0, 0] and winners.quotas(0, [5, 5]) == [0, 0]
    assert winners.quotas(4, [6, 6, 2]) == [2, 2, 0]


@given(st.integers(0, 40), st.lists(st.integers(0, 500), min_size=1, max_size=5))
def test_quotas_sum_to_the_places_and_stay_within_one_of_the_exact_share(places, weights):
    got = winners.quotas(places, weights)
    total = sum(weights)
    if total == 0 or places == 0:
        assert got == [0] * len(weights)
        return
    assert sum(got) == places
    for q, w in zip(got, weights):
        exact = Fraction(places * w, total)
        assert exact - 1 < q < exact + 1


def test_team_authors_each_take_a_place_and_a_team_that_does_not_fit_is_skipped_not_split():
    data = {"places": 4, "share": "equal", "contests": [
        _contest("idea", 10, [["u1", "u2"], ["u3", "a1", "a2"], ["u4"]], name="The Best Idea"),
        _contest("project", 10, [["u5"], ["u6"]]),
    ]}
    out = winners.solve(data)
    assert out["quotas"] == {"idea": 2, "project": 2}
    assert [w["person"] for w in out["winners"]] == ["u1", "u2", "u5", "u6"]  # rank order, then contest
    assert out["skipped"] == []  # idea's 2 places are full after the rank 1 team
    data["places"] = 6  # idea gets 3: team of 2, then a team of 3 does not fit 1 place, the single author does
    out = winners.solve(data)
    assert [w["person"] for w in out["winners"]] == ["u1", "u2", "u5", "u6", "u4"]
    assert out["skipped"] == [{"contest": "idea", "entry": "idea-2", "entry_rank": 2, "team": 3, "left": 1,
                               "authors": ["u3", "a1", "a2"]}]
    assert "team of 3 did not fit the 1 place left and was skipped" in out["explanations"]["u4"]
    assert out["explanations"]["a1"].startswith("not selected: the rank 2 entry's team of 3")
    assert out["quotas"] == {"idea": 3, "project": 3}
    assert out["unfilled"] == {"project": 1}  # two ranked entries for three places
    assert [w["order"] for w in out["winners"]] == [1, 2, 3, 4, 5]


def test_proportional_share_by_submitted_entries_and_unfilled_places_are_reported():
    data = {"places": 10, "share": "proportional", "contests": [
        _contest("idea", 52, [[f"i{n}"] for n in range(8)]),
        _contest("project", 31, [[f"p{n}"] for n in range(8)]),
        _contest("invention", 17, [["v0"]]),  # 2 places, one ranked entry
    ]}
    out = winners.solve(data)
    assert out["quotas"] == {"idea": 5, "project": 3, "invention": 2}
    assert out["shares"] == {"idea": "26/5", "project": "31/10", "invention": "17/10"}
    assert out["unfilled"] == {"invention": 1}
    assert len(out["winners"]) == 9


def test_a_person_with_two_winning_entries_takes_one_place():
    data = {"places": 3, "share": "equal", "contests": [_contest("idea", 5, [["u1"], ["u1", "u2"], ["u3"]])]}
    out = winners.solve(data)
    assert [w["person"] for w in out["winners"]] == ["u1", "u2", "u3"]


def test_bad_input_names_every_problem():
    with pytest.raises(InputError) as error:
        winners.solve({"places": -1, "share": "lottery", "contests": [
            {"id": "idea", "entries": 3, "ranking": [{"entry": "e1", "rank": 1, "authors": []},
                                                     {"entry": "e2", "rank": 1.5, "authors": ["u1"]}]}]})
    text = " | ".join(error.value.problems)
    assert "'places'" in text and "'share'" in text and "'authors'" in text and "'rank'" in text


def test_cli_reads_a_file_and_prints_the_answer(tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"places": 1, "contests": [_contest("idea", 1, [["u1"]])]}))
    done = subprocess.run([sys.executable, "-m", "contest.engines.winners", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["winners"][0]["person"] == "u1"
    path.write_text(json.dumps({"places": "ten", "contests": []}))
    done = subprocess.run([sys.executable, "-m", "contest.engines.winners", str(path)], capture_output=True, text=True)
    assert done.returncode == 2 and "'places'" in json.loads(done.stdout)["error"]
