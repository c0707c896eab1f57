"""Rank contest entries from judges' rubric marks, with honest uncertainty.

Data in, data out: :func:`rank` takes the instance described in docs/scoring.md and returns the
ranking, its intervals, the judges' diagnostics, the reliability of the panel and the proposed
finalist round. The same input always gives byte-identical JSON: iteration is sorted, the Monte
Carlo seed comes from the hash of the canonical input, floats are rounded at the output.

Every problem, warning and outlier reason is first a code (``problem_codes``, ``warning_codes``,
each judge's ``outlier_codes``); the English of ``problems``, ``warnings`` and
``outlier_reasons`` is rendered from it by :func:`scoring_messages.explain`, which lists them.

Run as ``python -m contest.engines.scoring IN.json``.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np

from contest.engines.cli import InputError, exit_with
from contest.engines.ids import read_id
from contest.engines.scoring_agreement import (
    components,
    judge_agreement,
    krippendorff_alpha_interval,
    outlier_codes,
)
from contest.engines.scoring_ballots import (
    Ballots,
    ballot_draws,
    ballot_matrix,
    ballot_scores,
    read_ballots,
)
from contest.engines.scoring_messages import explain, sorted_messages
from contest.engines.scoring_model import (
    Fit,
    Judges,
    Sheets,
    fit_calibrated,
    fit_mean,
    fit_zscore,
)
from contest.engines.scoring_rounds import MIN_PANEL, PLAN_TRUTHS, Plan, plan_final_round, promising_order
from contest.engines.scoring_uncertainty import Uncertainty, summarise

METHODS = ("calibrated", "mean", "zscore")
DEFAULT_METHOD = "calibrated"      # most accurate on bench/simulate.py (see docs/scoring.md)
DEFAULT_PRIZE_ZONE = 10
DEFAULT_EXTRA_LOAD = 0.10
ROUNDS = (1, 2)
DRAWS = 2000                       # Monte Carlo draws for intervals, rank intervals and p_top
JUDGE_DRAWS = 100                  # version 2: draws of the judges' parameters (each a Gaussian posterior)
VERSION = 3                        # how rankings are computed; every answer says which (``engine_version``)
VERSIONS = (1, 2, 3)
INTERVAL = 0.90                    # central interval for score_low/high and rank_low/high
DECIMALS = 6
_PLAIN = (str, int, bool, type(None))     # output values _rounded passes through as they are


@dataclass(frozen=True)
class Criterion:
    id: str
    weight: float
    low: float
    high: float


@dataclass
class Marks:
    """Usable sheets after validation, with every id mapped to a sorted index."""

    entries: list[str]
    judges: list[str]
    entry: list[int] = field(default_factory=list)
    judge: list[int] = field(default_factory=list)
    round: list[int] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # problem codes (see scoring_messages)

    def sheets(self, rounds=ROUNDS) -> Sheets:
        keep = [k for k, r in enumerate(self.round) if r in rounds]
        return Sheets(
            np.asarray([self.entry[k] for k in keep], dtype=np.int64),
            np.asarray([self.judge[k] for k in keep], dtype=np.int64),
            np.asarray([self.total[k] for k in keep], dtype=float),
            len(self.entries),
            len(self.judges),
        )


# --- the public face ------------------------------------------------------------------------------

def rank(instance: dict, version: int = VERSION) -> dict:
    """Rank the entries of one contest; see docs/scoring.md for every key in and out.

    Raises :class:`InputError` only when the instance as a whole is unusable; bad marks are
    dropped and named in ``problems`` while the rest is ranked. ``version`` 1 recomputes a
    ranking published before version 2 (full Monte Carlo), digit for digit.
    """
    if not isinstance(instance, dict):
        raise InputError("the instance must be a JSON object")
    if version not in VERSIONS:
        raise InputError(f"version: must be one of {VERSIONS}, got {version!r}")
    criteria, method, prize_zone, extra_load = _read_settings(instance)
    columns = _mark_columns(instance["scores"])
    marks = _read_marks(instance, criteria, columns)
    ballots = _read_ballot_input(instance)
    digest = inputs_hash(instance, version, columns)
    seed = int(digest[:16], 16)

    scored = _scored_only(marks)
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
    ranking = _ranking(scored, all_sheets, fit, finalist, summary, by_ballot)
    p_top = summary.p_top
    judges_out, panel_order, panel_noise = _judges(scored, all_sheets, diagnostic)

    budget = review_budget(extra_load, len(first.total))
    plan_seed = seed
    plan_fit, plan_summary = fit, summary
    if finalist.any():
        # Round 2 is in: redo the proposal exactly as it was made, from round 1 alone.
        plan_seed = int(inputs_hash(_round_one(instance), version)[:16], 16)
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
        _, panel_order, panel_noise = _judges(scored, first, plan_diagnostic)
    order = promising_order(p_top, plan_fit.score, scored.entries)
    plan_rng = np.random.default_rng([plan_seed, 4])
    if version == 1:
        plan = plan_final_round(plan_fit.draws, order, prize_zone, budget, panel_noise, plan_rng)
    else:
        plan = _plan(plan_fit, plan_summary, order, prize_zone, budget, panel_noise, plan_rng)

    labels = components(all_sheets)
    position = {name: e for e, name in enumerate(scored.entries)}
    for row in ranking:
        row["component"] = int(labels[position[row["entry"]]]) + 1
    n_components = int(labels.max()) + 1
    warnings: list[dict] = []
    if n_components > 1:
        sizes = np.bincount(labels[labels >= 0])
        warnings.append({"code": "components", "components": n_components, "sizes": [int(s) for s in sizes]})
    if (unplanned := plan_warning(budget, plan.panel_size, len(panel_noise), prize_zone, len(scored.entries))):
        warnings.append(unplanned)
    if ballots is not None and not ballots.positions and instance.get("ballots"):
        warnings.append({"code": "no_valid_ballot"})
    problems, problem_codes = sorted_messages(marks.problems + (ballots.problems if ballots is not None else []))

    reliability = krippendorff_alpha_interval(first.entry, first.total)
    round_two = int(np.sum(np.asarray(scored.round) == 2)) + (ballots.reviews() if ballots is not None else 0)
    answer = {
        "engine_version": version,
        "method": method,
        "inputs_hash": digest,
        "prize_zone": prize_zone,
        "ranking": ranking,
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
        "judges": _with_silent_judges(judges_out, marks.judges),
        "calibration_centre": diagnostic.centre,
        "reliability": reliability,
        "reliability_metric": "krippendorff_alpha_interval_round1_totals",
        "components": n_components,
        "problems": problems,
        "warnings": [explain(code) for code in warnings],
    }
    # The codes skip the rounding: they hold marks exactly as given, as their English does.
    # The ranking's rows are rounded as they are built (_ranking): thousands of them at national size.
    answer = _rounded(answer | {"ranking": None}) | {"ranking": ranking}
    return {**answer, "problem_codes": problem_codes, "warning_codes": warnings}


solve = rank


def read_sheets(instance: dict) -> tuple[Sheets, list[str], list[str], list[int]]:
    """The usable sheets of an instance as model input: (sheets, entry ids, judge ids, rounds).

    For benchmarks and services that want a model's scores without the whole report.
    """
    criteria, _, _, _ = _read_settings(instance)
    marks = _scored_only(_read_marks(instance, criteria))
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


def round_one_plans(instance: dict, extra_loads: list[float]) -> RoundOnePlans:
    """Plan the finalist round at several extra loads from round 1 alone.

    Exactly what :func:`rank` proposes at each load: the same seed, fit and draws, and a fresh
    plan generator per load, so the load ``rank`` uses gives its shortlist and forecast.
    """
    criteria, method, prize_zone, _ = _read_settings(instance)
    before = _round_one(instance)
    marks = _scored_only(_read_marks(before, criteria))
    first = marks.sheets(rounds=(1,))
    if not len(first.total):
        raise InputError("there are no usable round-1 sheets to plan from")
    seed = int(inputs_hash(before)[:16], 16)
    fit = _fit(method, first, np.random.default_rng([seed, 1]), VERSION)
    nobody = np.zeros(len(marks.entries), bool)
    summary = _summary(fit, nobody, prize_zone, None, VERSION, np.random.default_rng([seed, 3]))
    diagnostic = fit if method == "calibrated" else _fit(
        "calibrated", first, np.random.default_rng([seed, 2]), VERSION, 0)
    _, panel_order, panel_noise = _judges(marks, first, diagnostic)
    order = promising_order(summary.p_top, fit.score, marks.entries)
    plans = [_plan(fit, summary, order, prize_zone, review_budget(load, len(first.total)), panel_noise,
                   np.random.default_rng([seed, 4])) for load in extra_loads]
    zone = min(prize_zone, len(marks.entries))
    top = np.argsort(-fit.score, kind="stable")[:zone]
    return RoundOnePlans(marks.entries, [marks.judges[j] for j in panel_order], len(first.total), prize_zone, plans,
                         float(summary.p_top[top].sum()) / zone if zone else None)


def breakdown(instance: dict, entry: str, result: dict | None = None) -> dict:
    """Explain one entry's score: each sheet's marks, raw weighted total and calibrated mark.

    The calibrated mark is the judge's total mapped back through their leniency and scale,
    ``centre + (total - centre - leniency) / scale``: what the average judge would have given.
    Pass the ``result`` of :func:`rank` to avoid ranking again.
    """
    result = result if result is not None else rank(instance)
    criteria, _, _, _ = _read_settings(instance)
    marks = _read_marks(instance, criteria)
    judges = {row["judge"]: row for row in result["judges"]}
    centre = result["calibration_centre"]
    rows = {row["entry"]: row for row in result["ranking"]}
    if entry not in rows:
        raise InputError(f"entry {entry!r} is not ranked")
    raw_marks = _marks_by_sheet(instance, criteria)
    e = marks.entries.index(entry)
    sheets = []
    for k in range(len(marks.total)):
        if marks.entry[k] != e:
            continue
        judge_id, round_no = marks.judges[marks.judge[k]], marks.round[k]
        info = judges.get(judge_id, {})
        lenient, scale = info.get("leniency"), info.get("scale")
        calibrated = None
        if lenient is not None and scale:
            calibrated = centre + (marks.total[k] - centre - lenient) / scale
        sheets.append({
            "judge": judge_id,
            "round": round_no,
            "marks": raw_marks.get((entry, judge_id, round_no), {}),
            "total": marks.total[k],
            "calibrated": calibrated,
            "weight": info.get("weight"),
        })
    sheets.sort(key=lambda s: (s["round"], s["judge"]))
    return _rounded({"entry": entry, "method": result["method"], "score": rows[entry]["score"],
                     "raw_mean": rows[entry]["raw_mean"], "sheets": sheets})


def inputs_hash(instance: dict, version: int = VERSION, columns: MarkColumns | None = None) -> str:
    """sha256 of the instance, the same whatever the order of its records.

    Versions 1 and 2: of its canonical JSON (lists of records sorted, keys sorted). Version 3: of
    its marks as columns (:func:`_column_digest`; ``columns``, when read already), several times
    faster at national size; an instance whose marks do not fit the columns is hashed from its
    canonical JSON.
    """
    if version >= 3:
        columns = columns or _mark_columns(instance.get("scores"))
        if columns is not None and (digest := _column_digest(instance, columns)) is not None:
            return digest
    text = canonical_json(instance).encode("utf-8")
    return hashlib.sha256(text if version < 3 else _JSON_TAG + text).hexdigest()


_COLUMNS_TAG = b"scoring-inputs-v3 columns\0"
_JSON_TAG = b"scoring-inputs-v3 json\0"
_MARK_KEYS = frozenset(("entry", "judge", "criterion", "value", "round"))
_NOT_GIVEN = object()


@dataclass
class MarkColumns:
    """The marks read column-wise, once, for the hash and for reading the sheets: their ids (sorted,
    distinct) and each mark's indices into them, its value, and its round (0 where not given)."""

    entries: list[str]
    judges: list[str]
    criteria: list[str]
    entry: np.ndarray
    judge: np.ndarray
    criterion: np.ndarray
    value: np.ndarray
    round: np.ndarray
    written_int: np.ndarray     # the value was an integer in the input (7, not 7.0)


