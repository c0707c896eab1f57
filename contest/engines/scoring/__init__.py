"""Rank contest entries from judges' rubric marks, with honest uncertainty.

Two faces, one engine. Services hand over a typed :class:`ScoringInput` (integer ids) to
:func:`rank_input`; the command line and stored snapshots hand over the JSON instance of
docs/scoring.md to :func:`rank`, which reads it once through :mod:`.codec` and hashes it as it
was written. :func:`rank_input` answers a typed :class:`Ranking` (:mod:`.result`, integer ids),
:func:`rank` its JSON, written by :func:`codec.write_result` as docs/scoring.md describes it.

The parts: :mod:`.inputs` (typed input), :mod:`.codec` (JSON in and out), :mod:`.digest` (inputs
hash), :mod:`.sheets` (marks to sheet totals), :mod:`.model` and :mod:`.solver` (the statistics),
:mod:`.uncertainty`, :mod:`.rounds` (the finalist round), :mod:`.ballots`, :mod:`.agreement`,
:mod:`.report` (the answer's rows), :mod:`.result` (the typed answer) and :mod:`.messages` (codes and
their English).

Run as ``python -m contest.engines.scoring IN.json``.
"""
from __future__ import annotations

from contest.catalogue import Message
from contest.engines.cli import InputError
from contest.engines.scoring import codec
from contest.engines.scoring.digest import VERSION, canonical_json, inputs_hash
from contest.engines.scoring.engine import (
    DRAWS,
    INTERVAL,
    JUDGE_DRAWS,
    VERSIONS,
    Digests,
    RoundOnePlans,
    plan_warning,
    rank_input,
    review_budget,
)
from contest.engines.scoring.engine import read_sheets as read_input_sheets
from contest.engines.scoring.engine import round_one_plans as plans_of_input
from contest.engines.scoring.inputs import (
    DEFAULT_EXTRA_LOAD,
    DEFAULT_METHOD,
    DEFAULT_PRIZE_ZONE,
    METHODS,
    ROUNDS,
    Criterion,
    MarkTable,
    Names,
    Place,
    ScoringInput,
)
from contest.engines.scoring.report import rounded
from contest.engines.scoring.result import FinalRound, JudgeReport, RankedEntry, Ranking
from contest.engines.scoring.rounds import MIN_PANEL
from contest.engines.scoring.sheets import read_marks

__all__ = [
    "DEFAULT_EXTRA_LOAD", "DEFAULT_METHOD", "DEFAULT_PRIZE_ZONE", "DRAWS", "INTERVAL", "JUDGE_DRAWS", "METHODS",
    "MIN_PANEL", "ROUNDS", "VERSION", "VERSIONS", "Criterion", "Digests", "FinalRound", "InputError", "JudgeReport",
    "MarkTable", "Names", "Place", "RankedEntry", "Ranking",
    "RoundOnePlans", "ScoringInput", "breakdown", "canonical_json", "codec", "inputs_hash", "plan_warning",
    "plans_of_input", "rank", "rank_input", "read_sheets", "review_budget", "round_one_plans", "solve",
]


def rank(instance: dict, version: int = VERSION) -> dict:
    """Rank the entries of a JSON instance (docs/scoring.md); :class:`InputError` when it is unusable.

    ``version`` 1 (or 2) recomputes a ranking published by that engine version, digit for digit.
    """
    if not isinstance(instance, dict):
        raise InputError(Message("instance_not_object"))
    if version not in VERSIONS:
        raise InputError(Message("version_unknown", {"versions": str(VERSIONS), "given": repr(version)}))
    columns = codec.mark_columns(instance.get("scores"))
    data = codec.read_instance(instance, columns)
    digests = Digests(inputs_hash(instance, version, columns),
                      lambda: inputs_hash(codec.round_one(instance), version))
    return codec.write_result(rank_input(data, version, digests))


solve = rank


def read_sheets(instance: dict):
    """The usable sheets of a JSON instance as model input: (sheets, entry ids, judge ids, rounds)."""
    return read_input_sheets(codec.read_instance(instance))


def round_one_plans(instance: dict, extra_loads: list[float]) -> RoundOnePlans:
    """The finalist round :func:`rank` would propose at each extra load, from round 1 alone."""
    before = codec.round_one(instance)
    return plans_of_input(codec.read_instance(before), extra_loads, inputs_hash(before))


def breakdown(instance: dict, entry: str, result: dict | None = None) -> dict:
    """Explain one entry's score: each sheet's marks, raw weighted total and calibrated mark.

    The calibrated mark is the judge's total mapped back through their leniency and scale,
    ``centre + (total - centre - leniency) / scale``: what the average judge would have given.
    Pass the ``result`` of :func:`rank` to avoid ranking again.
    """
    result = result if result is not None else rank(instance)
    marks = read_marks(codec.read_instance(instance))
    judges = {row["judge"]: row for row in result["judges"]}
    centre = result["calibration_centre"]
    rows = {row["entry"]: row for row in result["ranking"]}
    if entry not in rows:
        raise InputError(Message("entry_not_ranked", {"entry": repr(entry)}))
    raw_marks = codec.raw_marks(instance)
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
    return rounded({"entry": entry, "method": result["method"], "score": rows[entry]["score"],
                    "raw_mean": rows[entry]["raw_mean"], "sheets": sheets})
