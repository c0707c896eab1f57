"""Ranking ballots of the finalist round: each panel judge orders the finalists 1..n, best first.

Marks on a capped scale saturate at the top, where the finalists are; an ordering cannot. Each
judge's positions are turned into expected normal order statistics (van der Waerden scores,
``Phi^-1((n + 1 - p) / (n + 1))``): under a Thurstone model (a judge perceives quality plus
Gaussian noise and orders by it) these are the best linear stand-in for the judge's latent
values, on a scale that needs no leniency or spread to be estimated. A finalist's ballot score
is the mean of its van der Waerden scores over the judges who ranked it. Uncertainty comes from
resampling whole ballots (judges) with replacement.

Nothing here knows about marks or models: names in, validated ballots and scores out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats



@dataclass
class Ballots:
    """Valid ballots: ``positions[judge] = {entry: position}``; every problem named (as codes)."""

    positions: dict[str, dict[str, int]] = field(default_factory=dict)
    finalists: list[str] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # problem codes (see messages)

    @property
    def judges(self) -> list[str]:
        return sorted(self.positions)

    @property
    def entries(self) -> list[str]:
        return sorted({e for ballot in self.positions.values() for e in ballot})

    def reviews(self) -> int:
        return sum(len(ballot) for ballot in self.positions.values())



def read_ballots(places: list[tuple[str, str, int | None]], listed_finalists: list[str] | None,
                 given: dict[str, list[str]] | None = None) -> Ballots:
    """Check the ballot places ``(judge, entry, position)`` by name; a judge's ballot counts only as a whole.

    A ballot must be a permutation of the finalists the judge was given (``given[judge]``, for a
    judge left out of some finalists by a conflict), otherwise of all finalists
    (``listed_finalists`` if the instance lists them, else every entry placed on any ballot):
    each finalist once, positions 1..n once each. A ballot that is not is dropped and every
    reason is named. A position None is not a whole number from 1 (the codec named it).
    """
    given = given or {}
    problems: list[dict] = []
    placed: dict[str, dict[str, list[int]]] = {}
    for judge, entry, position in places:
        if position is not None and position < 1:
            problems.append({"code": "ballot_position_invalid", "judge": judge, "entry": entry,
                             "given": repr(position)})
        placed.setdefault(judge, {}).setdefault(entry, []).append(-1 if position is None or position < 1
                                                                  else position)

    finalists = sorted(set(listed_finalists)) if listed_finalists is not None else sorted(
        {e for ballot in placed.values() for e in ballot})
    out = Ballots(finalists=finalists, problems=problems)
    for judge in sorted(placed):
        ballot = placed[judge]
        finalist_set = set(given[judge]) if judge in given else set(finalists)
        n = len(finalist_set)
        reasons: list[dict] = []
        if any(p == -1 for ps in ballot.values() for p in ps):
            reasons.append({"code": "position_not_whole"})
        for entry in sorted(ballot):
            distinct = sorted(set(ballot[entry]) - {-1})
            if len(distinct) > 1:
                reasons.append({"code": "placed_more_than_once", "entry": entry, "positions": distinct})
            elif len(ballot[entry]) > 1 and -1 not in ballot[entry]:
                problems.append({"code": "ballot_placed_twice_same", "judge": judge, "entry": entry})
        unknown = sorted(set(ballot) - finalist_set)
        if unknown:
            reasons.append({"code": "not_finalists", "entries": unknown})
        missing = sorted(finalist_set - set(ballot))
        if missing:
            reasons.append({"code": "finalists_missing", "entries": missing})
        used: dict[int, list[str]] = {}
        for entry in sorted(ballot):
            for p in set(ballot[entry]) - {-1}:
                used.setdefault(p, []).append(entry)
        for p in sorted(used):
            if len(used[p]) > 1:
                reasons.append({"code": "position_shared", "position": p, "entries": used[p]})
            if p > n:
                reasons.append({"code": "position_beyond", "position": p, "finalists": n})
        if reasons:
            problems.append({"code": "ballot_dropped", "judge": judge, "reasons": reasons})
            continue
        out.positions[judge] = {entry: ps[0] for entry, ps in ballot.items()}
    return out


def van_der_waerden(position: int, n: int) -> float:
    """Van der Waerden score of ``position`` out of ``n`` (best = 1): the normal quantile at (n+1-p)/(n+1)."""
    return float(stats.norm.ppf((n + 1 - position) / (n + 1)))


def ballot_matrix(ballots: Ballots, entries: list[str]) -> np.ndarray:
    """(judges, entries) van der Waerden scores; NaN where a judge did not place the entry."""
    index = {e: i for i, e in enumerate(entries)}
    matrix = np.full((len(ballots.judges), len(entries)), np.nan)
    for row, judge in enumerate(ballots.judges):
        ballot = ballots.positions[judge]
        n = len(ballot)
        for entry, position in ballot.items():
            if entry in index:
                matrix[row, index[entry]] = van_der_waerden(position, n)
    return matrix


def ballot_scores(matrix: np.ndarray) -> np.ndarray:
    """Mean van der Waerden score per entry over the judges who placed it (NaN if none did)."""
    placed = ~np.isnan(matrix)
    count = placed.sum(axis=0)
    total = np.where(placed, matrix, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def ballot_draws(matrix: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, entries) ballot scores with the panel resampled (judges drawn with replacement)."""
    n_judges = matrix.shape[0]
    if n_judges == 0 or draws == 0:
        return np.full((draws, matrix.shape[1]), np.nan)
    picks = rng.integers(0, n_judges, size=(draws, n_judges))
    placed = ~np.isnan(matrix)
    values = np.where(placed, matrix, 0.0)
    total = values[picks].sum(axis=1)
    count = placed[picks].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
