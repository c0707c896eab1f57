"""Rank contest entries from judges' rubric marks, with honest uncertainty: the engine's core.

Typed data in (:class:`ScoringInput`), the answer of docs/scoring.md out: the ranking, its
intervals, the judges' diagnostics, the reliability of the panel and the proposed finalist
round. The same input always gives byte-identical JSON: iteration is in the order of the ids'
written names, the Monte Carlo seed comes from the inputs hash, floats are rounded at the output.

Every problem, warning and outlier reason is first a code (``problem_codes``, ``warning_codes``,
each judge's ``outlier_codes``); the English of ``problems``, ``warnings`` and
``outlier_reasons`` is rendered from it by :func:`messages.explain`, which lists them.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from contest.catalogue import Message
from contest.engines.cli import InputError
from contest.engines.scoring import codec
from contest.engines.scoring.agreement import components, krippendorff_alpha_interval
from contest.engines.scoring.ballots import Ballots, ballot_draws, ballot_matrix, ballot_scores, read_ballots
from contest.engines.scoring.digest import VERSION
from contest.engines.scoring.inputs import ScoringInput
from contest.engines.scoring.messages import explain, sorted_messages
from contest.engines.scoring.model import Fit, Sheets, fit_mean, fit_zscore
from contest.engines.scoring.result import Ranking
from contest.engines.scoring.report import judge_rows, ranking_rows, rounded, with_silent_judges
from contest.engines.scoring.rounds import MIN_PANEL, PLAN_TRUTHS, Plan, plan_final_round, promising_order
from contest.engines.scoring.sheets import read_marks, scored_only
from contest.engines.scoring.solver import fit_calibrated
from contest.engines.scoring.uncertainty import Uncertainty, summarise

DRAWS = 2000                       # Monte Carlo draws for intervals, rank intervals and p_top
JUDGE_DRAWS = 100                  # version 2: draws of the judges' parameters (each a Gaussian posterior)
VERSIONS = (1, 2, 3)
INTERVAL = 0.90                    # central interval for score_low/high and rank_low/high


@dataclass(frozen=True)
class Digests:
    """The inputs hash of the input, and (computed only when a final round is in) of its round 1."""

    full: str
    round_one: Callable[[], str]

    @classmethod
    def of(cls, data: ScoringInput, version: int) -> Digests:
        return cls(codec.input_hash(data, version), lambda: codec.input_hash(data.round_one(), version))


def rank_input(data: ScoringInput, version: int = VERSION, digests: Digests | None = None) -> Ranking:
    """Rank the entries of one contest: the typed answer (:class:`Ranking`, ids as the input's);
    :func:`codec.write_result` writes the JSON of docs/scoring.md, every key described there.

    Raises :class:`InputError` only when no sheet is usable; bad marks are dropped and named in
    ``problems`` while the rest is ranked. ``version`` 1 recomputes a ranking published before
    version 2 (full Monte Carlo), digit for digit. ``digests``: the inputs hashes, when the caller
    has them (the JSON face hashes the JSON as it was written).
    """
    if version not in VERSIONS:
        raise InputError(Message("version_unknown", {"versions": str(VERSIONS), "given": repr(version)}))
    method, prize_zone, extra_load = data.chosen_method, data.chosen_prize_zone, data.chosen_extra_load
    marks = read_marks(data)
    ballots = _read_ballots(data)
    digests = digests or Digests.of(data, version)
    digest = digests.full
    seed = int(digest[:16], 16)

    scored = scored_only(marks)
    all_sheets = scored.sheets()
    first = scored.sheets(rounds=(1,))
    finalist = np.bincount(all_sheets.entry[np.asarray(scored.round) == 2], minlength=len(scored.entries)) > 0
    by_ballot = None
    if ballots is not None and ballots.positions:
        # Ballots decide the final: the finalists are the entries the panel ranked.
        matrix = ballot_matrix(ballots, scored.entries)
        placed = ballot_scores(matrix)
        finalist = ~np.isnan(placed)
        drawn = matrix if version == 1 else matrix[:, finalist]
        by_ballot = (placed, ballot_draws(drawn, DRAWS, np.random.default_rng([seed, 5])))
        for entry in ballots.entries:
            if entry not in set(scored.entries):
                marks.problems.append({"code": "ballot_entry_unranked", "entry": entry})

    fit = _fit(method, all_sheets, np.random.default_rng([seed, 1]), version)
    diagnostic = fit if method == "calibrated" else _fit(
        "calibrated", all_sheets, np.random.default_rng([seed, 2]), version, 0)
    summary = _summary(fit, finalist, prize_zone, by_ballot, version, np.random.default_rng([seed, 3]))
    entry_id, judge_id = _id_readers(data)
    labels = components(all_sheets)
    ranking = ranking_rows(scored, all_sheets, fit, finalist, summary, by_ballot, list(map(entry_id, scored.entries)),
                           (labels + 1).tolist())
    p_top = summary.p_top
    judges_out, panel_order, panel_noise = judge_rows(scored, all_sheets, diagnostic)

    budget = review_budget(extra_load, len(first.total))
    plan_seed = seed
    plan_fit, plan_summary = fit, summary
    if finalist.any():
        # Round 2 is in: redo the proposal exactly as it was made, from round 1 alone.
        plan_seed = int(digests.round_one()[:16], 16)
        plan_fit = _fit(method, first, np.random.default_rng([plan_seed, 1]), version)
        nobody = np.zeros(len(scored.entries), bool)
        if version == 1:
            _, p_top = _monte_carlo_ranks(plan_fit.draws, nobody, prize_zone)
        else:
            plan_summary = _summary(plan_fit, nobody, prize_zone, None, version,
                                    np.random.default_rng([plan_seed, 3]))
            p_top = plan_summary.p_top
        plan_diagnostic = plan_fit if method == "calibrated" else _fit(
            "calibrated", first, np.random.default_rng([plan_seed, 2]), version, 0)
        _, panel_order, panel_noise = judge_rows(scored, first, plan_diagnostic)
    order = promising_order(p_top, plan_fit.score, scored.entries)
    plan_rng = np.random.default_rng([plan_seed, 4])
    if version == 1:
        plan = plan_final_round(plan_fit.draws, order, prize_zone, budget, panel_noise, plan_rng)
    else:
        plan = _plan(plan_fit, plan_summary, order, prize_zone, budget, panel_noise, plan_rng)

    position = {name: e for e, name in enumerate(scored.entries)}
    n_components = int(labels.max()) + 1
    warnings: list[dict] = []
    if n_components > 1:
        sizes = np.bincount(labels[labels >= 0])
        warnings.append({"code": "components", "components": n_components, "sizes": [int(s) for s in sizes]})
    if (unplanned := plan_warning(budget, plan.panel_size, len(panel_noise), prize_zone, len(scored.entries))):
        warnings.append(unplanned)
    if ballots is not None and not ballots.positions and (data.ballots or data.ballot_problems):
        warnings.append({"code": "no_valid_ballot"})
    problems, problem_codes = sorted_messages(marks.problems + (ballots.problems if ballots is not None else []))

    reliability = krippendorff_alpha_interval(first.entry, first.total)
    round_two = int(np.sum(np.asarray(scored.round) == 2)) + (ballots.reviews() if ballots is not None else 0)
    answer = {
        "engine_version": version,
        "method": method,
        "inputs_hash": digest,
        "prize_zone": prize_zone,
        "ranking": [],
        "unranked": [e for e in marks.entries if e not in position],
        "shortlist": [scored.entries[e] for e in plan.shortlist],
        "panel_size": plan.panel_size,
        "panel_suggestion": [scored.judges[j] for j in panel_order[: plan.panel_size]],
        "panel_candidates": [scored.judges[j] for j in panel_order],
        "review_budget": budget,
        "extra_reviews": len(plan.shortlist) * plan.panel_size,
        "shortlist_expected_recall": plan.expected_recall,
        "final_round": {
            "finalists": int(finalist.sum()),
            "round1_reviews": len(first.total),
            "round2_reviews": round_two,
            "extra_load": round_two / len(first.total) if len(first.total) else None,
            **({"ballots": len(ballots.positions), "ballot_panel": ballots.judges} if ballots is not None else {}),
        },
        "judges": with_silent_judges(judges_out, marks.judges),
        "calibration_centre": diagnostic.centre,
        "reliability": reliability,
        "reliability_metric": "krippendorff_alpha_interval_round1_totals",
        "components": n_components,
        "problems": problems,
        "warnings": [explain(code) for code in warnings],
    }
    # The codes skip the rounding: they hold marks exactly as given, as their English does.
    # The ranking's rows are typed and rounded as they are built (ranking_rows): thousands at national size.
    answer = rounded(answer)
    result = codec.read_result({**answer, "problem_codes": problem_codes, "warning_codes": warnings}, data.names,
                               (entry_id, judge_id))
    return replace(result, rows=tuple(ranking), ballot_scores=by_ballot is not None)


def _id_readers(data: ScoringInput):
    """How the answer's entry and judge names read back as the input's integer ids."""
    names, marks = data.names, data.marks
    entries = set(np.unique(marks.entry).tolist()) | set(data.entries or ()) | set(data.finalists or ())
    judges = set(np.unique(marks.judge).tolist()) | set(data.judges or ())
    for place in data.ballots or ():
        entries.add(place.entry)
        judges.add(place.judge)
    for judge, chosen in (data.given or {}).items():
        judges.add(judge)
        entries.update(chosen)
    return ({names.entry(e): e for e in entries}.__getitem__, {names.judge(j): j for j in judges}.__getitem__)


def _read_ballots(data: ScoringInput) -> Ballots | None:
    """The final round's ballots by name, checked (None when the input has none)."""
    if data.ballots is None:
        return None
    names = data.names
    ballots = read_ballots([(names.judge(p.judge), names.entry(p.entry), p.position) for p in data.ballots],
                           None if data.finalists is None else [names.entry(e) for e in data.finalists],
                           None if data.given is None else {names.judge(j): [names.entry(e) for e in chosen]
                                                            for j, chosen in data.given.items()})
    ballots.problems[:0] = data.ballot_problems
    return ballots


def read_sheets(data: ScoringInput) -> tuple[Sheets, list[str], list[str], list[int]]:
    """The usable sheets as model input: (sheets, entry names, judge names, rounds).

    For benchmarks and services that want a model's scores without the whole report.
    """
    marks = scored_only(read_marks(data))
    return marks.sheets(), marks.entries, marks.judges, list(marks.round)


@dataclass(frozen=True)
class RoundOnePlans:
    """The finalist round :func:`rank` would propose at each review budget, all from one fit of round 1."""

    entries: list[str]            # entry ids; a plan's shortlist holds indices into it
    panel_candidates: list[str]   # judge ids, most precise first: a panel of P is the first P
    round1_reviews: int
    prize_zone: int
    plans: list[Plan]             # one per budget asked for, in that order
    one_round_recall: float | None  # expected share of the true prize zone in round 1's own top


def review_budget(extra_load: float, round1_reviews: int) -> int:
    """Extra reviews the finalist round may use: ``extra_load`` of round 1's, rounded down."""
    return math.floor(extra_load * round1_reviews + 1e-9)


def plan_warning(budget: int, panel_size: int, candidates: int, prize_zone: int, entries: int) -> dict | None:
    """Why the budget buys no finalist round (a warning code), or None when it buys one or no judge could sit."""
    if budget < 1:
        return {"code": "no_extra_review"}
    if not panel_size and candidates:
        return {"code": "panel_unaffordable", "budget": budget, "panel": min(MIN_PANEL, candidates),
                "finalists": min(prize_zone, entries)}
    return None


def round_one_plans(before: ScoringInput, extra_loads: list[float], digest: str | None = None) -> RoundOnePlans:
    """Plan the finalist round at several extra loads from round 1 alone.

    Exactly what :func:`rank_input` proposes at each load: the same seed, fit and draws, and a
    fresh plan generator per load, so the load it uses gives its shortlist and forecast.
    ``before``: the input without its final round (:meth:`ScoringInput.round_one`); ``digest``:
    its inputs hash, when the caller has it.
    """
    method, prize_zone = before.chosen_method, before.chosen_prize_zone
    marks = scored_only(read_marks(before))
    first = marks.sheets(rounds=(1,))
    if not len(first.total):
        raise InputError(Message("no_round_one_sheets"))
    seed = int((digest or codec.input_hash(before))[:16], 16)
    fit = _fit(method, first, np.random.default_rng([seed, 1]), VERSION)
    nobody = np.zeros(len(marks.entries), bool)
    summary = _summary(fit, nobody, prize_zone, None, VERSION, np.random.default_rng([seed, 3]))
    diagnostic = fit if method == "calibrated" else _fit(
        "calibrated", first, np.random.default_rng([seed, 2]), VERSION, 0)
    _, panel_order, panel_noise = judge_rows(marks, first, diagnostic)
    order = promising_order(summary.p_top, fit.score, marks.entries)
    plans = [_plan(fit, summary, order, prize_zone, review_budget(load, len(first.total)), panel_noise,
                   np.random.default_rng([seed, 4])) for load in extra_loads]
    zone = min(prize_zone, len(marks.entries))
    top = np.argsort(-fit.score, kind="stable")[:zone]
    return RoundOnePlans(marks.entries, [marks.judges[j] for j in panel_order], len(first.total), prize_zone, plans,
                         float(summary.p_top[top].sum()) / zone if zone else None)


# --- fitting and ranking --------------------------------------------------------------------------

def _fit(method: str, sheets: Sheets, rng: np.random.Generator, version: int, draws: int | None = None) -> Fit:
    """Fit ``method``; version 1 with ``DRAWS`` draws of every score, version 2 with
    ``JUDGE_DRAWS`` draws of the judges' parameters (``draws`` overrides either)."""
    if draws is None:
        draws = DRAWS if version == 1 else JUDGE_DRAWS
    if method == "mean":
        return fit_mean(sheets, rng, draws if version == 1 else 0)
    if method == "zscore":
        return fit_zscore(sheets, rng, draws if version == 1 else 0)
    return fit_calibrated(sheets, rng, draws, version=version)


def _summary(fit: Fit, finalist: np.ndarray, prize_zone: int, by_ballot, version: int, rng) -> Uncertainty:
    """Score and rank intervals and p_top: version 2 from the posterior (scoring_uncertainty),
    version 1 from every draw of every entry."""
    if version >= 2:
        return summarise(fit.posterior, finalist, prize_zone, DRAWS, INTERVAL, rng,
                         by_ballot[1] if by_ballot is not None else None)
    ranks, p_top = _monte_carlo_ranks(fit.draws, finalist, prize_zone, by_ballot[1] if by_ballot is not None else None)
    tail = (1.0 - INTERVAL) / 2.0
    return Uncertainty(np.quantile(fit.draws, tail, axis=0), np.quantile(fit.draws, 1.0 - tail, axis=0),
                       np.quantile(ranks, tail, axis=0, method="lower"),
                       np.quantile(ranks, 1.0 - tail, axis=0, method="higher"), p_top,
                       np.flatnonzero(p_top > 0))


def _plan(fit: Fit, summary: Uncertainty, order: list[int], prize_zone: int, budget: int, panel_noise: list[float],
          rng: np.random.Generator):
    """The finalist round from draws of the entries a plan can touch: the longest shortlist any
    panel size allows, and the contenders (the only entries that can be in a draw's prize zone)."""
    smallest_panel = max(1, min(MIN_PANEL, len(panel_noise)))
    longest = min(len(order), budget // smallest_panel)
    shortlist = np.asarray(order[:longest], dtype=np.int64)
    extra = np.setdiff1d(summary.contenders, shortlist)
    touched = np.concatenate([shortlist, extra])
    mean, variance = fit.posterior.moments()
    truths = fit.posterior.draws(touched, PLAN_TRUTHS, rng)
    plan = plan_final_round(truths, list(range(len(touched))), prize_zone, budget, panel_noise, rng,
                            (mean[touched], variance[touched]))
    return Plan([int(touched[k]) for k in plan.shortlist], plan.panel_size, plan.expected_recall)


def _monte_carlo_ranks(draws: np.ndarray, finalist: np.ndarray, prize_zone: int, ballot: np.ndarray | None = None):
    """Version 1: rank of every entry in every draw (finalists first), and the share of draws in the zone.

    With ``ballot`` draws, finalists are ordered by them first and by their score draws second.
    """
    n = draws.shape[1]
    if ballot is not None:
        primary = np.where(finalist[None, :] & ~np.isnan(ballot), ballot, -np.inf)
        primary = np.where(finalist[None, :] & np.isnan(ballot), -1e12, primary)
        order = np.lexsort((-draws, -primary), axis=-1)
    else:
        lift = (float(np.max(draws) - np.min(draws)) + 1.0) if draws.size else 0.0
        keyed = draws + lift * finalist[None, :]
        order = np.argsort(-keyed, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, n + 1)[None, :], axis=1)
    p_top = np.mean(ranks <= prize_zone, axis=0)
    return ranks, p_top

