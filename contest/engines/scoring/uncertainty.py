"""Intervals, rank intervals and p_top from a :class:`Posterior`, without drawing every entry.

Version 1 of the engine drew every entry's score 2 000 times and sorted every draw: at national
size (20 000 entries) that is 40 million numbers, a gigabyte and most of half a minute. Here the
draws go only where an answer can depend on them:

* **score intervals**: from each entry's mixture mean and variance (a Gaussian: the mixture is
  of nearly equal Gaussians, so its quantiles are those of one);
* **p_top**: only *contenders* can reach the prize zone. The zone's threshold in a draw is at
  least the N-th best among any subset of entries, so once the contenders are drawn, an entry
  whose score stays below the lowest such threshold in every judges' draw (by ``CONTENDER_Z``
  standard deviations, a chance under 1e-8) is out of the zone; if any entry is not so clearly
  out, it joins the contenders and the check is repeated. Finalists are always drawn;
* **rank intervals**: finalists and the entries that reached the zone in some draw from their
  draws (the count of the others above them taken from reference draws of the whole field),
  every other entry from the expected number of entries above its interval's ends.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from contest.engines.scoring.model import Posterior

CONTENDER_Z = 5.6          # standard deviations below the zone's lowest threshold: out (p < 1e-8)
RANK_DRAWS = 1000          # draws behind the rank interval of an entry that reached the zone
REFERENCE_DRAWS = 32       # draws of the whole field behind "how many entries score above t"


@dataclass
class Uncertainty:
    score_low: np.ndarray
    score_high: np.ndarray
    rank_low: np.ndarray
    rank_high: np.ndarray
    p_top: np.ndarray
    contenders: np.ndarray          # entries drawn for p_top (finalists excluded), best chance first


def summarise(posterior: Posterior, finalist: np.ndarray, prize_zone: int, draws: int, interval: float,
              rng: np.random.Generator, ballot: np.ndarray | None = None) -> Uncertainty:
    """Every entry's score and rank interval and its chance of the prize zone (finalists first).

    :param ballot: (draws, finalists) resampled ballot scores of the finalists, in entry order;
        finalists are ordered by them first and by their score draws second
    """
    n = posterior.mean.shape[1]
    mean, variance = posterior.moments()
    sd = np.sqrt(variance)
    z = float(special.ndtri(0.5 + interval / 2.0))
    score_low, score_high = mean - z * sd, mean + z * sd
    tail = (1.0 - interval) / 2.0
    rank_low, rank_high = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    p_top = np.zeros(n)

    finalists = np.flatnonzero(finalist)
    if len(finalists):
        values = posterior.draws(finalists, draws, rng)
        if ballot is not None:
            primary = np.where(np.isnan(ballot), -1e12, ballot)
            order = np.lexsort((-values, -primary), axis=-1)
        else:
            order = np.argsort(-values, axis=1, kind="stable")
        ranks = _ranks_from_order(order)
        p_top[finalists] = np.mean(ranks <= prize_zone, axis=0)
        rank_low[finalists] = np.quantile(ranks, tail, axis=0, method="lower")
        rank_high[finalists] = np.quantile(ranks, 1.0 - tail, axis=0, method="higher")

    others = np.flatnonzero(~finalist)
    zone = prize_zone - len(finalists)
    contenders = np.zeros(0, dtype=np.int64)
    likely, values = contenders, np.zeros((RANK_DRAWS, 0), dtype=np.float32)
    if len(others) and zone > 0:
        contenders, in_zone, values = _zone_chances(posterior, others, mean, sd, min(zone, len(others)), draws, rng)
        p_top[contenders] = in_zone
        likely, values = contenders[in_zone > 0], values[:RANK_DRAWS, in_zone > 0]
    if len(others):
        _rank_intervals(posterior, others, likely, values, score_low, score_high, tail, len(finalists), rng,
                        rank_low, rank_high)
    order = np.argsort(-p_top[contenders], kind="stable")
    return Uncertainty(score_low, score_high, rank_low, rank_high, p_top, contenders[order])


def _ranks_from_order(order: np.ndarray) -> np.ndarray:
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, order.shape[1] + 1)[None, :], axis=1)
    return ranks


def _zone_chances(posterior: Posterior, others: np.ndarray, mean: np.ndarray, sd: np.ndarray, zone: int,
                  draws: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The contenders among ``others``, each one's share of draws in the top ``zone`` of them, and
    their draws (draws, contenders).

    Given a draw of the judges' parameters the entries' scores are independent, so entries found
    to be contenders late are drawn for the same draws and joined to the others' columns.
    """
    guess = np.sort(mean[others])[-zone]
    chosen = others[mean[others] + CONTENDER_Z * sd[others] >= guess]
    values = posterior.draws(chosen, draws, rng)
    while True:
        best = np.argpartition(-values, zone - 1, axis=1)[:, :zone]
        lowest = float(np.min(np.take_along_axis(values, best, axis=1)))
        # Out: below the lowest threshold seen by CONTENDER_Z sds in every judges' draw.
        gap = (lowest - posterior.mean[:, others]) / posterior.sd[:, others]
        missing = np.setdiff1d(others[np.min(gap, axis=0) < CONTENDER_Z], chosen)
        if not len(missing):
            top_count = np.bincount(best.ravel(), minlength=len(chosen))
            return chosen, top_count / draws, values
        chosen = np.concatenate([chosen, missing])
        values = np.concatenate([values, posterior.draws(missing, draws, rng)], axis=1)