def _mark_columns(scores) -> MarkColumns | None:
    """The marks as columns when every one is an object of the keys ``entry``, ``judge``, ``criterion``,
    ``value`` (and ``round``) only, with string ids, a finite number as value (an integer of at most
    2^53 in size, so that its float is exact) and a round of 1 or 2 if any; None otherwise."""
    if not isinstance(scores, list) or not scores or set(map(type, scores)) - {dict}:
        return None
    keys = set().union(*scores)
    if keys - _MARK_KEYS:
        return None
    try:
        entry, judge, criterion, value = (list(map(itemgetter(key), scores))
                                          for key in ("entry", "judge", "criterion", "value"))
    except KeyError:
        return None
    # A str never equals a non-str, so the distinct ids hold a non-str exactly when the column does.
    try:
        ids = [sorted(distinct) if not set(map(type, distinct)) - {str} else None
               for distinct in map(set, (entry, judge, criterion))]
    except TypeError:  # an id that cannot be a key (a list, say) is not a string either
        return None
    round_no = [item.get("round", _NOT_GIVEN) for item in scores] if "round" in keys else None
    kinds = set(map(type, value))
    if (None in ids or not kinds <= {int, float}
            or (round_no is not None and (not set(round_no) <= {_NOT_GIVEN, *ROUNDS}
                                          or not set(map(type, round_no)) <= {int, object}))):
        return None
    written_int = (np.fromiter(map(int.__instancecheck__, value), bool, len(value)) if len(kinds) > 1
                   else np.full(len(value), int in kinds))
    try:
        values = np.asarray(value, dtype=np.float64).reshape(-1)
    except OverflowError:
        return None
    if not np.isfinite(values).all() or (np.abs(values[written_int]) >= 2.0**53).any():
        return None
    index = [np.fromiter(map({name: k for k, name in enumerate(names)}.__getitem__, column), np.int64, len(column))
             for names, column in zip(ids, (entry, judge, criterion))]
    rounds = (np.zeros(len(scores), np.int64) if round_no is None
              else np.fromiter((0 if r is _NOT_GIVEN else r for r in round_no), np.int64, len(round_no)))
    return MarkColumns(*ids, *index, values, rounds, written_int)


