"""Field mode: affinity depends only on (judge, field), so a small flow over per-field counts,
dealt out to entries, solves and proves the 20 M-pair problem (docs/assignment.md, "Field mode")."""
from __future__ import annotations

import zlib

import numpy as np

from contest.engines.assignment.flow import Even, LoadCost, Net, refine, solve_net
from contest.engines.assignment.instance import Instance, Residual, member, unique

_NEG = -(2**62)


def solve_by_fields(inst: Instance, res: Residual, even: Even | None = None, mu: int = 0):
    """Solve per (judge, field) counts, then deal the counts out to entries.

    Affinity depends only on the judge and the entry's field, so the problem over counts
    x[j, f] <= (entries of f open to j) is a relaxation with the same objective; if its optimum
    can be dealt out without conflicts, it is optimal for the full problem, and its duals
    (u_f for every entry of field f) certify it on all 20M pairs. Returns None when the
    dealing fails (the caller then uses column generation). With ``mu`` > 0 the flow maximizes
    affinity less ``mu`` times the sum of squared loads (see :func:`trade`), with no tie-break.
    """
    n_e, n_j = inst.n_entries, inst.n_judges
    n_c = res.scaled.shape[1]
    open_e = res.k > 0
    col = res.col
    open_c = np.bincount(col[open_e], minlength=n_c)
    demand = np.bincount(col, weights=res.k, minlength=n_c).astype(np.int64)
    ex_j, ex_e = res.excluded // n_e, res.excluded % n_e
    hit = open_e[ex_e]
    blocked = np.bincount(ex_j[hit] * n_c + col[ex_e[hit]], minlength=n_j * n_c).reshape(n_j, n_c)
    cap = np.where(res.judge_ok[:, None], open_c[None, :] - blocked, 0)
    aj, ac = np.nonzero((cap > 0) & (demand[None, :] > 0))
    net = Net(res.lo, res.hi, demand, aj.astype(np.int64), ac.astype(np.int64),
               cap[aj, ac].astype(np.int64), res.scaled[aj, ac])
    sol = solve_net(net, load=LoadCost(even.base, mu) if mu else None)
    if not sol.feasible:
        return None
    if mu:
        pairs = deal(inst, res, net, sol.x)
        return None if pairs is None else (pairs, sol.u[col], sol.p, len(net.j))

    def spread(free, caps):  # prefer using many (judge, field) pairs: it links the fields
        many = caps > 1
        arc = np.concatenate([free, free[many]])
        cap_ = np.concatenate([np.ones(len(free), np.int64), caps[many] - 1])
        cost = np.concatenate([np.full(len(free), -1, np.int64), np.zeros(many.sum(), np.int64)])
        return arc, cap_, cost

    x = refine(net, sol, spread, even, pieces_first=True)
    pairs = deal(inst, res, net, x)
    if pairs is None and even is not None and even.after is not even.before:
        even.after = even.before  # the evened counts cannot be dealt out: the plain ones may
        pairs = deal(inst, res, net, refine(net, sol, spread))
    if pairs is None:
        return None
    return pairs, sol.u[col], sol.p, len(net.j)


def crc(text: str) -> int:
    return zlib.crc32(text.encode())


def deal(inst: Instance, res: Residual, net: Net, x: np.ndarray):
    """Turn counts x[j, f] into pairs: judges in id order fill entry slots layer by layer.

    Layer 1 lists a field's entries in id order, layer L > 1 by crc32("L|entry id"), so each
    judge's run of slots covers distinct entries and runs in different layers overlap (which
    keeps the field's judges linked). Conflicted or repeated pairs are then swapped away with
    another pair of the same field, which changes neither loads nor affinity.
    """
    n_e = inst.n_entries
    col = res.col
    pj_parts, pe_parts = [], []
    used = x > 0
    for c in np.unique(net.t[used]).tolist():
        arcs = np.flatnonzero(used & (net.t == c))
        judges = net.j[arcs]
        order = np.argsort(judges, kind="stable")
        seq = np.repeat(judges[order], x[arcs][order])
        ents = np.flatnonzero((col == c) & (res.k > 0))
        slots = []
        for layer in range(1, int(res.k[ents].max()) + 1):
            members = ents[res.k[ents] >= layer]
            if layer > 1:
                keys = [crc(f"{layer}|{inst.entry_names[e]}") for e in members.tolist()]
                members = members[np.lexsort((members, np.array(keys, dtype=np.int64)))]
            slots.append(members)
        slots = np.concatenate(slots)
        if len(slots) != len(seq):
            return None
        pj_parts.append(seq)
        pe_parts.append(slots)
    if not pj_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pj_a, pe_a = np.concatenate(pj_parts), np.concatenate(pe_parts)
    keys = pj_a * n_e + pe_a
    order = np.argsort(keys, kind="stable")
    repeat = np.zeros(len(keys), dtype=bool)
    same_key = keys[order][1:] == keys[order][:-1]
    repeat[order[1:]] = same_key  # the later copies of a pair
    shared = np.zeros(len(keys), dtype=bool)  # every copy of a repeated pair: not a partner
    shared[order] = np.concatenate([same_key, [False]]) | np.concatenate([[False], same_key])
    bad = np.flatnonzero(repeat | member(keys, res.excluded)).tolist()
    pj, pe = pj_a.tolist(), pe_a.tolist()
    if bad:
        excluded = set(res.excluded.tolist())
        current = set(keys.tolist())
        colv = col[pe_a]
        by_col = np.argsort(colv, kind="stable")
        starts = np.searchsorted(colv[by_col], np.arange(int(colv.max()) + 2))
        unresolved = set(bad)
        for i in bad:
            j, e = pj[i], pe[i]
            c = int(colv[i])
            same = by_col[starts[c]:starts[c + 1]]
            start_at = (i * 7919) % len(same)
            for step in range(len(same)):
                i2 = int(same[(start_at + step) % len(same)])
                j2, e2 = pj[i2], pe[i2]
                if i2 in unresolved or shared[i2] or j2 == j or e2 == e:
                    continue
                k1, k2 = j * n_e + e2, j2 * n_e + e
                if k1 in current or k2 in current or k1 in excluded or k2 in excluded:
                    continue
                if not repeat[i]:  # a repeated pair still has its first copy
                    current.discard(j * n_e + e)
                current.discard(j2 * n_e + e2)
                current.update((k1, k2))
                pe[i], pe[i2] = e2, e
                unresolved.discard(i)
                break
            else:
                return None
    return np.array(pj, dtype=np.int64), np.array(pe, dtype=np.int64)


