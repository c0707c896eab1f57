"""The calibrated model's solver: the judges' affine parameters by their marginal posterior, then
the entries' scores and draws given them (see :mod:`contest.engines.scoring.model` for the model).

Nothing here knows about ids, JSON or rounds: only integer indices and floats.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from contest.engines.scoring.model import (
    DEFAULT_NOISE_VAR,
    MIN_NOISE_VAR,
    Fit,
    Judges,
    Posterior,
    Sheets,
    _pooled_within_variance,
    _sum_by,
    entry_posterior,
)

# Shrinkage settings for the calibrated model, on the 0-100 total scale (see docs/scoring.md).
NOISE_PRIOR_DOF = 4.0          # nu: a judge's noise is pooled with the panel's as if from 4 sheets
LENIENCY_PRIOR_SD = 8.0        # weak hyperprior guess for tau_a, worth HYPER_DOF judges
SCALE_PRIOR_SD = 0.25          # weak hyperprior guess for the sd of log b_j, worth HYPER_DOF judges
HYPER_DOF = 3.0
OUTER_ROUNDS = 3                # empirical-Bayes rounds; ranks hardly move after the first
NEWTON_STEPS = 50
POSTERIOR_CHUNK = 10            # judges' draws turned into posteriors at once (a few MB per sheet array)
ROUGH_DECREMENT = 1e-3          # Newton stops here in the empirical-Bayes rounds before the last

# --- calibrated: affine judges, quality integrated out --------------------------------------------

class _Marginal:
    """Negative log marginal posterior of the judges' parameters, and its gradient.

    x = [a (J), beta (J), log s^2 (J)], with b = exp(beta - mean(beta)): the judges' scales have
    geometric mean 1 by construction. Quality has a flat prior while the judges are fitted, so
    nothing pulls whole groups of entries (say a strong field) towards the overall mean; only
    sheets that link the groups, and the leniency prior, place them.
    """

    def __init__(self, sheets: Sheets, hyper: dict, like: _Marginal | None = None):
        """``like``: an objective on the same sheets whose pairs and Hessian layout are reused."""
        self.s = sheets
        self.hyper = hyper
        self.scored = np.bincount(sheets.entry, minlength=sheets.n_entries) > 0
        self._pair_cache: tuple[np.ndarray, np.ndarray] | None = like._pair_cache if like else None
        self._index_cache: np.ndarray | None = like._index_cache if like else None
        self.newton: _Newton | None = None        # the solver that minimised it last, with its factor

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

    def hessian(self, x) -> np.ndarray:
        """The exact Hessian of :meth:`value_and_grad`, dense, in the same coordinates.

        With quality integrated out, an entry's term is ``-S^2 / 2P + log(P) / 2`` of its sheets'
        sums ``P = sum w b^2`` and ``S = sum w b (total - a)``: second derivatives couple only
        judges who share an entry, one 3x3 block per pair of sheets of the same entry. It is
        assembled in (a, log b, log s^2) and mapped through ``log b = beta - mean(beta)``.
        """
        s, h = self.s, self.hyper
        n = s.n_judges
        a, b, beta, log_var = self.parts(x)
        w = np.exp(-log_var)[s.judge]
        bi = b[s.judge]
        d = s.total - a[s.judge]
        u, sig = w * bi * bi, w * bi * d
        precision = np.maximum(_sum_by(s.entry, u, s.n_entries), 1e-300)
        v = 1.0 / precision
        m = _sum_by(s.entry, sig, s.n_entries) * v
        me, ve = m[s.entry], v[s.entry]
        # First derivatives of each sheet's S and P share by (a, log b, log s^2).
        ds = np.stack([-w * bi, sig, -sig])
        dp = np.stack([np.zeros_like(u), 2.0 * u, -u])
        first, second = self.sheet_pairs
        g_ss, g_sp, g_pp = -ve[first], (me * ve)[first], -(me * me * ve + 0.5 * ve * ve)[first]
        ds_first, dp_first = ds[:, first], dp[:, first]
        by_s = g_ss * ds_first + g_sp * dp_first          # what multiplies the second sheet's dS
        by_p = g_sp * ds_first + g_pp * dp_first          # and its dP
        pairs = by_s[:, None, :] * ds[None, :, second] + by_p[:, None, :] * dp[None, :, second]
        # Each sheet's own second derivatives: of S and P through the entry, of w d^2 / 2 and log s^2 / 2.
        g_s, g_p = -me, 0.5 * (me * me + ve)
        own = np.empty((3, 3, len(u)))
        own[0, 0] = w
        own[0, 1] = own[1, 0] = -g_s * w * bi
        own[0, 2] = own[2, 0] = g_s * w * bi + w * d
        own[1, 1] = g_s * sig + g_p * 4.0 * u
        own[1, 2] = own[2, 1] = -g_s * sig - g_p * 2.0 * u
        own[2, 2] = g_s * sig + g_p * u + 0.5 * w * d * d
        size = 3 * n
        hess = np.bincount(self._hessian_index, np.concatenate([pairs.ravel(), own.ravel()]),
                           size * size).reshape(size, size)
        diagonal = np.concatenate([np.full(n, 1.0 / h["tau_a2"]), np.full(n, 1.0 / h["tau_beta2"]),
                                   0.5 * h["nu"] * h["s0_var"] * np.exp(-log_var)])
        hess[np.diag_indices(size)] += diagonal
        # log b = P beta with P = I - 11'/n; the pin on mean(beta) adds 11'/n^2.
        centred = slice(n, 2 * n)
        hess[:, centred] -= hess[:, centred].mean(axis=1, keepdims=True)
        hess[centred, :] -= hess[centred, :].mean(axis=0, keepdims=True)
        hess[centred, centred] += 1.0 / n**2
        return hess

    @property
    def _hessian_index(self) -> np.ndarray:
        """Flat Hessian positions of the pair blocks and the own blocks, in :meth:`hessian`'s order."""
        if self._index_cache is None:
            n = self.s.n_judges
            first, second = self.sheet_pairs
            rows = np.arange(3)[:, None] * n + self.s.judge[None, :]
            size = 3 * n
            pairs = rows[:, None, first] * size + rows[None, :, second]
            own = rows[:, None, :] * size + rows[None, :, :]
            self._index_cache = np.concatenate([pairs.ravel(), own.ravel()])
        return self._index_cache

    @property
    def sheet_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every ordered pair of sheets (i, k) of the same entry, i == k included."""
        if self._pair_cache is None:
            order = np.argsort(self.s.entry, kind="stable")
            count = np.bincount(self.s.entry, minlength=self.s.n_entries)
            start = np.cumsum(count) - count
            per_sheet = count[self.s.entry[order]]
            first = np.repeat(order, per_sheet)
            within = np.arange(len(first)) - np.repeat(np.cumsum(per_sheet) - per_sheet, per_sheet)
            second = order[np.repeat(start[self.s.entry[order]], per_sheet) + within]
            self._pair_cache = (first, second)
        return self._pair_cache


def _initial_point(sheets: Sheets) -> np.ndarray:
    n_j = sheets.n_judges
    noise_var = _pooled_within_variance(sheets.entry, sheets.total, sheets.n_entries, DEFAULT_NOISE_VAR)
    return np.concatenate([np.zeros(n_j), np.zeros(n_j), np.full(n_j, np.log(noise_var))])


def _additive_start(objective: _Marginal, x: np.ndarray) -> np.ndarray:
    """A start for Newton near the optimum: the additive model ``total = q_e + a_j`` fitted by
    ridge least squares (quality eliminated, one J x J solve), and each judge's spread around it.

    From the flat start the Hessian is indefinite (a judge's offset is far off while the noise is
    already small) and Newton crawls, most along the common shifts of weakly linked judges; the
    least-squares solve places those at once.
    """
    s = objective.s
    n_j = s.n_judges
    count = np.bincount(s.entry, minlength=s.n_entries).astype(float)
    first, second = objective.sheet_pairs
    link = np.bincount(s.judge[first] * n_j + s.judge[second], 1.0 / count[s.entry[first]], n_j * n_j)
    system = np.diag(np.bincount(s.judge, minlength=n_j) + DEFAULT_NOISE_VAR / LENIENCY_PRIOR_SD**2)
    system -= link.reshape(n_j, n_j)
    entry_mean = _sum_by(s.entry, s.total, s.n_entries) / np.maximum(count, 1.0)
    right = _sum_by(s.judge, s.total - entry_mean[s.entry], n_j)
    offset = linalg.solve(system, right, assume_a="pos", check_finite=False)
    quality = _sum_by(s.entry, s.total - offset[s.judge], s.n_entries) / np.maximum(count, 1.0)
    k = count[s.entry]
    shared = k > 1
    residual = np.where(shared, (s.total - offset[s.judge] - quality[s.entry]) ** 2 * k / np.maximum(k - 1.0, 1.0), 0)
    seen = np.bincount(s.judge[shared], minlength=n_j)
    spread = _sum_by(s.judge, residual, n_j) / np.maximum(seen, 1)
    # Scales: each judge's slope on the other judges' view of the same entries (their shared
    # attenuation cancels once the geometric mean is fixed at 1).
    others = np.where(shared, (k * quality[s.entry] - (s.total - offset[s.judge])) / np.maximum(k - 1.0, 1.0), 0.0)
    others = np.where(shared, others - float(np.mean(quality[count > 0])), 0.0)
    slope = _sum_by(s.judge, others * (s.total - offset[s.judge]), n_j) / np.maximum(
        _sum_by(s.judge, others * others, n_j), 1e-12)
    log_scale = np.where((seen > 2) & (slope > 0), np.log(np.clip(slope, 1e-3, None)), np.nan)
    log_scale = np.clip(log_scale - np.nanmean(log_scale), -1.0, 1.0) if np.isfinite(log_scale).any() else log_scale
    start = x.copy()
    start[:n_j] = offset
    start[n_j : 2 * n_j] = np.where(np.isfinite(log_scale), log_scale, 0.0)
    start[2 * n_j :] = np.where(seen > 1, np.log(np.maximum(spread, MIN_NOISE_VAR)), x[2 * n_j :])
    return start


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


class _Newton:
    """Damped Newton on the exact Hessian, noise variances held at or above their floor.

    A handful of steps where L-BFGS-B takes hundreds: each step solves the whole coupled system,
    so the common shifts of a field's judges (which the gradient alone barely sees) move at once.
    A factorised Hessian is reused while it still shrinks the gradient fourfold per step, across
    the empirical-Bayes rounds too (they change only its prior terms).
    """

    def __init__(self):
        self.factor = None
        self.free: np.ndarray | None = None
        self.calls = 0                   # minimisations so far
        self.factored_in = 0             # the one the factor was made in

    def __call__(self, objective: _Marginal, x: np.ndarray, tolerance: float = 1e-10) -> np.ndarray:
        """The optimum, to a Newton decrement below ``tolerance`` (the next step would gain its square)."""
        self.calls += 1
        n_j = objective.s.n_judges
        floor = np.full(len(x), -np.inf)
        floor[2 * n_j :] = np.log(MIN_NOISE_VAR)
        x = np.maximum(x, floor)
        value, grad = objective.value_and_grad(x)
        fresh = False
        for _ in range(NEWTON_STEPS):
            free = ~((x <= floor) & (grad > 0))
            if self.factor is None or not np.array_equal(free, self.free):
                self._refactor(objective, x, free)
                fresh = True
            step = np.zeros_like(x)
            step[free] = -linalg.cho_solve(self.factor, grad[free], check_finite=False)
            decrement = -float(grad @ step)
            if decrement <= 0 and not fresh:
                self.factor = None
                continue
            length = 1.0
            while True:
                trial = np.maximum(x + length * step, floor)
                trial_value, trial_grad = objective.value_and_grad(trial)
                if trial_value <= value - 1e-4 * length * decrement or length < 1e-8:
                    break
                length *= 0.5
            shrunk = np.abs(trial_grad).max() <= 0.8 * np.abs(grad).max()
            x, value, grad = trial, trial_value, trial_grad
            if decrement < tolerance:
                break
            # A stale factor is kept while it still converges: fast enough (the gradient halves)
            # or, in a rough round, while steps are taken whole.
            if not fresh and not shrunk and (tolerance < ROUGH_DECREMENT or length < 1.0):
                self.factor = None
            fresh = False
        return x

    def _refactor(self, objective: _Marginal, x: np.ndarray, free: np.ndarray) -> None:
        """Cholesky factor of the Hessian on the free coordinates, damped until positive definite
        (factorised in place: a failed try rebuilds the Hessian rather than keep a copy)."""
        damping = 0.0
        while True:
            hess = objective.hessian(x)
            if not free.all():
                hess = hess[np.ix_(free, free)]
            if damping == 0.0:
                largest = float(np.abs(np.diag(hess)).max())
            hess[np.diag_indices(len(hess))] += damping
            try:
                self.factor = linalg.cho_factor(hess, lower=True, check_finite=False, overwrite_a=True)
                break
            except linalg.LinAlgError:
                damping = max(1e-3 * largest, 1e-8) if damping == 0.0 else 10.0 * damping
        self.free = free
        self.factored_in = self.calls

    def final_factor(self) -> np.ndarray | None:
        """The lower Cholesky factor of the Hessian made during the last minimisation, on every
        coordinate (none held at a floor), or None: the optimum's curvature, to a Newton step."""
        if self.factor is None or self.factored_in != self.calls or not self.free.all():
            return None
        return self.factor[0]