def _column_digest(instance: dict, columns: MarkColumns) -> str | None:
    """sha256 of the instance with its marks as sorted columns; None when there are too many ids for one key.

    The encoding is exact: the canonical JSON of everything but ``scores``, the sorted entry, judge
    and criterion ids (JSON, so the NUL that ends each part cannot occur in one), then one row per
    mark: a key of its ids' indices, its round (0 when not given) and whether its value was written
    as an integer, and the value as a float64; rows sorted, little-endian.
    """
    sizes = [len(columns.entries), len(columns.judges), len(columns.criteria)]
    if math.prod(sizes) >= 2**58:
        return None
    key = (columns.entry * sizes[1] + columns.judge) * sizes[2] + columns.criterion
    key = (key * 3 + columns.round) * 2 + columns.written_int
    values = columns.value
    order = np.lexsort((values, np.signbit(values), key))
    digest = hashlib.sha256(_COLUMNS_TAG)
    rest = {name: item for name, item in instance.items() if name != "scores"}
    digest.update(canonical_json(rest).encode("utf-8") + b"\0")
    ids = [columns.entries, columns.judges, columns.criteria]
    digest.update(json.dumps(ids, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\0")
    digest.update(key[order].astype("<i8").tobytes())
    digest.update(values[order].astype("<f8").tobytes())
    return digest.hexdigest()


def canonical_json(instance: dict) -> str:
    """The instance as compact JSON with sorted keys; the order of records in the lists
    ``criteria``, ``scores``, ``judges``, ``entries`` and ``ballots`` does not matter, so they are sorted."""
    data = dict(instance)
    for key in ("criteria", "scores", "judges", "entries", "ballots"):
        if isinstance(data.get(key), list):
            texts = _record_texts(data[key])
            data[key] = [data[key][k] for k in sorted(range(len(texts)), key=texts.__getitem__)]
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _record_texts(records: list) -> list[str]:
    """``json.dumps(record, sort_keys=True, ensure_ascii=False)`` of every record, in one call.

    A list of objects is encoded once and cut at ``}, {``. Two occurrences of that string cannot
    overlap, so the cut finds every one: the separators between records and any inside them.
    When it yields exactly one piece per record, every cut was a separator. Otherwise (or for
    records that are not all objects) each record is encoded on its own.
    """
    if len(records) > 1 and all(type(record) is dict for record in records):
        pieces = json.dumps(records, sort_keys=True, ensure_ascii=False)[2:-2].split("}, {")
        if len(pieces) == len(records):
            return [f"{{{piece}}}" for piece in pieces]
    return [json.dumps(record, sort_keys=True, ensure_ascii=False) for record in records]


# --- reading the instance ---------------------------------------------------------------------------

def _round_one(instance: dict) -> dict:
    """The instance as it stood before the finalist round (round-2 marks and ballots left out)."""
    scores = [item for item in instance["scores"] if not (isinstance(item, dict) and item.get("round") == 2)]
    before = dict(instance, scores=scores)
    before.pop("ballots", None)
    return before


def _read_ballot_input(instance: dict) -> Ballots | None:
    """The round-2 ranking ballots, validated (None when the instance has no ``ballots`` key)."""
    if "ballots" not in instance:
        return None
    raw = instance["ballots"]
    problems = []
    if not isinstance(raw, list):
        problems.append("ballots: must be a list of {judge, entry, position}")
    final = instance.get("final_round") or {}
    listed = final.get("finalists") if isinstance(final, dict) else None
    if listed is not None and (not isinstance(listed, list) or any(read_id(e) is None for e in listed)):
        problems.append("final_round.finalists: must be a list of entry ids")
    given = final.get("given") if isinstance(final, dict) else None
    if given is not None and (not isinstance(given, dict) or any(
            not isinstance(v, list) or any(read_id(e) is None for e in v) for v in given.values())):
        problems.append("final_round.given: must map judge ids to lists of entry ids")
    if problems:
        raise InputError(problems)
    return read_ballots(raw, None if listed is None else [read_id(e) for e in listed],
                        None if given is None else {str(j): [read_id(e) for e in v] for j, v in given.items()})


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)



def _read_settings(instance: dict) -> tuple[list[Criterion], str, int, float]:
    problems: list[str] = []
    raw = instance.get("criteria")
    criteria: list[Criterion] = []
    if not isinstance(raw, list) or not raw:
        problems.append("criteria: must be a non-empty list of {id, weight, min, max}")
        raw = []
    seen: set[str] = set()
    for k, item in enumerate(raw):
        where = f"criteria[{k}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object")
            continue
        cid = read_id(item.get("id"))
        if cid is None:
            problems.append(f"{where}: id must be a non-empty string")
            continue
        where = f"criterion {cid}"
        if cid in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(cid)
        weight, low, high = item.get("weight"), item.get("min"), item.get("max")
        if not _is_number(weight) or weight <= 0:
            problems.append(f"{where}: weight must be a positive number, got {weight!r}")
        if not _is_number(low) or not _is_number(high):
            problems.append(f"{where}: min and max must be numbers, got {low!r} and {high!r}")
        elif low >= high:
            problems.append(f"{where}: min ({low}) must be below max ({high})")
        else:
            if _is_number(weight) and weight > 0:
                criteria.append(Criterion(cid, float(weight), float(low), float(high)))

    if not isinstance(instance.get("scores"), list):
        problems.append("scores: must be a list of {entry, judge, criterion, value, round}")
    method = instance.get("method", DEFAULT_METHOD)
    if method not in METHODS:
        problems.append(f"method: must be one of {', '.join(METHODS)}, got {method!r}")
    prize_zone = instance.get("prize_zone", DEFAULT_PRIZE_ZONE)
    if not isinstance(prize_zone, int) or isinstance(prize_zone, bool) or prize_zone < 1:
        problems.append(f"prize_zone: must be a positive integer, got {prize_zone!r}")
    final = instance.get("final_round", {})
    extra_load = DEFAULT_EXTRA_LOAD
    if final is None:
        final = {}
    if not isinstance(final, dict):
        problems.append("final_round: must be an object like {\"extra_load\": 0.1}")
    else:
        extra_load = final.get("extra_load", DEFAULT_EXTRA_LOAD)
        if not _is_number(extra_load) or extra_load < 0:
            problems.append(f"final_round.extra_load: must be a number >= 0, got {extra_load!r}")
    for key in ("judges", "entries"):
        listed = instance.get(key)
        if listed is not None and not isinstance(listed, list):
            problems.append(f"{key}: must be a list of ids")
    if problems:
        raise InputError(problems)
    return sorted(criteria, key=lambda c: c.id), method, prize_zone, float(extra_load)


