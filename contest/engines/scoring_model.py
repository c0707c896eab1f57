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

Nothing here knows about ids, JSON or rounds: only integer indices and floats.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

# Shrinkage settings for the calibrated model, on the 0-100 total scale (see docs/scoring.md).
NOISE_PRIOR_DOF = 4.0          # nu: a judge's noise is pooled with the panel's as if from 4 sheets
LENIENCY_PRIOR_SD = 8.0        # weak hyperprior guess for tau_a, worth HYPER_DOF judges
SCALE_PRIOR_SD = 0.25          # weak hyperprior guess for the sd of log b_j, worth HYPER_DOF judges
HYPER_DOF = 3.0
MIN_NOISE_VAR = 1e-4           # floor for variances (0.01 points): perfect agreement stays finite
DEFAULT_NOISE_VAR = 25.0       # 5 points: the noise assumed when a contest gives no way to measure it
OUTER_ROUNDS = 3                # empirical-Bayes rounds; ranks hardly move after the first


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


@dataclass
class Fit:
    """Scores of one model: ``score`` is the point estimate, ``draws`` are (n_draws, n_entries)."""

    method: str
    score: np.ndarray
    draws: np.ndarray
    judges: Judges | None = None
    prior_mean: float = 0.0
    prior_sd: float = np.inf
    centre: float = 0.0            # calibrated: total = centre + leniency + scale * (score - centre)


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
    draws = _draws_for_means(score, noise_var / np.maximum(count, 1), rng, n_draws)
    return Fit("mean", score, draws)


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
    draws = _draws_for_means(mean_z, noise_var / np.maximum(count, 1), rng, n_draws)
    return Fit("zscore", centre + spread * mean_z, centre + spread * draws)


# --- calibrated: affine judges, quality integrated out --------------------------------------------

class _Marginal:
    """Negative log marginal posterior of the judges' parameters, and its gradient.

    x = [a (J), beta (J), log s^2 (J)], with b = exp(beta - mean(beta)): the judges' scales have
    geometric mean 1 by construction. Quality has a flat prior while the judges are fitted, so
    nothing pulls whole groups of entries (say a strong field) towards the overall mean; only
    sheets that link the groups, and the leniency prior, place them.
    """

    def __init__(self, sheets: Sheets, hyper: dict):
        self.s = sheets
        self.hyper = hyper
        self.scored = np.bincount(sheets.entry, minlength=sheets.n_entries) > 0

    def parts(self, x):
        j = self.s.n_judges
        beta = x[j : 2 * j]
        return x[:j], np.exp(beta - beta.mean()), beta, x[2 * j : 3 * j]

    def value_and_grad(self, x):
        s, h = self.s, self.hyper
        n = s.n_judges
        a, b, beta, log_var = self.parts(x)
        var = np.exp(log_var)
        w = (1.0 / var)[s.judge]
        bi = b[s.judge]
        dev = s.total - a[s.judge]
        precision = _sum_by(s.entry, w * bi * bi, s.n_entries)
        precision = np.where(self.scored, precision, 1.0)
        m = _sum_by(s.entry, w * bi * dev, s.n_entries) / precision
        v = 1.0 / precision
        r = dev - bi * m[s.entry]
        centred_beta = beta - beta.mean()
        nu, s0 = h["nu"], h["s0_var"]
        value = 0.5 * float(np.sum(w * r * r) + np.sum(np.log(precision[self.scored])) + np.sum(log_var[s.judge]))
        value += 0.5 * float(np.sum(a**2)) / h["tau_a2"] + 0.5 * float(np.sum(centred_beta**2)) / h["tau_beta2"]
        value += 0.5 * float(beta.mean() ** 2)                      # pins the free direction
        value += float(np.sum(0.5 * nu * log_var + 0.5 * nu * s0 / var))

        me, ve = m[s.entry], v[s.entry]
        g_a = -_sum_by(s.judge, w * r, n) + a / h["tau_a2"]
        g_b = _sum_by(s.judge, w * (-r * me + bi * ve), n)
        g_logb = g_b * b
        g_beta = g_logb - g_logb.mean() + centred_beta / h["tau_beta2"] + beta.mean() / n
        g_lv = 0.5 * _sum_by(s.judge, 1.0 - w * (r * r + bi * bi * ve), n) + 0.5 * nu * (1.0 - s0 / var)
        return value, np.concatenate([g_a, g_beta, g_lv])


def _initial_point(sheets: Sheets) -> np.ndarray:
    n_j = sheets.n_judges
    noise_var = _pooled_within_variance(sheets.entry, sheets.total, sheets.n_entries, DEFAULT_NOISE_VAR)
    return np.concatenate([np.zeros(n_j), np.zeros(n_j), np.full(n_j, np.log(noise_var))])