def _rank_intervals(posterior: Posterior, others: np.ndarray, contenders: np.ndarray, values: np.ndarray,
                    score_low, score_high, tail: float, ahead: int, rng, rank_low: np.ndarray,
                    rank_high: np.ndarray) -> None:
    """Rank intervals of the non-finalists, behind the ``ahead`` finalists.

    A contender's rank in a draw (``values``: draws x contenders) is one plus the contenders
    above it in that draw plus the expected number of the rest above its score; anyone else's
    interval ends are one plus the expected number of the others above its score interval's ends.
    """
    reference = posterior.draws(others, REFERENCE_DRAWS, rng)
    outside = ~np.isin(others, contenders)
    grid_low = min(float(np.min(score_low[others])), float(np.min(reference)))
    grid_high = max(float(np.max(score_high[others])), float(np.max(reference)))
    grid = np.linspace(grid_low, grid_high, 2048)
    above_all = _expected_above(reference, grid)
    above_rest = above_all - _expected_above(reference[:, ~outside], grid)

    rest = others[outside]
    own = tail   # the entry's own chance of scoring above its interval's upper end
    best = ahead + 1 + np.interp(score_high[rest], grid, above_all) - own
    worst = ahead + 1 + np.interp(score_low[rest], grid, above_all) - (1.0 - own)
    last = ahead + len(others)
    rank_low[rest] = np.clip(np.floor(best), ahead + 1, last)
    rank_high[rest] = np.clip(np.ceil(worst), ahead + 1, last)
    if not len(contenders):
        return
    within = _ranks_from_order(np.argsort(-values, axis=1, kind="stable"))
    ranks = ahead + within + np.rint(np.interp(values, grid, above_rest)).astype(np.int64)
    rank_low[contenders] = np.clip(np.quantile(ranks, tail, axis=0, method="lower"), ahead + 1, last)
    rank_high[contenders] = np.clip(np.quantile(ranks, 1.0 - tail, axis=0, method="higher"), ahead + 1, last)


def _expected_above(reference: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Mean over the reference draws of how many entries score above each grid point."""
    if reference.shape[1] == 0:
        return np.zeros(len(grid))
    ordered = np.sort(reference, axis=1)
    count = np.zeros(len(grid))
    for row in ordered:
        count += len(row) - np.searchsorted(row, grid, side="right")
    return count / len(reference)