def _listed_ids(instance: dict, key: str, problems: list[dict]) -> set[str]:
    found: set[str] = set()
    for k, item in enumerate(instance.get(key) or []):
        value = item.get("id") if isinstance(item, dict) else item
        ident = read_id(value)
        if ident is None:
            problems.append({"code": "id_invalid", "list": key, "index": k, "given": repr(value)})
        else:
            found.add(ident)
    return found


def _read_marks(instance: dict, criteria: list[Criterion], columns: MarkColumns | None = None) -> Marks:
    """Validate every mark; keep the sheets (judge x entry x round) that are complete and valid
    (``columns``: the marks as :func:`_mark_columns` read them, when it has)."""
    problems: list[dict] = []
    by_id = {c.id: c for c in criteria}
    listed_judges = _listed_ids(instance, "judges", problems)
    listed_entries = _listed_ids(instance, "entries", problems)
    clean = _clean_marks(columns or _mark_columns(instance["scores"]), criteria)
    if clean is not None:
        return _marks_from(clean, listed_entries, listed_judges, problems)
    sheets: dict[tuple[str, str, int], dict[str, float]] = {}
    spoiled: set[tuple[str, str, int]] = set()
    judges_seen, entries_seen = set(listed_judges), set(listed_entries)

    for k, item in enumerate(instance["scores"]):
        if not isinstance(item, dict):
            problems.append({"code": "mark_not_object", "index": k})
            continue
        entry, judge = read_id(item.get("entry")), read_id(item.get("judge"))
        if entry is None or judge is None:
            problems.append({"code": "mark_without_ids", "index": k})
            continue
        judges_seen.add(judge)
        entries_seen.add(entry)
        round_no = item.get("round", 1)
        if round_no not in ROUNDS or isinstance(round_no, bool):
            problems.append({"code": "mark_round_invalid", "index": k, "judge": judge, "entry": entry,
                             "given": repr(round_no)})
            continue
        sheet = (entry, judge, int(round_no))
        label = {"judge": judge, "entry": entry, "round": round_no}
        cid = read_id(item.get("criterion"))
        if cid not in by_id:
            problems.append({"code": "criterion_unknown", **label, "given": repr(item.get("criterion"))})
            continue
        crit, value = by_id[cid], item.get("value")
        if not _is_number(value):
            problems.append({"code": "value_not_number", **label, "criterion": cid, "given": repr(value)})
            spoiled.add(sheet)
            continue
        if not crit.low <= value <= crit.high:
            problems.append({"code": "value_off_scale", **label, "criterion": cid, "value": value,
                             "min": crit.low, "max": crit.high})
            spoiled.add(sheet)
            continue
        marks = sheets.setdefault(sheet, {})
        if cid in marks:
            if marks[cid] == value:
                problems.append({"code": "marked_twice_same", **label, "criterion": cid})
            else:
                problems.append({"code": "marked_twice_different", **label, "criterion": cid,
                                 "first": marks[cid], "second": value})
                spoiled.add(sheet)
            continue
        marks[cid] = float(value)

    usable: dict[tuple[str, str, int], float] = {}
    total_weight = sum(c.weight for c in criteria)
    for sheet in sorted(set(sheets) | spoiled):
        if sheet in spoiled:
            continue
        marks = sheets[sheet]
        missing = [c.id for c in criteria if c.id not in marks]
        if missing:
            entry, judge, round_no = sheet
            problems.append({"code": "sheet_incomplete", "judge": judge, "entry": entry, "round": round_no,
                             "criteria": missing})
            continue
        usable[sheet] = 100.0 * sum(
            c.weight * (marks[c.id] - c.low) / (c.high - c.low) for c in criteria
        ) / total_weight

    entries = sorted(entries_seen)
    judges = sorted(judges_seen)
    e_index = {e: i for i, e in enumerate(entries)}
    j_index = {j: i for i, j in enumerate(judges)}
    out = Marks(entries, judges, problems=problems)
    for (entry, judge, round_no), total in sorted(usable.items()):
        out.entry.append(e_index[entry])
        out.judge.append(j_index[judge])
        out.round.append(round_no)
        out.total.append(total)
    active_judges = {judge for (_, judge, _) in usable}
    active_entries = {entry for (entry, _, _) in usable}
    touched_judges = {judge for (_, judge, _) in set(sheets) | spoiled}
    for judge in judges:
        if judge not in active_judges:
            problems.append({"code": "judge_sheets_dropped" if judge in touched_judges else "judge_scored_nothing",
                             "judge": judge})
    for entry in entries:
        if entry not in active_entries:
            problems.append({"code": "entry_unranked", "entry": entry})
    if not usable:
        texts, codes = sorted_messages(problems)
        nothing = {"code": "nothing_to_rank"}
        raise InputError(texts + [explain(nothing)], codes + [nothing])
    return out


