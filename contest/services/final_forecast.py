"""The finalist round's forecast for the results page: the contest's round 1 in, each effort's round out.

The computation is :mod:`contest.engines.final_forecast`; this reads the contest's marks (as the
ranking does) and keeps the last answers, since the same marks and figure always give the same one.
"""
from __future__ import annotations

from contest.engines import final_forecast, scoring
from contest.engines.cli import InputError
from contest.engines.final_forecast import Effort, Forecast
from contest.engines.scoring.messages import explain
from contest.models import Contest
from contest.services import results

answers = results.RankingCache()       # the same least-recently-used store as the rankings'


class TooLargeToForecast(Exception):
    """Round 1 holds more score rows than a request may plan from."""


def forecast(contest: Contest, own: float | None = None, inline_limit: int | None = None) -> Forecast | None:
    """Each standard effort's round and forecast (and the organizer's own figure's), with the proposal.

    None when round 1 has nothing to plan from. With ``inline_limit``, an instance of more score
    rows than that whose forecast is not at hand raises :class:`TooLargeToForecast`.
    """
    data = results.build_input(contest)
    key = f"{scoring.codec.input_hash(data)}:{own!r}"
    found = answers.get(key)
    if found is not None:
        return found
    if inline_limit is not None and len(data.marks) > inline_limit:
        raise TooLargeToForecast()
    try:
        found = final_forecast.forecast(final_forecast.ForecastRequest(data, own))
    except InputError:
        return None
    answers.put(key, found)
    return found


_NO_ROUND = ("no_extra_review", "panel_unaffordable")   # the warnings that depend on the effort


def sized(result: dict, effort: Effort) -> dict:
    """The ranking's answer with its finalist round planned at ``effort`` instead of the engine's
    default load: shortlist, panel, budget, forecast, and the warning when that effort buys no round."""
    codes = [code for code in result.get("warning_codes") or [] if code.get("code") not in _NO_ROUND]
    codes += [effort.warning] if effort.warning else []
    return {**result, "shortlist": effort.shortlist, "panel_size": effort.panel,
            "panel_suggestion": effort.panel_suggestion, "review_budget": effort.budget,
            "extra_reviews": effort.extra_reviews, "shortlist_expected_recall": effort.expected_recall,
            "warning_codes": codes, "warnings": [explain(code) for code in codes]}
