"""Connectivity: scores calibrate only within a connected judge-entry graph, so the engine
reports its components and swaps pairs to link them (docs/assignment.md, "Connectivity")."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from contest.engines.assignment.instance import Instance, Residual

_CONNECT_PAIRS = 200  # pairs of the smallest component tried per linking swap
_CONNECT_TRIES = 50   # candidate swaps checked per linking swap


def components(pj, pe, n_j, n_e):
    """Connected components of the judge-entry graph of the given pairs: a label per node (the
    smallest node of its component, judges first, so ties between components are broken by it)
    and the size of each component that has pairs."""
    from scipy.sparse import csr_matrix  # scipy.sparse takes a quarter second to import: only when asked
    from scipy.sparse.csgraph import connected_components

    n = n_j + n_e
    u, v = np.asarray(pj, dtype=np.int64), np.asarray(pe, dtype=np.int64) + n_j
    graph = csr_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    _count, found = connected_components(graph, directed=False)
    smallest = np.full(_count, n, dtype=np.int64)
    np.minimum.at(smallest, found, np.arange(n, dtype=np.int64))
    labels = smallest[found]
    used = np.zeros(n, dtype=bool)
    used[u] = True
    used[v] = True
    sizes = Counter(labels[used].tolist())
    return labels, sizes


class Affinity:
    """Scaled and real affinity of any pair, and whether it may be assigned at all."""

    def __init__(self, inst: Instance, res: Residual):
        self.inst, self.res = inst, res
        if inst.explicit is not None:
            aj, ae, aw = inst.explicit
            keys = aj * inst.n_entries + ae
            order = np.argsort(keys)
            self.keys, self.w = keys[order], aw[order]

    def of(self, j: np.ndarray, e: np.ndarray):
        """(listed, scaled int, real) for pairs; unlisted pairs have affinity 0."""
        inst, res = self.inst, self.res
        if res.dense is not None:
            value = res.dense[e, j].astype(np.int64)
            return np.ones(len(j), bool), value, value / res.scale
        if inst.explicit is None:
            real = inst.affinity(j, e)
            return np.ones(len(j), bool), res.scaled[j, res.col[e]], real
        want = j * inst.n_entries + e
        if len(self.keys) == 0:
            return np.zeros(len(j), bool), np.zeros(len(j), np.int64), np.zeros(len(j))
        pos = np.minimum(np.searchsorted(self.keys, want), len(self.keys) - 1)
        hit = self.keys[pos] == want
        real = np.where(hit, self.w[pos], 0.0)
        return hit, np.rint(real * res.scale).astype(np.int64), real


def connect(inst, res, aff: Affinity, pj, pe, n_locked, tolerance):
    """Swap pairs across components ((j1,e1),(j2,e2) -> (j2,e1),(j1,e2)) to link them.

    A swap keeps every load and every entry's count. Swaps that lose no affinity are always
    taken; a loss is accepted only while the total stays within ``tolerance``.
    """
    n_j, n_e = inst.n_judges, inst.n_entries
    excluded = set(res.excluded.tolist())
    spent_int, swaps = 0, 0
    budget_int = math.floor(tolerance * res.scale + 1e-9)
    while True:
        labels, sizes = components(pj, pe, n_j, n_e)
        if len(sizes) <= 1:
            break
        smallest = min(sizes, key=lambda lab: (sizes[lab], lab))
        lab_pair = labels[pj]
        movable = np.arange(len(pj)) >= n_locked
        in_a = np.flatnonzero(movable & (lab_pair == smallest))
        others = np.flatnonzero(movable & (lab_pair != smallest))
        if len(in_a) == 0 or len(others) == 0:
            break
        current = set((pj * n_e + pe).tolist())
        _, here_int, _ = aff.of(pj, pe)
        j2, e2 = pj[others], pe[others]
        found = []  # (loss, i, i2): a few of the cheapest legal swaps for each pair of A
        for i in in_a[:_CONNECT_PAIRS].tolist():
            j1, e1 = int(pj[i]), int(pe[i])
            ok1, g21, _ = aff.of(j2, np.full(len(j2), e1))
            ok2, g12, _ = aff.of(np.full(len(e2), j1), e2)
            loss = here_int[i] + here_int[others] - g21 - g12
            fine = ok1 & ok2 & (j2 != j1) & (e2 != e1) & (loss <= budget_int - spent_int)
            taken = 0
            for pos in np.flatnonzero(fine)[np.argsort(loss[fine], kind="stable")].tolist():
                k1 = int(j2[pos]) * n_e + e1
                k2 = j1 * n_e + int(e2[pos])
                if k1 in current or k2 in current or k1 in excluded or k2 in excluded:
                    continue
                found.append((int(loss[pos]), i, int(others[pos])))
                taken += 1
                if taken == 3:
                    break
        # a swap of two bridges can leave the count unchanged: keep only one that links
        for loss_int, i, i2 in sorted(found)[:_CONNECT_TRIES]:
            pe[i], pe[i2] = pe[i2], pe[i]
            if len(components(pj, pe, n_j, n_e)[1]) < len(sizes):
                spent_int += max(loss_int, 0)
                swaps += 1
                break
            pe[i], pe[i2] = pe[i2], pe[i]
        else:
            break
    return pj, pe, swaps

