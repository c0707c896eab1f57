"""How much extra judging the finalist round is worth: a forecast per effort, and a proposal.

For each effort (extra reviews as a share of round 1's), the round the scoring engine would plan
with that budget: its finalists, its panel, the reviews each panel judge adds (every panel judge
ranks every finalist), and the forecast share of the true top 10 the final ranking holds
(expected recall), beside the forecast for round 1 alone. The proposal is the smallest standard
effort whose forecast reaches the target, capped: when none does, the cap, and the answer says so.

Each forecast is the one :func:`contest.engines.scoring.rank` makes at that effort (same fit, same
draws); ``bench/simulate.py`` holds them to what the simulated contests realise.

Run as ``python -m contest.engines.final_forecast IN.json`` with
``{"instance": {<scoring instance>}, "own": 0.12}`` (``own``, ``levels``, ``target``, ``cap`` optional).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from contest.catalogue import Message
from contest.engines import scoring
from contest.engines.cli import InputError, exit_with

LEVELS = (0.05, 0.10, 0.15, 0.20)   # the efforts always shown
TARGET = 0.85                       # the expected top-10 recall worth reaching
CAP = 0.20                          # the most extra judging ever proposed
OWN_LOW, OWN_HIGH = 0.01, 0.50      # an organizer's own figure lies in this range


@dataclass(frozen=True)
class ForecastRequest:
    """The contest's scoring input (typed, or its JSON instance), and the organizer's own effort if they gave one."""

    instance: scoring.ScoringInput | Mapping
    own: float | None = None
    levels: Sequence[float] = LEVELS
    target: float = TARGET
    cap: float = CAP


@dataclass(frozen=True)
class Effort:
    """The finalist round one effort buys, and its forecast."""

    extra_load: float
    own: bool                       # the organizer's own figure
    budget: int                     # extra reviews allowed
    finalists: int
    panel: int
    reviews_per_judge: int          # extra reviews each panel judge makes: one per finalist
    extra_reviews: int              # finalists x panel
    expected_recall: float | None   # None: the budget buys no round (too few reviews for a panel)
    shortlist: list[str]            # the finalists, most promising first
    panel_suggestion: list[str]     # the panel, most precise first
    warning: dict | None            # why the budget buys no round: the scoring engine's warning code


@dataclass(frozen=True)
class Forecast:
    efforts: list[Effort]           # the standard levels in order, then the own figure (unless it is one of them)
    one_round_recall: float | None  # the forecast with no finalist round
    proposed: float                 # the default proposal's effort
    reached: bool                   # some effort within the cap reaches the target
    target: float
    cap: float
    round1_reviews: int
    prize_zone: int
    panel_candidates: list[str]     # every judge who could sit on a panel, most precise first

    def effort(self, extra_load: float) -> Effort:
        return next(e for e in self.efforts if math.isclose(e.extra_load, extra_load))

    @property
    def chosen(self) -> Effort:
        """The organizer's own figure when they gave one, else the proposal."""
        own = [e for e in self.efforts if e.own]
        return own[0] if own else self.effort(self.proposed)


def forecast(request: ForecastRequest) -> Forecast:
    """Every effort's round and forecast from one fit of round 1, and the proposal."""
    levels = sorted(set(request.levels))
    if not levels or any(not 0 < level <= 1 for level in levels):
        raise InputError(Message("forecast_levels_range"))
    if request.own is not None and not OWN_LOW <= request.own <= OWN_HIGH:
        raise InputError(Message("forecast_own_range",
                                 {"low": OWN_LOW, "high": OWN_HIGH, "given": repr(request.own)}))
    if not 0 < request.cap <= 1 or not 0 < request.target <= 1:
        raise InputError(Message("forecast_cap_target_range"))
    cap = max((level for level in levels if level <= request.cap + 1e-12), default=levels[0])
    own_extra = request.own is not None and not any(math.isclose(request.own, level) for level in levels)
    loads = levels + ([request.own] if own_extra else [])
    if isinstance(request.instance, scoring.ScoringInput):
        plans = scoring.plans_of_input(request.instance.round_one(), loads)
    else:
        plans = scoring.round_one_plans(dict(request.instance), loads)
    efforts = []
    for load, plan in zip(loads, plans.plans):
        finalists, budget = len(plan.shortlist), scoring.review_budget(load, plans.round1_reviews)
        efforts.append(Effort(
            extra_load=load, own=request.own is not None and math.isclose(load, request.own),
            budget=budget, finalists=finalists, panel=plan.panel_size,
            reviews_per_judge=finalists if plan.panel_size else 0, extra_reviews=finalists * plan.panel_size,
            expected_recall=plan.expected_recall, shortlist=[plans.entries[e] for e in plan.shortlist],
            panel_suggestion=plans.panel_candidates[: plan.panel_size],
            warning=scoring.plan_warning(budget, plan.panel_size,
                                         len(plans.panel_candidates), plans.prize_zone, len(plans.entries))))
    enough = [e.extra_load for e in efforts[: len(levels)]
              if e.extra_load <= cap and e.expected_recall is not None
              and e.expected_recall >= request.target - 1e-9]
    return Forecast(efforts, plans.one_round_recall, min(enough) if enough else cap, bool(enough), request.target,
                    cap, plans.round1_reviews, plans.prize_zone, plans.panel_candidates)


def read_request(data: Mapping) -> ForecastRequest:
    """The typed request from its JSON; every problem is named at once (InputError)."""
    problems: list[Message] = []
    instance = data.get("instance")
    if not isinstance(instance, dict):
        problems.append(Message("forecast_instance_invalid"))

    def number(key, default):
        value = data.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value)):
            problems.append(Message("forecast_not_number", {"key": key, "given": repr(value)}))
            return default
        return value

    own, target, cap = number("own", None), number("target", TARGET), number("cap", CAP)
    levels = data.get("levels", list(LEVELS))
    if not isinstance(levels, list) or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in levels):
        problems.append(Message("forecast_levels_invalid"))
        levels = list(LEVELS)
    if problems:
        raise InputError(problems)
    return ForecastRequest(instance, own, tuple(float(v) for v in levels), float(target), float(cap))


def answer_json(answer: Forecast) -> dict:
    return {**asdict(answer), "chosen": answer.chosen.extra_load}


def solve_json(data: Mapping) -> dict:
    return answer_json(forecast(read_request(data)))


if __name__ == "__main__":
    exit_with(solve_json)
