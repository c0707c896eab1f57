"""Every problem the engines' JSON codecs find in an input is a catalogue code (issue 12): the
``InputError`` carries the messages, their codes for callers, and the English the CLI prints."""
from __future__ import annotations

import pytest

from contest.catalogue import MESSAGES, english
from contest.catalogue import forecast as forecast_catalogue
from contest.catalogue import scoring as scoring_catalogue
from contest.engines import allocation, final_forecast, scoring, winners
from contest.engines.cli import InputError

CRITERION = {"id": "c", "weight": 1, "min": 0, "max": 10}
RANKABLE = {"criteria": [CRITERION], "scores": [
    {"entry": e, "judge": j, "criterion": "c", "value": v}
    for e, j, v in (("e1", "j1", 7), ("e2", "j1", 4), ("e1", "j2", 6), ("e2", "j2", 5))]}

SCORING = [
    [1],
    {"criteria": [5, {"id": ""}, {"id": "a", "weight": 0, "min": "x", "max": 2},
                  {"id": "a", "weight": 1, "min": 5, "max": 1.5}, {"id": "b", "weight": -1, "min": 1.0, "max": 1}],
     "scores": "x", "method": "bogus", "prize_zone": 0, "final_round": {"extra_load": -1}, "judges": "x", "entries": 5},
    {"criteria": [], "scores": [], "final_round": 5},
    {"criteria": [CRITERION], "scores": [], "ballots": "x", "final_round": {"finalists": "x", "given": {"j": "x"}}},
]
ALLOCATION = [
    {"fixed_costs": "x", "countries": [5, {"id": "", "name": 3}]},
    {"budget": 1, "fixed_costs": [{"cost": 1}], "countries": {}, "winners": [7, {"id": "w", "preferences": "x"}]},
    {"budget": 1.5, "fixed_costs": [{"id": "f", "cost": "x"}, {"id": "f", "cost": -5000}],
     "countries": [{"id": "c", "cost": 1.0, "capacity": "2"}, {"id": "c", "cost": -1000000, "capacity": -1}],
     "winners": [{"id": "w", "rank": "1", "preferences": ["z", "c", "c"]}, {"id": "w", "rank": 1},
                 {"id": "u", "rank": 2}, {"id": "v", "rank": 2}]},
    {"budget": -7000, "fixed_costs": [], "countries": [], "winners": []},
    {"budget": 1000, "fixed_costs": [{"id": "f", "cost": 1500000}, {"id": "g", "cost": 2000}], "countries": [],
     "winners": []},
]
WINNERS = [
    {"places": -1, "share": "x", "contests": "x"},
    {"places": 1, "contests": [5, {"name": "no id"}, {"id": "a", "entries": -1, "ranking": [
        5, {"entry": ""}, {"entry": "e", "rank": 0}, {"entry": "e", "rank": 1, "authors": []},
        {"entry": "e", "rank": 1, "authors": ["p", "p"]}, {"entry": "e", "rank": 1, "authors": ["q"]}]},
        {"id": "a", "entries": 1.5}]},
]
FORECAST = [
    {"instance": 5, "own": "x", "target": True, "levels": [True]},
    {"instance": RANKABLE, "levels": [2, 0.1]},
    {"instance": RANKABLE, "own": 0.9},
    {"instance": RANKABLE, "cap": 2},
]

CASES = ([(scoring.rank, instance) for instance in SCORING]
         + [(scoring.codec.read_instance, [1]),
            (lambda instance: scoring.rank(instance, version=9), RANKABLE),
            (lambda instance: scoring.rank_input(scoring.codec.read_instance(instance), 9), RANKABLE),
            (lambda instance: scoring.breakdown(instance, "nobody"), RANKABLE),
            (lambda instance: scoring.plans_of_input(scoring.codec.read_instance(instance), [0.1]), {
                "criteria": [CRITERION], "scores": [{"entry": "e1", "judge": "j1", "criterion": "c", "value": 5,
                                                    "round": 2}]})]
         + [(allocation.solve, instance) for instance in ALLOCATION]
         + [(winners.solve, instance) for instance in WINNERS]
         + [(final_forecast.solve_json, instance) for instance in FORECAST])


def _raised(solve, instance) -> InputError:
    with pytest.raises(InputError) as caught:
        solve(instance)
    return caught.value


@pytest.mark.parametrize(("solve", "instance"), CASES)
def test_every_input_error_carries_codes(solve, instance):
    error = _raised(solve, instance)
    assert error.codes and len(error.codes) == len(error.problems) == len(error.messages)
    assert error.codes == [message.as_json() for message in error.messages]
    assert error.problems == [english(message) for message in error.messages]
    assert all(code["code"] in MESSAGES() for code in error.codes)


def test_the_bad_inputs_reach_every_input_code():
    raised = {code["code"] for solve, instance in CASES for code in _raised(solve, instance).codes}
    input_codes = (set(scoring_catalogue.INPUT) | set(forecast_catalogue.MESSAGES)
                   | {"key_missing", "key_not_list", "item_not_object", "item_text_invalid", "country_name_invalid",
                      "preferences_invalid", "budget_given_not_whole", "budget_given_negative", "fixed_prize_twice",
                      "fixed_cost_not_whole", "fixed_cost_negative", "country_twice", "country_cost_not_whole",
                      "country_cost_negative", "capacity_not_whole", "capacity_negative", "winner_twice",
                      "winner_rank_invalid", "winners_share_rank", "preference_unknown", "preference_twice",
                      "budget_below_fixed_prizes"}
                   | {"places_invalid", "share_unknown", "contests_not_list", "contest_item_invalid", "contest_twice",
                      "contest_entries_invalid", "ranking_row_not_object", "ranking_entry_invalid",
                      "ranking_rank_invalid", "ranking_authors_invalid", "author_listed_twice",
                      "entry_ranked_twice", "rank_given_twice"})
    assert input_codes - raised == set()


def test_english_is_the_cli_wording():
    """Values the JSON gave are written as their repr, sums grouped as the CLI writes them."""
    assert _raised(scoring.rank, SCORING[1]).problems[:6] == [
        "criteria[0]: must be an object",
        "criteria[1]: id must be a non-empty string",
        "criterion a: weight must be a positive number, got 0",
        "criterion a: min and max must be numbers, got 'x' and 2",
        "criterion a: duplicate id",
        "criterion a: min (5) must be below max (1.5)",
    ]
    assert _raised(allocation.solve, ALLOCATION[4]).problems == [
        "budget 1 000 UZS is smaller than the fixed prizes 1 502 000 UZS"]
    assert _raised(allocation.solve, ALLOCATION[3]).problems == [
        "budget: the budget must not be negative, got -7 000 UZS"]
    assert _raised(allocation.solve, ALLOCATION[2]).problems[-1] == "winners 'u' and 'v' share rank 2"
    assert _raised(winners.solve, WINNERS[0]).problems == [
        "'places' must be a whole number, 0 or more, got -1",
        "'share' must be one of proportional, equal, got 'x'",
        "'contests' must be a list"]
    assert _raised(final_forecast.solve_json, FORECAST[2]).problems == ["own: must lie between 0.01 and 0.5, got 0.9"]
