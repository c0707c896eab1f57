"""How far the judges agree: inter-rater reliability, each judge against the others, and whether
the judge-entry graph holds together at all (scores in separate pieces cannot be compared)."""
from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from contest.engines.scoring.messages import explain
from contest.engines.scoring.model import Judges, Sheets

LOW_AGREEMENT = 0.2        # correlation with the other judges' consensus below this: flagged
NOISY = 2.0                # noise above this multiple of the median judge's: flagged
EXTREME_LENIENCY = 3.5     # robust z-score of leniency above this: flagged
SCALE_LIMITS = (0.5, 2.0)  # a scale outside: flagged as compressed or stretched


def krippendorff_alpha_interval(unit: np.ndarray, value: np.ndarray) -> float | None:
    """Krippendorff's alpha with the interval metric; units with a single value are left out.

    Handles any number of values per unit (missing data): D_o pools the within-unit squared
    differences weighted 1/(m_u - 1), D_e all pairs of pairable values.
    """
    if len(unit) == 0:
        return None
    _, unit = np.unique(unit, return_inverse=True)
    count = np.bincount(unit)
    pairable = count[unit] >= 2
    unit, value = unit[pairable], np.asarray(value, dtype=float)[pairable]
    n = len(value)
    if n < 2:
        return None
    count = np.bincount(unit)
    mean = np.bincount(unit, weights=value) / np.maximum(count, 1)
    within = np.bincount(unit, weights=(value - mean[unit]) ** 2)
    used = count >= 2
    observed = float(np.sum(2.0 * count[used] * within[used] / (count[used] - 1))) / n
    expected = 2.0 * float(np.sum((value - value.mean()) ** 2)) / (n - 1)
    if expected <= 1e-12:
        return None
    return 1.0 - observed / expected


def components(sheets: Sheets) -> np.ndarray:
    """Connected piece of the judge-entry graph for each entry, numbered from 0
    in order of each piece's first entry index; unscored entries get -1."""
    size = sheets.n_entries + sheets.n_judges
    graph = sparse.coo_matrix((np.ones(len(sheets.entry)), (sheets.entry, sheets.n_entries + sheets.judge)),
                              shape=(size, size))
    _, piece = csgraph.connected_components(graph, directed=False)
    scored = np.flatnonzero(np.bincount(sheets.entry, minlength=sheets.n_entries) > 0)
    pieces, first = np.unique(piece[scored], return_index=True)
    number = np.empty(len(pieces), dtype=np.int64)
    number[np.argsort(first)] = np.arange(len(pieces))
    label = np.full(sheets.n_entries, -1)
    label[scored] = number[np.searchsorted(pieces, piece[scored])]
    return label


def judge_agreement(sheets: Sheets, judges: Judges) -> np.ndarray:
    """Correlation of each judge's totals with the calibrated consensus of the other judges on the
    same entries (leave-that-judge-out posterior mean); NaN with fewer than 3 such entries."""
    w = 1.0 / np.maximum(judges.noise[sheets.judge] ** 2, 1e-4)
    b = judges.scale[sheets.judge]
    prec = w * b * b
    signal = w * b * (sheets.total - judges.leniency[sheets.judge])
    _, pair = np.unique(sheets.entry * sheets.n_judges + sheets.judge, return_inverse=True)
    own_prec = np.bincount(pair, prec)[pair]
    own_signal = np.bincount(pair, signal)[pair]
    other_prec = np.bincount(sheets.entry, prec, sheets.n_entries)[sheets.entry] - own_prec
    other_signal = np.bincount(sheets.entry, signal, sheets.n_entries)[sheets.entry] - own_signal
    has_other = other_prec > 1e-9 * np.maximum(own_prec, 1e-12)
    consensus = np.where(has_other, other_signal / np.where(has_other, other_prec, 1.0), np.nan)
    result = np.full(sheets.n_judges, np.nan)
    usable = np.flatnonzero(has_other)
    by_judge = usable[np.argsort(sheets.judge[usable], kind="stable")]    # sheet order kept within a judge
    bounds = np.searchsorted(sheets.judge[by_judge], np.arange(sheets.n_judges + 1))
    for j in range(sheets.n_judges):
        mine = by_judge[bounds[j] : bounds[j + 1]]
        if len(mine) < 3:
            continue
        x, y = sheets.total[mine], consensus[mine]
        if np.std(x) < 1e-9 or np.std(y) < 1e-9:
            continue
        result[j] = float(np.corrcoef(x, y)[0, 1])
    return result


def outlier_codes(judges: Judges, agreement: np.ndarray, counts: np.ndarray) -> list[list[dict]]:
    """Reasons to look at a judge's marks again, as codes (empty list: nothing unusual)."""
    active = counts > 0
    noise_median = float(np.median(judges.noise[active])) if active.any() else 0.0
    lenient = judges.leniency[active]
    centre = float(np.median(lenient)) if active.any() else 0.0
    spread = 1.4826 * float(np.median(np.abs(lenient - centre))) if active.any() else 0.0
    reasons = []
    for j in range(len(judges.leniency)):
        found: list[str] = []
        if not active[j]:
            reasons.append([])
            continue
        if np.isfinite(agreement[j]) and agreement[j] < LOW_AGREEMENT:
            found.append("low_agreement")
        if noise_median > 0 and judges.noise[j] > NOISY * noise_median:
            found.append("noisy")
        if spread > 1e-9 and abs(judges.leniency[j] - centre) / spread > EXTREME_LENIENCY:
            found.append("lenient" if judges.leniency[j] > centre else "harsh")
        if judges.scale[j] < SCALE_LIMITS[0]:
            found.append("compressed")
        elif judges.scale[j] > SCALE_LIMITS[1]:
            found.append("stretched")
        reasons.append([{"code": code} for code in found])
    return reasons


def outlier_reasons(judges: Judges, agreement: np.ndarray, counts: np.ndarray) -> list[list[str]]:
    """The same reasons in plain English."""
    return [[explain(code) for code in codes] for codes in outlier_codes(judges, agreement, counts)]