def _judge_block_variances(sheets: Sheets, judges: Judges, m, v, hyper) -> tuple[np.ndarray, np.ndarray]:
    """Posterior variances of a_j and log b_j from each judge's 2x2 information block."""
    n = sheets.n_judges
    w = 1.0 / np.maximum(judges.noise[sheets.judge] ** 2, MIN_NOISE_VAR)
    me, ve = m[sheets.entry], v[sheets.entry]
    b = judges.scale
    h_aa = _sum_by(sheets.judge, w, n) + 1.0 / hyper["tau_a2"]
    h_ab = _sum_by(sheets.judge, w * me, n) * b
    h_bb = _sum_by(sheets.judge, w * (me * me + ve), n) * b * b + 1.0 / hyper["tau_beta2"]
    det = np.maximum(h_aa * h_bb - h_ab**2, 1e-12)
    return h_bb / det, h_aa / det


def _judges_from(x: np.ndarray, n_judges: int) -> Judges:
    a, beta, lv = x[:n_judges], x[n_judges : 2 * n_judges], x[2 * n_judges : 3 * n_judges]
    return Judges(a.copy(), np.exp(beta - beta.mean()), np.sqrt(np.exp(lv)))


def _minimise(objective: _Marginal, x: np.ndarray) -> np.ndarray:
    n_j = objective.s.n_judges
    bounds = [(None, None)] * (2 * n_j) + [(np.log(MIN_NOISE_VAR), None)] * n_j
    result = optimize.minimize(
        objective.value_and_grad, x, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 3000, "ftol": 1e-12, "gtol": 1e-7},
    )
    return result.x


def fit_judges(sheets: Sheets) -> tuple[np.ndarray, dict, _Marginal]:
    """Maximise the marginal posterior of the judges' parameters; empirical-Bayes hyperparameters."""
    n_j = sheets.n_judges
    x = _initial_point(sheets)
    hyper = {
        "tau_a2": LENIENCY_PRIOR_SD**2,
        "tau_beta2": SCALE_PRIOR_SD**2,
        "nu": NOISE_PRIOR_DOF,
        "s0_var": float(np.exp(x[2 * n_j])),
    }
    for _ in range(OUTER_ROUNDS):
        objective = _Marginal(sheets, hyper)
        x = _minimise(objective, x)
        judges = _judges_from(x, n_j)
        m, v = entry_posterior(sheets, judges, 0.0, np.inf)
        var_a, var_logb = _judge_block_variances(sheets, judges, m, v, hyper)
        log_b = np.log(judges.scale)
        new = {
            "tau_a2": (float(np.sum(judges.leniency**2 + var_a)) + HYPER_DOF * LENIENCY_PRIOR_SD**2)
            / (n_j + HYPER_DOF),
            "tau_beta2": (float(np.sum(log_b**2 + var_logb)) + HYPER_DOF * SCALE_PRIOR_SD**2) / (n_j + HYPER_DOF),
            "nu": NOISE_PRIOR_DOF,
            "s0_var": float(np.exp(np.mean(x[2 * n_j : 3 * n_j]))),
        }
        change = max(abs(np.log(new[k] / hyper[k])) for k in ("tau_a2", "tau_beta2", "s0_var"))
        hyper = new
        if change < 0.01:
            break
    objective = _Marginal(sheets, hyper)
    return _minimise(objective, x), hyper, objective


def _hessian(objective: _Marginal, x: np.ndarray) -> np.ndarray:
    """Symmetrised central finite differences of the analytic gradient, made positive definite."""
    size = len(x)
    hess = np.empty((size, size))
    for k in range(size):
        step = 1e-4 * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += step
        down[k] -= step
        hess[k] = (objective.value_and_grad(up)[1] - objective.value_and_grad(down)[1]) / (2 * step)
    hess = 0.5 * (hess + hess.T)
    values, vectors = np.linalg.eigh(hess)
    floor = max(float(values.max()) * 1e-9, 1e-9)
    return (vectors * np.maximum(values, floor)) @ vectors.T


def normalise(judges: Judges, active: np.ndarray | None = None):
    """Re-express qualities so the average judge has leniency 0 and scale 1 (ranks are unchanged).

    A score is then "the total the average judge of this contest would give". ``active`` limits
    the average to judges with sheets.
    """
    active = np.ones(len(judges.scale), bool) if active is None or not active.any() else active
    shift = float(np.mean(judges.leniency[active]))
    stretch = float(np.mean(judges.scale[active]))
    judges = Judges(judges.leniency - judges.scale * shift / stretch, judges.scale / stretch, judges.noise)
    return judges, shift, stretch


