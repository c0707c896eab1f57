"""Pair modes: listed affinities, column generation over judge -> entry arcs, and the dense
affinity matrix solved by pricing (``dense``), each with the pair tie rule of the docs."""
from __future__ import annotations

import numpy as np

from contest.engines.assignment import dense
from contest.engines.assignment.fields import crc, field_candidates, field_violators
from contest.engines.assignment.flow import Even, LoadCost, Net, refine, solve_net
from contest.engines.assignment.instance import Instance, Residual, member, unique

TIE_MODULUS = 1024
# Affinity matrix (tuned on bench/assign.py --dense; they change the work, never the answer's proof):
DENSE_PER_ENTRY_EXTRA = 3   # an entry's best k + this many judges start as arcs
DENSE_PRICED_PER_ENTRY = 6  # at most this many pairs per entry join per round, the best first ...
DENSE_MARGIN = 0.03         # ... among those within this share of the largest affinity of pricing out
DENSE_SAMPLE_EVERY = 8      # judges' prices are first estimated on every 8th entry ...
DENSE_SAMPLE_MIN = 1000     # ... when that sample has at least this many entries


def explicit_arcs(inst: Instance, res: Residual):
    n_e = inst.n_entries
    ej, ee, ew = inst.explicit
    keep = res.judge_ok[ej] & (res.k[ee] > 0) & ~member(ej * n_e + ee, res.excluded)
    return ej[keep], ee[keep], np.rint(ew[keep] * res.scale).astype(np.int64)


def tie(inst: Instance, j: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The documented tie-break number of a pair: crc32("judge|entry") % 1024."""
    return np.array([crc(f"{inst.judge_names[a]}|{inst.entry_names[b]}") % TIE_MODULUS
                     for a, b in zip(j.tolist(), e.tolist())], dtype=np.int64)


def solve_by_pairs(inst: Instance, res: Residual, even: Even | None = None, mu: int = 0):
    """Min-cost flow on judge -> entry arcs; in field mode with column generation (``mu``: as in
    :func:`solve_by_fields`)."""
    if inst.explicit is not None:
        aj, ae, gain = explicit_arcs(inst, res)
    else:
        aj, ae = field_candidates(inst, res)
    rounds = 0
    while True:
        rounds += 1
        if inst.explicit is None:
            gain = res.scaled[aj, res.col[ae]]
        net = Net(res.lo, res.hi, res.k, aj, ae, np.ones(len(aj), np.int64), gain)
        sol = solve_net(net, load=LoadCost(even.base, mu) if mu else None)
        if inst.explicit is None:
            extra = field_violators(inst, res, sol.u, sol.p, aj, ae, want=2)
            if extra is not None and len(extra[0]):
                aj = np.concatenate([aj, extra[0]])
                ae = np.concatenate([ae, extra[1]])
                continue
        break
    x = sol.x
    if sol.feasible and not mu:
        def ties(free, caps):
            return free, caps, tie(inst, aj[free], ae[free])
        x = refine(net, sol, ties, even)
    chosen = x > 0
    return net, sol, aj[chosen], ae[chosen], rounds


def solve_dense(inst: Instance, res: Residual, even: Even | None = None, mu: int = 0, seed=None):
    """Column generation over the affinity matrix, proven on every pair of it (see _dense_flow)."""
    outside = dense.allowed(inst.n_entries, res.k > 0, res.judge_ok, res.excluded)
    top = int(dense.largest(res.dense))
    load = LoadCost(even.base, mu) if mu else None
    net, sol, outside_gain, rounds = _dense_flow(res.dense, outside, res.k, res.lo, res.hi, top, load=load,
                                                 seed=seed)
    aj, ae = net.j, net.t
    x = sol.x
    if sol.feasible:
        if not mu:
            x = refine(net, sol, lambda free, caps: (free, caps, tie(inst, aj[free], ae[free])), even)
    else:  # the Hall certificate must see every allowed pair, also those never priced in
        oe, oj = np.nonzero(outside)
        t, h = sol.graph
        sol.graph = (np.concatenate([t, oj]), np.concatenate([h, oe + inst.n_judges]))
    g = net.gain - sol.u[net.t] - sol.p[net.j]
    gain_all = int(np.maximum(g, 0).sum()) + outside_gain
    chosen = x > 0
    return net, sol, aj[chosen], ae[chosen], rounds, gain_all


def _dense_flow(matrix, outside, k, lo, hi, top, exact=True, load: LoadCost | None = None, seed=None):
    """The flow over all pairs ``outside`` marks (cleared as pairs join the net), by pricing.

    Judges' duals are first estimated on a sample of the entries (every DENSE_SAMPLE_EVERY-th,
    loads scaled down; recursively), and each entry starts on its best judges by affinity less
    that price, plus the best entries of each judge with a minimum load. Then every other pair
    is priced against the flow's duals and, while any has positive reduced gain, each entry's
    best pairs that price out or nearly (DENSE_MARGIN) join. Big-M slack keeps every round
    solvable, with M sized for the whole matrix (``top``), so slack left at the end means that
    no assignment exists at all. Not ``exact`` (the sample: its duals are only an estimate), it
    stops at the first flow without slack. A ``load`` cost (the sample leaves it out) changes
    no step: pricing reads the judges' node potentials, whatever arcs feed them.
    Returns (net, sol, positive reduced gain left outside, rounds).
    """
    n_e = len(k)
    k_most = int(k.max(initial=0))
    prices = None
    if n_e >= DENSE_SAMPLE_EVERY * DENSE_SAMPLE_MIN:
        rows = dense.sample(n_e, DENSE_SAMPLE_EVERY)
        share = k[rows].sum() / max(int(k.sum()), 1)
        s_lo, s_hi = np.floor(lo * share).astype(np.int64), np.ceil(hi * share).astype(np.int64)
        _, s_sol, _, _ = _dense_flow(matrix[rows], outside[rows], k[rows], s_lo, s_hi, top, exact=False)
        prices = s_sol.p if s_sol.feasible else None
    per_judge = np.where(lo > 0, lo + k_most, 0)
    keys = dense.candidates(matrix, outside, DENSE_PER_ENTRY_EXTRA + k_most, per_judge, prices)
    if seed is not None and len(seed):  # pairs an earlier flow found good (they save pricing rounds)
        keys = unique(np.concatenate([keys, seed[outside[seed % n_e, seed // n_e]]]))
    new, rounds = keys, 0
    while True:
        rounds += 1
        outside[new % n_e, new // n_e] = False
        aj, ae = keys // n_e, keys % n_e
        net = Net(lo, hi, k, aj, ae, np.ones(len(aj), np.int64), matrix[ae, aj].astype(np.int64))
        sol = solve_net(net, top=top, load=load)
        if not exact and sol.feasible:
            return net, sol, None, rounds
        new, outside_gain = dense.price(matrix, outside, sol.u, sol.p, DENSE_PRICED_PER_ENTRY,
                                        int(top * DENSE_MARGIN))
        if len(new) == 0:
            return net, sol, outside_gain, rounds
        keys = np.sort(np.concatenate([keys, new]))