def _minimise(objective: _Marginal, x: np.ndarray) -> np.ndarray:
    n_j = objective.s.n_judges
    bounds = [(None, None)] * (2 * n_j) + [(np.log(MIN_NOISE_VAR), None)] * n_j
    result = optimize.minimize(
        objective.value_and_grad, x, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 3000, "ftol": 1e-12, "gtol": 1e-7},
    )
    return result.x


def fit_judges(sheets: Sheets, solver: str = "newton") -> tuple[np.ndarray, dict, _Marginal]:
    """Maximise the marginal posterior of the judges' parameters; empirical-Bayes hyperparameters.

    ``solver``: "newton" (exact Hessian) or "lbfgs" (the optimiser of version 1 rankings, kept so
    that rankings published with it recompute to the last digit).
    """
    minimise = _Newton() if solver == "newton" else _minimise
    # The rounds before the last only feed the hyperparameters (kept to 1 %): Newton may stop early.
    rough = (ROUGH_DECREMENT,) if solver == "newton" else ()
    n_j = sheets.n_judges
    x = _initial_point(sheets)
    hyper = {
        "tau_a2": LENIENCY_PRIOR_SD**2,
        "tau_beta2": SCALE_PRIOR_SD**2,
        "nu": NOISE_PRIOR_DOF,
        "s0_var": float(np.exp(x[2 * n_j])),
    }
    objective = None
    if solver == "newton":
        objective = _Marginal(sheets, hyper)
        x = _additive_start(objective, x)
    for _ in range(OUTER_ROUNDS):
        objective = _Marginal(sheets, hyper, objective)
        x = minimise(objective, x, *rough)
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
    objective = _Marginal(sheets, hyper, objective)
    x = minimise(objective, x)
    objective.newton = minimise if solver == "newton" else None
    return x, hyper, objective


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
    sheets: Sheets, rng, n_draws: int, fixed: Judges | None = None, chunk: int = 250, version: int = 2
) -> Fit:
    """Affine judge model; ``fixed`` supplies known judges' parameters (the simulator's oracle).

    The model is fitted around the centre ``c`` of the totals, ``total - c = a_j + b_j (q_e - c)``,
    so a judge's leniency is their offset on a typical entry (not an extrapolation to zero) and
    is nearly independent of their scale. ``fixed`` is given as ``total = A_j + B_j q_e``.
    Scores are posterior means under an empirical-Bayes prior ``q ~ N(mu, tau^2)`` fitted once the
    judges are known: an entry seen only by noisy judges is not ranked on its luck.

    ``version`` 2: Newton on the exact Hessian, and ``n_draws`` draws of the judges' parameters
    from it, each kept as the entries' Gaussian posterior (``Fit.posterior``); version 3 draws
    them through the factor of Newton's last step when it has one. Version 1, kept to
    recompute rankings published with it: L-BFGS-B, a finite-difference Hessian and ``n_draws``
    draws of every entry's score (``Fit.draws``).
    """
    n_j = sheets.n_judges
    centre = float(np.mean(sheets.total))
    centred = Sheets(sheets.entry, sheets.judge, sheets.total - centre, sheets.n_entries, n_j)
    active = np.bincount(sheets.judge, minlength=n_j) > 0
    x = root = None
    if fixed is None:
        x, _, objective = fit_judges(centred, "newton" if version >= 2 else "lbfgs")
        judges = _judges_from(x, n_j)
        lower = objective.newton.final_factor() if version >= 3 and objective.newton else None
        if n_draws and lower is not None:
            # Version 3: the factor Newton made last, near enough the optimum, saves a Hessian and
            # its factorisation (a tenth of a national ranking).
            root = _root_of(lower)
        elif n_draws and version >= 2:
            root = _inverse_root(objective.hessian(x))
        elif n_draws:
            cov = np.linalg.inv(_hessian(objective, x))
            root = np.linalg.cholesky(0.5 * (cov + cov.T) + 1e-12 * np.eye(len(x)))
    else:
        judges = Judges(fixed.leniency + (fixed.scale - 1.0) * centre, fixed.scale, fixed.noise)

    judges, _, _ = normalise(judges, active)
    mu, tau = _fit_quality_prior(centred, judges)
    score, variance = entry_posterior(centred, judges, mu, tau)

    if version >= 2:
        if root is None:
            posterior = Posterior((score + centre)[None, :], np.sqrt(variance)[None, :])
        else:
            xs = x[None, :] + root(rng.standard_normal((n_draws, len(x))))
            mean = np.empty((n_draws, sheets.n_entries), dtype=np.float32)
            sd = np.empty_like(mean)
            for start in range(0, n_draws, POSTERIOR_CHUNK):
                part = slice(start, min(start + POSTERIOR_CHUNK, n_draws))
                part_mean, precision = _conditional_posteriors(centred, xs[part], mu, tau, active)
                mean[part], sd[part] = part_mean + centre, 1.0 / np.sqrt(precision)
            posterior = Posterior(mean, sd)
        return Fit("calibrated", score + centre, np.empty((0, sheets.n_entries)), judges, mu + centre, tau,
                   centre, posterior)

    draws = np.empty((n_draws, sheets.n_entries))
    for start in range(0, n_draws, chunk):
        size = min(start + chunk, n_draws) - start
        if root is None:
            draws[start : start + size] = score + np.sqrt(variance) * rng.standard_normal((size, sheets.n_entries))
        else:
            xs = x[None, :] + rng.standard_normal((size, len(x))) @ root.T
            mean, precision = _conditional_posteriors(centred, xs, mu, tau, active)
            draws[start : start + size] = mean + rng.standard_normal((size, sheets.n_entries)) / np.sqrt(precision)
    return Fit("calibrated", score + centre, draws + centre, judges, mu + centre, tau, centre)


def _inverse_root(hess: np.ndarray):
    """A map from standard normals to draws of N(0, hess^-1): through the Cholesky factor of the
    Hessian (no inverse formed), or its eigenvalues floored when it is not positive definite."""
    try:
        return _root_of(linalg.cholesky(hess, lower=True, check_finite=False))
    except linalg.LinAlgError:
        values, vectors = np.linalg.eigh(0.5 * (hess + hess.T))
        floor = max(float(values.max()) * 1e-9, 1e-9)
        scaled = vectors / np.sqrt(np.maximum(values, floor))
        return lambda normal: normal @ scaled.T


def _root_of(lower: np.ndarray):
    """Standard normals to draws of N(0, (L L')^-1), from the lower triangle of ``lower``."""
    return lambda normal: linalg.solve_triangular(lower, normal.T, lower=True, trans="T", check_finite=False).T


def _conditional_posteriors(sheets: Sheets, xs: np.ndarray, mu: float, tau: float, active):
    """For each draw of the judges' parameters, every entry's posterior mean and precision given them."""
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
    return signal / precision, precision


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