def fit_calibrated(
    sheets: Sheets, rng, n_draws: int, fixed: Judges | None = None, chunk: int = 250
) -> Fit:
    """Affine judge model; ``fixed`` supplies known judges' parameters (the simulator's oracle).

    The model is fitted around the centre ``c`` of the totals, ``total - c = a_j + b_j (q_e - c)``,
    so a judge's leniency is their offset on a typical entry (not an extrapolation to zero) and
    is nearly independent of their scale. ``fixed`` is given as ``total = A_j + B_j q_e``.
    Scores are posterior means under an empirical-Bayes prior ``q ~ N(mu, tau^2)`` fitted once the
    judges are known: an entry seen only by noisy judges is not ranked on its luck.
    """
    n_j = sheets.n_judges
    centre = float(np.mean(sheets.total))
    centred = Sheets(sheets.entry, sheets.judge, sheets.total - centre, sheets.n_entries, n_j)
    active = np.bincount(sheets.judge, minlength=n_j) > 0
    x = root = None
    if fixed is None:
        x, _, objective = fit_judges(centred)
        judges = _judges_from(x, n_j)
        if n_draws:
            cov = np.linalg.inv(_hessian(objective, x))
            root = np.linalg.cholesky(0.5 * (cov + cov.T) + 1e-12 * np.eye(len(x)))
    else:
        judges = Judges(fixed.leniency + (fixed.scale - 1.0) * centre, fixed.scale, fixed.noise)

    judges, _, _ = normalise(judges, active)
    mu, tau = _fit_quality_prior(centred, judges)
    score, variance = entry_posterior(centred, judges, mu, tau)

    draws = np.empty((n_draws, sheets.n_entries))
    for start in range(0, n_draws, chunk):
        size = min(start + chunk, n_draws) - start
        if root is None:
            draws[start : start + size] = score + np.sqrt(variance) * rng.standard_normal((size, sheets.n_entries))
        else:
            xs = x[None, :] + rng.standard_normal((size, len(x))) @ root.T
            draws[start : start + size] = _conditional_draws(centred, xs, mu, tau, active, rng)
    return Fit("calibrated", score + centre, draws + centre, judges, mu + centre, tau, centre)


def _conditional_draws(sheets: Sheets, xs: np.ndarray, mu: float, tau: float, active, rng) -> np.ndarray:
    """For each draw of the judges' parameters, one draw of every entry's quality given them."""
    n_j, n_e, size = sheets.n_judges, sheets.n_entries, len(xs)
    a, beta = xs[:, :n_j], xs[:, n_j : 2 * n_j]
    b = np.exp(beta - beta.mean(axis=1, keepdims=True))
    w = np.exp(-np.clip(xs[:, 2 * n_j : 3 * n_j], np.log(MIN_NOISE_VAR), None))
    # Each draw on its own average-judge scale, as the point estimate is.
    shift = a[:, active].mean(axis=1, keepdims=True)
    stretch = b[:, active].mean(axis=1, keepdims=True)
    a = a - b * shift / stretch
    b = b / stretch
    wi, bi, ai = w[:, sheets.judge], b[:, sheets.judge], a[:, sheets.judge]
    offset = (np.arange(size)[:, None] * n_e + sheets.entry[None, :]).ravel()
    u = 1.0 / tau**2
    precision = u + np.bincount(offset, (wi * bi * bi).ravel(), size * n_e).reshape(size, n_e)
    signal = u * mu + np.bincount(offset, (wi * bi * (sheets.total[None, :] - ai)).ravel(), size * n_e).reshape(
        size, n_e
    )
    return signal / precision + rng.standard_normal((size, n_e)) / np.sqrt(precision)


def _fit_quality_prior(sheets: Sheets, judges: Judges) -> tuple[float, float]:
    """Empirical-Bayes mean and spread of quality given the judges' parameters (EM)."""
    scored = np.bincount(sheets.entry, minlength=sheets.n_entries) > 0
    m, v = entry_posterior(sheets, judges, 0.0, np.inf)
    mu = float(np.mean(m[scored]))
    tau = float(np.sqrt(max(np.var(m[scored]), 1.0)))
    for _ in range(500):
        m, v = entry_posterior(sheets, judges, mu, tau)
        m, v = m[scored], v[scored]
        new_mu = float(np.mean(m))
        new_tau = float(np.sqrt(max(np.mean((m - new_mu) ** 2 + v), MIN_NOISE_VAR)))
        done = abs(new_mu - mu) < 1e-10 and abs(new_tau - tau) < 1e-10
        mu, tau = new_mu, new_tau
        if done:
            break
    return mu, tau
