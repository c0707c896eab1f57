"""The scoring engine's answer, row by row: the ranking table, the judges' diagnostics, and the
rounding that makes the same input give byte-identical JSON."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from contest.engines.scoring.agreement import judge_agreement, outlier_codes
from contest.engines.scoring.messages import explain
from contest.engines.scoring.model import Fit, Judges, Sheets
from contest.engines.scoring.result import RankedEntry
from contest.engines.scoring.sheets import Marks
from contest.engines.scoring.uncertainty import Uncertainty

DECIMALS = 6
_PLAIN = (str, int, bool, type(None))     # output values rounded() passes through as they are


def ranking_rows(marks: Marks, sheets: Sheets, fit: Fit, finalist: np.ndarray, summary: Uncertainty, by_ballot,
                 ids: list[int], component: list[int]) -> list[RankedEntry]:
    """The ranking table's rows, best first: ``ids`` the entries' ids and ``component`` their piece of
    the panel (1-based), both by entry index."""
    n = len(marks.entries)
    count = np.bincount(sheets.entry, minlength=n)
    raw_mean = np.bincount(sheets.entry, weights=sheets.total, minlength=n) / np.maximum(count, 1)
    pair_seen = np.unique(sheets.entry * max(sheets.n_judges, 1) + sheets.judge)
    judges_of = np.bincount(pair_seen // max(sheets.n_judges, 1), minlength=n)

    # The tie-break order: finalists first (by their ballot score when the panel ranked them),
    # then score, raw mean and number of judges, all compared as published (rounded); what is
    # still equal after that is a tie for the jury.
    ballot_score = by_ballot[0] if by_ballot is not None else np.full(n, np.nan)
    shown_score, shown_raw_mean, shown_ballot = (rounded_column(column) for column in (fit.score, raw_mean,
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
        point_rank.tolist(), shown_score, rounded_column(np.minimum(summary.score_low, fit.score)),
        rounded_column(np.maximum(summary.score_high, fit.score)), best.tolist(), worst.tolist(),
        rounded_column(summary.p_top), tied.tolist(), shown_raw_mean, judges_of.tolist(), count.tolist(),
        finalist.tolist(), shown_ballot if by_ballot is not None else [None] * n, component)
    table = [RankedEntry(entry, *row) for entry, row in zip(ids, columns)]     # by entry index
    return [table[e] for e in listing]


def judge_rows(marks: Marks, sheets: Sheets, fit: Fit):
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


def with_silent_judges(rows: list[dict], all_judges: list[str]) -> list[dict]:
    present = {row["judge"] for row in rows}
    silent = [{"judge": j, "leniency": None, "scale": None, "noise": None, "weight": None, "n": 0,
               "agreement": None, "outlier": False, "outlier_reasons": [], "outlier_codes": []}
              for j in all_judges if j not in present]
    return sorted(rows + silent, key=lambda row: row["judge"])


def rounded_column(values: np.ndarray) -> list[float | None]:
    """Floats as :func:`rounded` outputs them, a whole column at once."""
    return [round(v, DECIMALS) + 0.0 if v - v == 0 else None for v in np.asarray(values, dtype=float).tolist()]


def rounded(value: Any) -> Any:
    """Round floats for the output (and turn -0.0, NaN and numpy scalars into plain JSON)."""
    kind = type(value)
    if kind is float:
        return round(value, DECIMALS) + 0.0 if math.isfinite(value) else None
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        # Plain scalars inline: an answer holds some 300 000 of them at national size.
        return {k: v if type(v) in _PLAIN else round(v, DECIMALS) + 0.0 if type(v) is float and v - v == 0
                else rounded(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if not math.isfinite(value) else round(value, DECIMALS) + 0.0
    return value