def _clean_marks(columns: MarkColumns | None, criteria: list[Criterion]):
    """The sheets of an instance whose every mark is valid, distinct and on a complete sheet
    (the usual case), from its marks' columns; None when any is not (then :func:`_read_marks` goes
    mark by mark to name every problem). Totals are computed exactly as there, term by term."""
    if columns is None:
        return None
    by_id = {c.id: k for k, c in enumerate(criteria)}
    entries, judges = columns.entries, columns.judges
    if (any(not e.strip() for e in entries) or any(not j.strip() for j in judges)
            or any(c not in by_id for c in columns.criteria)):
        return None
    e_index, j_index = columns.entry, columns.judge
    c_index = np.asarray([by_id[c] for c in columns.criteria], dtype=np.int64)[columns.criterion]
    r_index = np.where(columns.round == 0, 1, columns.round)
    marks = columns.value
    low = np.asarray([c.low for c in criteria])[c_index]
    high = np.asarray([c.high for c in criteria])[c_index]
    # Beyond 2^53 an int is not its float: such marks take the mark-by-mark path.
    if not ((np.abs(marks) < 2.0**53).all() and (marks >= low).all() and (marks <= high).all()):
        return None
    n_c = len(criteria)
    sheet = (e_index * len(judges) + j_index) * len(ROUNDS) + (r_index - 1)
    slot = sheet * n_c + c_index
    order = np.argsort(slot, kind="stable")
    if len(slot) % n_c or np.any(slot[order][1:] == slot[order][:-1]):
        return None
    grid = marks[order].reshape(-1, n_c)
    keys = sheet[order].reshape(-1, n_c)
    if np.any(keys != keys[:, :1]) or np.any(c_index[order].reshape(-1, n_c) != np.arange(n_c)):
        return None
    total = 0
    for k, c in enumerate(criteria):
        total = total + c.weight * (grid[:, k] - c.low) / (c.high - c.low)
    total = 100.0 * total / sum(c.weight for c in criteria)
    keys = keys[:, 0]
    return entries, judges, keys // len(ROUNDS) // len(judges), keys // len(ROUNDS) % len(judges), \
        keys % len(ROUNDS) + 1, total


