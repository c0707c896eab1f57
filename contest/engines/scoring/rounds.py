"""The finalist round: which entries deserve a second look, and by how many judges.

The plan is a pre-posterior analysis. Each Monte Carlo draw of round-1 scores is treated as a
possible truth; for a shortlist of the S most promising entries and a panel of P judges we
simulate what the panel would report, combine it with round 1, and count how much of that
truth's prize zone the final ranking would catch. The (S, P) with the best expected catch within
the review budget wins: a long shortlist catches more dark horses, a big panel separates the
finalists better, and the budget ``S * P <= extra_load * round-1 reviews`` forces the trade.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLAN_TRUTHS = 400          # Monte Carlo truths used to score each candidate plan
MIN_PANEL = 3              # a final panel has at least this many judges (all there are, if fewer)


@dataclass(frozen=True)
class Plan:
    shortlist: list[int]           # entry indices, most promising first
    panel_size: int
    expected_recall: float | None  # expected share of the true prize zone ranked in it at the end


def promising_order(p_top: np.ndarray, score: np.ndarray, names: list[str]) -> list[int]:
    """Entries by chance of the prize zone, then by score, then by id (for a stable listing)."""
    chance, value = np.asarray(p_top).tolist(), np.asarray(score).tolist()
    return sorted(range(len(value)), key=lambda e: (-chance[e], -value[e], names[e]))


def plan_final_round(
    draws: np.ndarray,
    order: list[int],
    prize_zone: int,
    budget: int,
    panel_noise_var: list[float],
    rng: np.random.Generator,
    moments: tuple[np.ndarray, np.ndarray] | None = None,
) -> Plan:
    """Best (shortlist, panel size) within ``budget`` extra reviews.

    :param draws: (n_draws, n_entries) round-1 score draws
    :param order: entries, most promising first (see :func:`promising_order`)
    :param panel_noise_var: ``panel_noise_var[P - 1]`` is the noise variance of the mean of the
        best P available judges, in score units; its length caps the panel size
    :param moments: each entry's score mean and variance, when ``draws`` are just the truths (of
        the entries a plan can touch: every entry that can be in a draw's prize zone and the
        longest shortlist); otherwise taken from the draws

    The panel has at least :data:`MIN_PANEL` judges: the forecast would happily let one judge's
    ballot decide who wins a car when that catches a dark horse more often, and no jury would
    accept it. The shortlist holds at least the prize zone, since finalists rank above everyone
    and a shorter one could not change who is in the zone. A budget too small for both proposes
    no final round.
    """
    n_entries = draws.shape[1]
    zone = min(prize_zone, n_entries)
    if budget < 1 or n_entries == 0 or not panel_noise_var or zone == 0:
        return Plan([], 0, None)

    truths = draws[: min(PLAN_TRUTHS, len(draws))]
    mean, var = (draws.mean(axis=0), draws.var(axis=0)) if moments is None else moments
    var = np.maximum(var, 1e-9)
    true_top = np.zeros(truths.shape, dtype=bool)
    np.put_along_axis(true_top, np.argpartition(-truths, zone - 1, axis=1)[:, :zone], True, axis=1)
    rows = np.arange(len(truths))[:, None]
    order_arr = np.asarray(order)
    noise = rng.standard_normal((len(truths), n_entries))

    candidates: dict[int, int] = {}
    for panel in range(min(MIN_PANEL, len(panel_noise_var)), len(panel_noise_var) + 1):
        size = min(n_entries, budget // panel)
        if size < zone:
            break
        candidates[size] = max(candidates.get(size, 0), panel)
    if not candidates:
        return Plan([], 0, None)

    # Every shortlist is a head of ``order``: gathered once in that order, each is a slice.
    longest = order_arr[:max(candidates)]
    truths_in_order, top_in_order = truths[:, longest], true_top[:, longest]
    mean_in_order, var_in_order = mean[longest], var[longest]
    best: tuple | None = None
    for size, panel in sorted(candidates.items()):
        nv = panel_noise_var[panel - 1]
        seen = truths_in_order[:, :size] + np.sqrt(nv) * noise[:, :size]
        short_var = var_in_order[:size]
        combined = (mean_in_order[:size] / short_var + seen / nv) / (1.0 / short_var + 1.0 / nv)
        picked = np.argpartition(-combined, zone - 1, axis=1)[:, :zone]
        recall = float(top_in_order[rows, picked].sum(axis=1).mean()) / zone
        key = (round(recall, 9), -size * panel, panel)
        if best is None or key > best[0]:
            best = (key, size, panel, recall)
    _, size, panel, recall = best
    return Plan(order[:size], panel, recall)
