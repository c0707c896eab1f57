"""Why an instance is infeasible, the bound off the solver's grid, and the last check of an answer.

The reasons are named exactly (catalogue codes with ids), first from direct necessary conditions
(:func:`precheck`), then from the residual graph of a flow with slack (:func:`explain_slack`, a
Hall-type certificate). :func:`check` refuses to hand out an assignment that breaks a rule.
"""
from __future__ import annotations

import math

import numpy as np

from contest.catalogue import Message
from contest.engines.assignment.instance import Instance, Residual, member, unique
from contest.engines.assignment.connect import Affinity
from contest.engines.assignment.flow import Sol
from contest.engines.assignment.model import MAX_LISTED, InvariantBroken
from contest.engines.assignment.pairs import explicit_arcs


def precheck(inst: Instance, res: Residual, arcs: tuple | None) -> list[Message]:
    """Necessary conditions, checked directly so that the reasons can be named exactly."""
    problems = []
    n_e, n_j = inst.n_entries, inst.n_judges
    need, room, must = int(res.k.sum()), int(res.hi.sum()), int(res.lo.sum())
    if need > room:
        problems.append(Message("capacity", {"room": room, "need": need}))
    if must > need:
        problems.append(Message("min_loads_exceed_need", {"must": must, "need": need}))
    open_e = res.k > 0
    if arcs is None:  # field mode: every active judge with room, less exclusions
        ex_j, ex_e = res.excluded // max(n_e, 1), res.excluded % max(n_e, 1)
        hit = res.judge_ok[ex_j]
        allowed_e = int(res.judge_ok.sum()) - np.bincount(ex_e[hit], minlength=n_e)
        hit = open_e[ex_e] & res.judge_ok[ex_j]
        allowed_j = int(open_e.sum()) - np.bincount(ex_j[hit], minlength=n_j)
        allowed_j = np.where(res.judge_ok, allowed_j, 0)
    else:
        aj, ae = arcs
        allowed_e = np.bincount(ae, minlength=n_e)
        allowed_j = np.bincount(aj[open_e[ae]], minlength=n_j)
    conflict = None
    for e in np.flatnonzero(open_e & (allowed_e < res.k)).tolist():
        conflict = conflict if conflict is not None else set(inst.conflict_keys.tolist())
        problems.append(_entry_short(inst, res, e, conflict))
    for j in np.flatnonzero(res.lo > allowed_j).tolist():
        problems.append(Message("judge_below_min_load", {"judge": inst.judge_ids[j], "more": int(res.lo[j]),
                                                          "min_load": int(inst.min_load[j]),
                                                          "open": int(allowed_j[j])}))
    return problems


def _entry_short(inst: Instance, res: Residual, e: int, conflict: set) -> Message:
    n_e = inst.n_entries
    if inst.explicit is None:
        candidates = range(inst.n_judges)
    else:
        aj, ae, _ = inst.explicit
        candidates = sorted(set(aj[ae == e].tolist()))
    kept = {j for j, x in res.kept if x == e}
    ok, conflicted, full, inactive = [], 0, 0, 0
    for j in candidates:
        if j in kept:
            continue
        if not inst.active[j]:
            inactive += 1
        elif j * n_e + e in conflict:
            conflicted += 1
        elif res.hi[j] == 0:
            full += 1
        else:
            ok.append(inst.judge_ids[j])
    return Message("entry_short", {"entry": inst.entry_ids[e], "more": int(res.k[e]), "locked": len(kept),
                                   "eligible": ok[:MAX_LISTED], "eligible_count": len(ok), "conflicted": conflicted,
                                   "full": full, "inactive": inactive})


def explain_slack(inst: Instance, sol: Sol, n_j: int, n_t: int) -> list[Message]:
    """Name a set of entries (or judges) that cannot all be served, from the residual graph."""
    from scipy.sparse import csr_matrix  # only needed here: keep start-up light
    from scipy.sparse.csgraph import breadth_first_order

    t, h = sol.graph
    n = n_j + n_t + 1
    g = csr_matrix((np.ones(len(t)), (t, h)), shape=(n, n))
    problems = []
    short_t = np.flatnonzero(sol.short_t)
    if len(short_t):
        seen = np.zeros(n, dtype=bool)
        gt = g.T.tocsr()
        for e in short_t:
            seen[breadth_first_order(gt, e + n_j, directed=True, return_predecessors=False)] = True
        ents = np.flatnonzero(seen[n_j:n_j + n_t])
        judges = np.flatnonzero(seen[:n_j])
        problems.append(Message("entries_unserved", {
            "entries": [inst.entry_ids[e] for e in ents[:MAX_LISTED]], "entries_count": len(ents),
            "short": int(sol.short_t.sum()), "judges": [inst.judge_ids[j] for j in judges[:MAX_LISTED]],
            "judges_count": len(judges)}))
    short_j = np.flatnonzero(sol.short_j)
    if len(short_j):
        seen = np.zeros(n, dtype=bool)
        for j in short_j:
            seen[breadth_first_order(g, j, directed=True, return_predecessors=False)] = True
        judges = np.flatnonzero(seen[:n_j])
        problems.append(Message("judges_unfilled", {"judges": [inst.judge_ids[j] for j in judges[:MAX_LISTED]],
                                                    "judges_count": len(judges), "short": int(sol.short_j.sum())}))
    return problems


def real_bound(inst, res, u, p, locked_real, gain_all_int) -> float:
    """The dual bound against unrounded affinities (valid for any duals)."""
    s = res.scale
    uf, pf = u / s, p / s
    terms = [math.fsum(locked_real.tolist()), math.fsum((res.k * uf).tolist()),
             math.fsum((res.hi * np.maximum(pf, 0)).tolist()),
             -math.fsum((res.lo * np.maximum(-pf, 0)).tolist())]
    if inst.explicit is not None:
        aj, ae, _ = explicit_arcs(inst, res)
        _, _, w = Affinity(inst, res).of(aj, ae)
        terms.append(math.fsum(np.maximum(w - uf[ae] - pf[aj], 0).tolist()))
    else:  # field levels off the grid: price with rounded values, then add the rounding slack
        terms.append(gain_all_int / s + 0.5 / s * float(res.k.sum()))
    return math.fsum(terms)


def check(inst: Instance, res: Residual, pj: np.ndarray, pe: np.ndarray, n_locked: int) -> None:
    """Never hand out an assignment that breaks a rule: a bug here raises :class:`InvariantBroken`
    (also under ``python -O``, which would strip an ``assert``), never returns a result."""
    n_e = inst.n_entries
    keys = pj * n_e + pe
    got = np.bincount(pe, minlength=n_e)
    load = np.bincount(pj[n_locked:], minlength=inst.n_judges)
    broken = [
        (len(unique(keys)) != len(keys), "a pair is repeated"),
        (member(keys[n_locked:], res.excluded).any(), "a conflicted pair was assigned"),
        (not inst.active[pj[n_locked:]].all(), "an inactive judge was assigned"),
        ((got != np.maximum(inst.k, np.bincount(pe[:n_locked], minlength=n_e))).any(),
         "an entry has not exactly its k judges"),
        ((load > res.hi).any() or (load < res.lo).any(), "a load is out of bounds"),
    ]
    reasons = [reason for failed, reason in broken if failed]
    if reasons:
        raise InvariantBroken("; ".join(reasons))