def _marks_from(clean, listed_entries: set[str], listed_judges: set[str], problems: list[dict]) -> Marks:
    """:class:`Marks` from :func:`_clean_marks`, with the ids listed but never marked named."""
    entries, judges, entry, judge, round_no, total = clean
    all_entries = sorted(set(entries) | listed_entries)
    all_judges = sorted(set(judges) | listed_judges)
    e_of = {e: k for k, e in enumerate(all_entries)}
    j_of = {j: k for k, j in enumerate(all_judges)}
    out = Marks(all_entries, all_judges, problems=problems)
    out.entry = np.asarray([e_of[e] for e in entries], dtype=np.int64)[entry].tolist()
    out.judge = np.asarray([j_of[j] for j in judges], dtype=np.int64)[judge].tolist()
    out.round = round_no.tolist()
    out.total = total.tolist()
    active_judges, active_entries = set(judges), set(entries)
    problems += [{"code": "judge_scored_nothing", "judge": j} for j in all_judges if j not in active_judges]
    problems += [{"code": "entry_unranked", "entry": e} for e in all_entries if e not in active_entries]
    return out


def _marks_by_sheet(instance: dict, criteria: list[Criterion]) -> dict:
    known = {c.id for c in criteria}
    found: dict = {}
    for item in instance.get("scores", []):
        if not isinstance(item, dict):
            continue
        entry, judge = read_id(item.get("entry")), read_id(item.get("judge"))
        cid = read_id(item.get("criterion"))
        if entry is None or judge is None or cid not in known:
            continue
        found.setdefault((entry, judge, item.get("round", 1)), {})[cid] = item.get("value")
    return found


