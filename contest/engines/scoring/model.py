"""The statistics behind the scoring engine: sheet totals in, entry scores and their uncertainty out.

Three models share one shape, :class:`Fit`: a point score per entry and Monte Carlo draws of the
scores for intervals, rank intervals and the chance of reaching the prize zone.

* ``calibrated``: every judge j is an affine instrument around the centre c of the totals,
  ``total - c = a_j + b_j * (q_e - c) + N(0, s_j^2)``. The judges' leniency ``a_j``, scale ``b_j``
  and noise ``s_j`` maximise their marginal posterior with the entries' quality integrated out
  exactly under a flat prior (restricted likelihood: few sheets per entry do not bias the scales,
  and no field of entries is pulled towards the overall mean). Priors: ``a_j ~ N(0, tau_a^2)``,
  ``log b_j ~ N(0, tau_b^2)`` with the scales' geometric mean fixed at 1, ``s_j^2`` scaled
  inverse-chi2 around the judges' typical noise; ``tau_a``, ``tau_b`` by empirical Bayes. An
  entry's score is its posterior mean under an empirical-Bayes prior ``q ~ N(mu, tau^2)``:
  precision-weighted marks, mildly shrunk. Uncertainty: a Laplace approximation over the judges'
  parameters, and the exact Gaussian posterior of the qualities given each draw of them.
* ``mean``: the plain mean of an entry's totals.
* ``zscore``: each judge's totals standardised by that judge's own mean and spread.

The calibrated model's solver is :mod:`contest.engines.scoring.solver`. Nothing here knows about
ids, JSON or rounds: only integer indices and floats.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_NOISE_VAR = 1e-4           # floor for variances (0.01 points): perfect agreement stays finite
DEFAULT_NOISE_VAR = 25.0       # 5 points: the noise assumed when a contest gives no way to measure it


@dataclass(frozen=True)
class Sheets:
    """One row per complete score sheet (a judge's weighted total for one entry in one round)."""

    entry: np.ndarray
    judge: np.ndarray
    total: np.ndarray
    n_entries: int
    n_judges: int


@dataclass(frozen=True)
class Judges:
    """A judge's affine model ``total = leniency + scale * quality + N(0, noise^2)``."""

    leniency: np.ndarray
    scale: np.ndarray
    noise: np.ndarray


@dataclass(frozen=True)
class Posterior:
    """The scores' uncertainty as a mixture: for each of K draws of the judges' parameters, every
    entry's exact Gaussian posterior given them (K = 1 for the mean and z-score models).

    Kept as (K, n_entries) means and sds, so any subset of entries can be drawn on demand and
    nobody pays for n_draws x n_entries numbers that no answer reads.
    """

    mean: np.ndarray
    sd: np.ndarray

    def draws(self, entries: np.ndarray, n_draws: int, rng) -> np.ndarray:
        """(n_draws, len(entries)) joint draws; draw d uses the judges' draw d mod K."""
        rows = np.ix_(np.arange(n_draws) % len(self.mean), np.asarray(entries))
        mean = self.mean[rows]
        mean += self.sd[rows] * rng.standard_normal(mean.shape, dtype=np.float32)
        return mean

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of each entry's score over the whole mixture."""
        mean = self.mean.mean(axis=0, dtype=float)
        return mean, np.mean(np.square(self.sd, dtype=float), axis=0) + self.mean.var(axis=0, dtype=float)


@dataclass
class Fit:
    """Scores of one model: ``score`` is the point estimate; ``draws`` (n_draws, n_entries) are
    the version 1 Monte Carlo draws, ``posterior`` what version 2 draws from."""

    method: str
    score: np.ndarray
    draws: np.ndarray
    judges: Judges | None = None
    prior_mean: float = 0.0
    prior_sd: float = np.inf
    centre: float = 0.0            # calibrated: total = centre + leniency + scale * (score - centre)
    posterior: Posterior | None = None


# --- shared pieces -----------------------------------------------------------------------------

def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(index, weights=values, minlength=size)


def entry_posterior(sheets: Sheets, judges: Judges, prior_mean: float, prior_sd: float):
    """Exact posterior mean and variance of each entry's quality given the judges' parameters."""
    weight = 1.0 / np.maximum(judges.noise[sheets.judge] ** 2, MIN_NOISE_VAR)
    scale = judges.scale[sheets.judge]
    prior_precision = 0.0 if not np.isfinite(prior_sd) else 1.0 / prior_sd**2
    precision = prior_precision + _sum_by(sheets.entry, weight * scale**2, sheets.n_entries)
    signal = prior_precision * prior_mean + _sum_by(
        sheets.entry, weight * scale * (sheets.total - judges.leniency[sheets.judge]), sheets.n_entries
    )
    precision = np.maximum(precision, 1e-12)
    return signal / precision, 1.0 / precision


def _pooled_within_variance(entry: np.ndarray, values: np.ndarray, n_entries: int, default: float) -> float:
    """Variance of values around their entry's mean, pooled over entries with two or more.

    With one sheet per entry noise and quality cannot be told apart: all the spread of the values
    (or ``default`` for a single value) is taken as noise, the cautious choice.
    """
    count = np.bincount(entry, minlength=n_entries)
    mean = _sum_by(entry, values, n_entries) / np.maximum(count, 1)
    dof = float(np.sum(np.maximum(count - 1, 0)))
    if dof > 0:
        return max(float(np.sum((values - mean[entry]) ** 2)) / dof, MIN_NOISE_VAR)
    if len(values) > 1 and np.var(values) > MIN_NOISE_VAR:
        return float(np.var(values))
    return default


def _draws_for_means(mean: np.ndarray, variance: np.ndarray, rng, n_draws: int) -> np.ndarray:
    return mean[None, :] + np.sqrt(variance)[None, :] * rng.standard_normal((n_draws, len(mean)))


# --- plain mean and z-score ----------------------------------------------------------------------

def fit_mean(sheets: Sheets, rng, n_draws: int) -> Fit:
    """Plain mean of each entry's totals; uncertainty from the pooled within-entry spread."""
    count = np.bincount(sheets.entry, minlength=sheets.n_entries)
    score = _sum_by(sheets.entry, sheets.total, sheets.n_entries) / np.maximum(count, 1)
    noise_var = _pooled_within_variance(sheets.entry, sheets.total, sheets.n_entries, DEFAULT_NOISE_VAR)
    variance = noise_var / np.maximum(count, 1)
    draws = _draws_for_means(score, variance, rng, n_draws)
    return Fit("mean", score, draws, posterior=Posterior(score[None, :], np.sqrt(variance)[None, :]))


def zscores(sheets: Sheets) -> np.ndarray:
    """Each total as standard deviations from its judge's own mean (judges with <2 sheets: overall)."""
    n = sheets.n_judges
    count = np.bincount(sheets.judge, minlength=n)
    overall_mean = float(np.mean(sheets.total))
    overall_sd = float(np.std(sheets.total, ddof=1)) if len(sheets.total) > 1 else 0.0
    overall_sd = overall_sd if overall_sd > 1e-9 else 1.0
    mean = _sum_by(sheets.judge, sheets.total, n) / np.maximum(count, 1)
    square = _sum_by(sheets.judge, (sheets.total - mean[sheets.judge]) ** 2, n)
    sd = np.sqrt(square / np.maximum(count - 1, 1))
    usable = (count >= 2) & (sd > 1e-9)
    mean = np.where(usable, mean, overall_mean)
    sd = np.where(usable, sd, overall_sd)
    return (sheets.total - mean[sheets.judge]) / sd[sheets.judge]


def fit_zscore(sheets: Sheets, rng, n_draws: int) -> Fit:
    """Mean z-score per entry, shown back on the 0-100 scale of the totals."""
    z = zscores(sheets)
    count = np.bincount(sheets.entry, minlength=sheets.n_entries)
    mean_z = _sum_by(sheets.entry, z, sheets.n_entries) / np.maximum(count, 1)
    centre = float(np.mean(sheets.total))
    spread = float(np.std(sheets.total, ddof=1)) if len(sheets.total) > 1 else 1.0
    spread = spread if spread > 1e-9 else 1.0
    noise_var = _pooled_within_variance(sheets.entry, z, sheets.n_entries, 1.0)
    variance = noise_var / np.maximum(count, 1)
    draws = _draws_for_means(mean_z, variance, rng, n_draws)
    posterior = Posterior(centre + spread * mean_z[None, :], spread * np.sqrt(variance)[None, :])
    return Fit("zscore", centre + spread * mean_z, centre + spread * draws, posterior=posterior)


