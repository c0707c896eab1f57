"""Even loads when affinity may be traded: the price of evenness searched for (docs/assignment.md,
"Even loads"), and the usual tie rules applied at the chosen loads."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from contest.engines.assignment import dense
from contest.engines.assignment.connect import Affinity, components
from contest.engines.assignment.flow import Even, squares
from contest.engines.assignment.instance import Instance, Residual, unique
from contest.engines.assignment.pairs import explicit_arcs

TRADE_SOLVES = 12  # most flows solved to find the price of evenness when affinity may be traded


def trade(inst: Instance, res: Residual, even: Even, aff: Affinity, pj, pe, n_locked: int, optimum):
    """Give up at most ``load_evening`` of the optimal affinity for more even loads.

    For a price mu, the flow that maximizes affinity - mu * sum(load^2) is solved exactly (the
    load cost is convex, so it stays a min-cost flow; its duals prove it, as for affinity alone).
    Its loss of affinity grows with mu, so the largest mu whose loss stays within the allowed
    share is searched for (geometric bisection between 1 and 2 x the largest scaled affinity, at
    most TRADE_SOLVES flows). A price whose assignment (with the usual tie rules at its
    loads) splits the judge-entry graph into more pieces than ``pj, pe`` (the lexicographic
    optimum) counts as too high when entries have several judges: calibration needs the links
    more than even loads. The result is kept only if it is more even than ``pj, pe``, so no
    limit is ever broken. ``optimum(inst, res, even, mu, seed)`` is the solver's flow at a price.
    """
    n_j = inst.n_judges
    kj, ke = pj[:n_locked], pe[:n_locked]
    best_int = int(aff.of(pj, pe)[1].sum())
    allowed = math.floor(inst.load_evening * abs(best_int) + 1e-6)
    best_sq = squares(np.bincount(pj, minlength=n_j))
    if res.dense is not None:
        top = int(dense.largest(res.dense))
    elif inst.explicit is not None:
        top = int(np.abs(explicit_arcs(inst, res)[2]).max(initial=0))
    else:
        top = int(np.abs(res.scaled).max(initial=0))
    heaviest = int((even.base + np.minimum(res.hi, int(res.k.sum()))).max(initial=0))
    nodes = n_j + inst.n_entries + 3
    mu_top = max(1, min(2 * top, 2**60 // (nodes * nodes * (2 * heaviest + 1))))  # no overflow in the solver
    # with one judge per entry nothing links judges anyway: pieces do not count then
    pieces = len(components(pj, pe, n_j, inst.n_entries)[1]) if inst.k.max(initial=0) > 1 else None
    # field mode applies its tie rules (which link fields) before counting pieces; the other
    # modes, whose flows are costlier, only to the chosen price's assignment
    tie_each = inst.explicit is None and inst.dense is None
    chosen, lo, hi, solves, seed, last = None, 0, mu_top + 1, 0, None, None
    mu = max(math.isqrt(mu_top), 1)  # high prices take the most pricing rounds: start in the middle
    while solves < TRADE_SOLVES and hi - lo > 1:
        solves += 1
        found = optimum(inst, res, even, mu, seed)
        if not isinstance(found, list):
            keys = found[2] * inst.n_entries + found[3]  # this flow's and the last one's pairs seed the next
            seed, last = unique(np.concatenate([keys] + ([] if last is None else [last]))), keys
            found = (np.concatenate([kj, found[2]]).astype(np.int64), np.concatenate([ke, found[3]]).astype(np.int64))
            found = tied(inst, res, aff, *found, n_locked, optimum) if tie_each else found
        if not isinstance(found, list) and best_int - int(aff.of(*found)[1].sum()) <= allowed \
                and (pieces is None or len(components(*found, n_j, inst.n_entries)[1]) <= pieces):
            lo, chosen = mu, found
        else:
            hi = mu
        mu = min(max(math.isqrt(max(lo, 1) * hi), lo + 1), hi - 1)
    outcome = {"allowed": allowed, "price": 0, "solves": solves}
    if chosen is None or squares(np.bincount(chosen[0], minlength=n_j)) >= best_sq:
        return pj, pe, outcome
    if not tie_each:
        at_loads = tied(inst, res, aff, *chosen, n_locked, optimum)
        if pieces is None or len(components(*at_loads, n_j, inst.n_entries)[1]) <= pieces:
            chosen = at_loads
    outcome["price"] = lo
    even.after = np.bincount(chosen[0][n_locked:], minlength=n_j).astype(np.int64)
    return chosen[0], chosen[1], outcome


def tied(inst: Instance, res: Residual, aff: Affinity, tj, te, n_locked: int, optimum):
    """The assignment ``tj, te`` (locked pairs first) with the usual tie rules at its loads: the
    most affinity with every load fixed is its own (it maximizes affinity - mu * sum(load^2)),
    so only ties move. ``tj, te`` themselves if the re-solve does not confirm that."""
    loads = np.bincount(tj[n_locked:], minlength=inst.n_judges).astype(np.int64)
    found = optimum(inst, replace(res, lo=loads, hi=loads), None)
    if isinstance(found, list):
        return tj, te
    rj = np.concatenate([tj[:n_locked], found[2]]).astype(np.int64)
    re_ = np.concatenate([te[:n_locked], found[3]]).astype(np.int64)
    if int(aff.of(rj, re_)[1].sum()) == int(aff.of(tj, te)[1].sum()) and \
            np.array_equal(np.bincount(rj, minlength=inst.n_judges), np.bincount(tj, minlength=inst.n_judges)):
        return rj, re_
    return tj, te


def spread(loads: np.ndarray) -> dict:
    """How uneven the judges' loads are: least, most, mean, standard deviation, sum of squares."""
    if len(loads) == 0:
        return {"min": None, "max": None, "mean": None, "std": None, "sum_squares": 0}
    return {"min": int(loads.min()), "max": int(loads.max()), "mean": float(loads.mean()),
            "std": float(loads.std()), "sum_squares": squares(loads)}