def _scored_only(marks: Marks) -> Marks:
    """The marks restricted to entries and judges with at least one usable sheet."""
    entries = sorted({marks.entries[e] for e in marks.entry})
    judges = sorted({marks.judges[j] for j in marks.judge})
    e_index = {e: i for i, e in enumerate(entries)}
    j_index = {j: i for i, j in enumerate(judges)}
    return Marks(
        entries, judges,
        [e_index[marks.entries[e]] for e in marks.entry],
        [j_index[marks.judges[j]] for j in marks.judge],
        list(marks.round), list(marks.total), marks.problems,
    )


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


def _ranking(marks: Marks, sheets: Sheets, fit: Fit, finalist: np.ndarray, summary: Uncertainty, by_ballot=None):
    n = len(marks.entries)
    count = np.bincount(sheets.entry, minlength=n)
    raw_mean = np.bincount(sheets.entry, weights=sheets.total, minlength=n) / np.maximum(count, 1)
    pair_seen = np.unique(sheets.entry * max(sheets.n_judges, 1) + sheets.judge)
    judges_of = np.bincount(pair_seen // max(sheets.n_judges, 1), minlength=n)

    # The tie-break order: finalists first (by their ballot score when the panel ranked them),
    # then score, raw mean and number of judges, all compared as published (rounded); what is
    # still equal after that is a tie for the jury.
    ballot_score = by_ballot[0] if by_ballot is not None else np.full(n, np.nan)
    shown_score, shown_raw_mean, shown_ballot = (_rounded_column(column) for column in (fit.score, raw_mean,
                                                                                        ballot_score))
    keys = np.asarray([
        finalist.astype(float).tolist(), [-math.inf if b is None else b for b in shown_ballot],
        shown_score, shown_raw_mean, judges_of.astype(float).tolist(),
    ], dtype=float).reshape(5, n).T
    # Entries are indexed in id order, so the index breaks what the keys leave equal.
    listing = np.lexsort((np.arange(n),) + tuple(-keys[:, k] for k in range(4, -1, -1))).tolist()
    ordered = keys[listing]
    same = np.concatenate([[False], np.all(ordered[1:] == ordered[:-1], axis=1)])
    point_rank = np.empty(n, dtype=int)
    point_rank[listing] = np.maximum.accumulate(np.where(same, 0, np.arange(1, n + 1)))
    tied = np.zeros(n, dtype=bool)
    tied[listing] = same | np.concatenate([same[1:], [False]])

    # Plain Python numbers first: the rows are built 20 000 at a time at national size.
    best = np.minimum(summary.rank_low, point_rank).astype(int)
    worst = np.maximum(summary.rank_high, point_rank).astype(int)
    columns = zip(
        point_rank.tolist(), shown_score, _rounded_column(np.minimum(summary.score_low, fit.score)),
        _rounded_column(np.maximum(summary.score_high, fit.score)), best.tolist(), worst.tolist(),
        _rounded_column(summary.p_top), tied.tolist(), shown_raw_mean, judges_of.tolist(), count.tolist(),
        finalist.tolist(), shown_ballot)
    table = list(columns)     # by entry index
    rows = []
    for e in listing:
        point, score, low, high, best, worst, p_top, tie, raw, judges, sheets_of, final, ballot = table[e]
        rows.append({
            "entry": marks.entries[e],
            "rank": point,
            "score": score,
            "score_low": low,
            "score_high": high,
            "rank_low": best,
            "rank_high": worst,
            "p_top": p_top,
            "tie": tie,
            "raw_mean": raw,
            "judges": judges,
            "sheets": sheets_of,
            "finalist": final,
            **({"ballot_score": ballot} if by_ballot is not None else {}),
        })
    return rows


def _judges(marks: Marks, sheets: Sheets, fit: Fit):
    """Diagnostics per judge from the calibrated model, the panel order and its noise by size."""
    judges: Judges = fit.judges
    counts = np.bincount(sheets.judge, minlength=sheets.n_judges)
    centred = Sheets(sheets.entry, sheets.judge, sheets.total - fit.centre, sheets.n_entries, sheets.n_judges)
    agreement = judge_agreement(centred, judges)
    reasons = outlier_codes(judges, agreement, counts)
    precision = judges.scale**2 / np.maximum(judges.noise**2, 1e-12)
    mean_precision = float(np.mean(precision[counts > 0])) if (counts > 0).any() else 1.0
    rows = []
    for j, name in enumerate(marks.judges):
        rows.append({
            "judge": name,
            "leniency": float(judges.leniency[j]),
            "scale": float(judges.scale[j]),
            "noise": float(judges.noise[j]),
            "weight": float(precision[j] / mean_precision),
            "n": int(counts[j]),
            "agreement": None if not np.isfinite(agreement[j]) else float(agreement[j]),
            "outlier": bool(reasons[j]),
            "outlier_reasons": [explain(code) for code in reasons[j]],
            "outlier_codes": reasons[j],
        })
    eligible = [j for j in range(len(marks.judges)) if counts[j] > 0 and not reasons[j]]
    panel = sorted(eligible, key=lambda j: (-precision[j], marks.judges[j]))
    panel_noise = list(1.0 / np.cumsum(precision[panel])) if panel else []
    return rows, panel, panel_noise


def _with_silent_judges(rows: list[dict], all_judges: list[str]) -> list[dict]:
    present = {row["judge"] for row in rows}
    silent = [{"judge": j, "leniency": None, "scale": None, "noise": None, "weight": None, "n": 0,
               "agreement": None, "outlier": False, "outlier_reasons": [], "outlier_codes": []}
              for j in all_judges if j not in present]
    return sorted(rows + silent, key=lambda row: row["judge"])


def _rounded_column(values: np.ndarray) -> list[float | None]:
    """Floats as :func:`_rounded` outputs them, a whole column at once."""
    return [round(v, DECIMALS) + 0.0 if v - v == 0 else None for v in np.asarray(values, dtype=float).tolist()]


def _rounded(value: Any) -> Any:
    """Round floats for the output (and turn -0.0, NaN and numpy scalars into plain JSON)."""
    kind = type(value)
    if kind is float:
        return round(value, DECIMALS) + 0.0 if math.isfinite(value) else None
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        # Plain scalars inline: an answer holds some 300 000 of them at national size.
        return {k: v if type(v) in _PLAIN else round(v, DECIMALS) + 0.0 if type(v) is float and v - v == 0
                else _rounded(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if not math.isfinite(value) else round(value, DECIMALS) + 0.0
    return value


if __name__ == "__main__":
    exit_with(rank)