def field_gain(inst: Instance, res: Residual, u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Positive reduced gain per entry summed over ALL allowed pairs, in O(F J log J + E).

    For the entries of one field the reduced gain of judge j is a_j - u_e with a_j the same
    for the whole field, so sorting a once and a prefix sum price every pair; excluded pairs
    (conflicts, kept locked) are then taken out one by one.
    """
    n_e = inst.n_entries
    col = res.col
    gain = np.zeros(n_e, dtype=np.int64)
    open_e = res.k > 0
    valid = int(res.judge_ok.sum())
    for c in np.unique(col[open_e]).tolist():
        a = np.where(res.judge_ok, res.scaled[:, c] - p, _NEG)
        a_sorted = np.sort(a)[::-1][:valid]
        prefix = np.concatenate([[0], np.cumsum(a_sorted)])
        ents = np.flatnonzero(open_e & (col == c))
        ue = u[ents]
        m = np.searchsorted(-a_sorted, -ue, side="left")
        gain[ents] = prefix[m] - m * ue
    ex_j, ex_e = res.excluded // n_e, res.excluded % n_e
    keep = res.judge_ok[ex_j] & open_e[ex_e]
    ex_j, ex_e = ex_j[keep], ex_e[keep]
    g = res.scaled[ex_j, col[ex_e]] - p[ex_j] - u[ex_e]
    pos = g > 0
    gain -= np.bincount(ex_e[pos], weights=g[pos], minlength=n_e).astype(np.int64)
    return gain


def field_violators(inst, res, u, p, aj, ae, want):
    """Omitted pairs with positive reduced gain: for each such entry, its best ``want``."""
    n_e = inst.n_entries
    col = res.col
    have = np.bincount(ae, weights=np.maximum(res.scaled[aj, col[ae]] - p[aj] - u[ae], 0),
                       minlength=n_e).astype(np.int64)
    missing = field_gain(inst, res, u, p) - have
    short = np.flatnonzero(missing > 0)
    if len(short) == 0:
        return None
    skip_keys = set((aj * n_e + ae).tolist()) | set(res.excluded.tolist())
    orders = {}
    new_j, new_e = [], []
    for e in short.tolist():
        c = int(col[e])
        if c not in orders:
            a = np.where(res.judge_ok, res.scaled[:, c] - p, _NEG)
            order = np.argsort(-a, kind="stable")[:int(res.judge_ok.sum())]
            orders[c] = (order.tolist(), a[order].tolist())
        order, a_sorted = orders[c]
        taken = 0
        for j, a in zip(order, a_sorted):
            if a <= u[e] or taken >= want + res.k[e]:
                break
            if j * n_e + e not in skip_keys:
                new_j.append(j)
                new_e.append(e)
                taken += 1
    return np.array(new_j, dtype=np.int64), np.array(new_e, dtype=np.int64)


def field_candidates(inst: Instance, res: Residual):
    """A deterministic sparse start for column generation: experts per level, a few others."""
    n_e = inst.n_entries
    judges = np.flatnonzero(res.judge_ok)
    open_e = np.flatnonzero(res.k > 0)
    if len(judges) == 0 or len(open_e) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    parts_j, parts_e = [], []
    for c in np.unique(res.col[open_e]).tolist():
        ents = open_e[res.col[open_e] == c]
        values = res.scaled[judges, c]
        for value in np.unique(values[values > 0])[::-1]:
            group = judges[values == value]
            r = min(len(group), int(res.k[ents].max()) + 2)
            pos = (np.arange(len(ents))[:, None] * r + np.arange(r)[None, :]) % len(group)
            parts_j.append(group[pos].ravel())
            parts_e.append(np.repeat(ents, r))
    r = min(len(judges), int(res.k.max()) + 2)
    pos = (open_e[:, None] * (7 * r + 1) + np.arange(r)[None, :]) % len(judges)
    parts_j.append(judges[pos].ravel())
    parts_e.append(np.repeat(open_e, r))
    keys = unique(np.concatenate(parts_j) * n_e + np.concatenate(parts_e))
    keys = keys[~member(keys, res.excluded)]
    return keys // n_e, keys % n_e

