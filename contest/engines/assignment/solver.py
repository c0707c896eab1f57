"""The answer: an assignment of maximal affinity with its proof, or the reasons there is none.

:func:`assign` takes a typed :class:`~.model.Problem` and returns a typed :class:`~.model.Answer`
(docs/assignment.md). It picks the mode (field aggregation, listed pairs, column generation or
the dense matrix), evens loads when asked, links components, checks every rule, and computes
the bound from the flow's duals: ``gap == 0`` proves the optimum.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from contest.catalogue import Message
from contest.engines.assignment.certificate import check, explain_slack, precheck, real_bound
from contest.engines.assignment.connect import Affinity, components, connect
from contest.engines.assignment.evening import spread, trade
from contest.engines.assignment.fields import field_gain, solve_by_fields
from contest.engines.assignment.flow import Even
from contest.engines.assignment.instance import Instance, Residual, k_above_judges, prepare, residual
from contest.engines.assignment.model import MAX_LISTED, Answer, Problem
from contest.engines.assignment.pairs import explicit_arcs, solve_by_pairs, solve_dense


def assign(problem: Problem) -> Answer:
    """Assign judges to entries; see docs/assignment.md."""
    inst = prepare(problem)
    warnings: list[Message] = []
    res = residual(inst, warnings)
    n_j, n_e = inst.n_judges, inst.n_entries
    arcs = explicit_arcs(inst, res)[:2] if inst.explicit is not None else None
    problems = k_above_judges(inst)
    above = {m.params["entry"] for m in problems}  # their entry_short would say the same again
    problems += [m for m in precheck(inst, res, arcs) if m.params.get("entry") not in above]
    if problems:
        return _infeasible(res, problems, warnings)

    kj = np.array([j for j, _ in res.kept], dtype=np.int64)
    ke = np.array([e for _, e in res.kept], dtype=np.int64)
    even = None if inst.load_evening is None else Even(np.bincount(kj, minlength=n_j).astype(np.int64))
    found = optimum(inst, res, even)
    if isinstance(found, list):
        return _infeasible(res, found, warnings)
    method, rounds, pj, pe, u, p, gain_all, arcs = found
    pj = np.concatenate([kj, pj]).astype(np.int64)
    pe = np.concatenate([ke, pe]).astype(np.int64)
    aff = Affinity(inst, res)
    traded = None
    _, before_int, _ = aff.of(pj, pe)
    best_int = int(before_int.sum())
    if even is not None and inst.load_evening:
        pj, pe, traded = trade(inst, res, even, aff, pj, pe, len(kj), optimum)
        _, before_int, _ = aff.of(pj, pe)
    pj, pe, swaps = connect(inst, res, aff, pj, pe, len(kj), inst.connect_tolerance)
    check(inst, res, pj, pe, len(kj))

    _, scaled, real = aff.of(pj, pe)
    locked_int = int(scaled[:len(kj)].sum())
    dual_int = int((res.k * u).sum() + (res.hi * np.maximum(p, 0)).sum()
                   - (res.lo * np.maximum(-p, 0)).sum()) + gain_all
    obj_int = int(scaled.sum())
    bound_int = locked_int + dual_int
    proven = int(before_int.sum()) == bound_int
    if res.on_grid:
        objective, bound = obj_int / res.scale, bound_int / res.scale
        gap = (bound_int - obj_int) / res.scale
    else:
        objective = math.fsum(real.tolist())
        bound = real_bound(inst, res, u, p, real[:len(kj)], gain_all)
        gap = bound - objective
    status = "optimal" if proven and obj_int == bound_int else "feasible"
    _, sizes = components(pj, pe, n_j, n_e)
    order = np.lexsort((pj, pe))
    pairs = [(inst.judge_ids[j], inst.entry_ids[e]) for j, e in zip(pj[order].tolist(), pe[order].tolist())]
    if swaps:
        warnings.append(Message("linking_swaps", {"swaps": swaps}))
    if len(sizes) > 1:
        warnings.append(Message("components", {"components": len(sizes)}))
    stats = _stats(inst, res, pj, pe, real, sizes, len(kj))
    stats.update({"method": method, "rounds": rounds, "arcs": arcs, "affinity_scale": res.scale,
                  "exact_on_scale": res.on_grid, "connect_swaps": swaps})
    if even is not None:
        flow = even.before if even.before is not None else np.zeros(n_j, np.int64)
        before = (even.base + flow)[inst.active]
        stats["evening"] = {
            "load_evening": inst.load_evening, "before": spread(before), "after": stats["load_spread"],
            "load_histogram_before": [[int(v), int(n)] for v, n in zip(*np.unique(before, return_counts=True))],
            "affinity_lost": (best_int - int(before_int.sum())) / res.scale,
            "allowed_loss": (traded or {}).get("allowed", 0) / res.scale,
            "price": (traded or {}).get("price", 0), "solves": (traded or {}).get("solves", 0)}
    return Answer(status, pairs, objective, bound, gap, len(sizes), [], warnings, stats)


def optimum(inst: Instance, res: Residual, even: Even | None, mu: int = 0, seed: np.ndarray | None = None):
    """The flow part of an optimal assignment: (method, rounds, pj, pe, u, p, positive reduced gain
    of all allowed pairs, arcs), or the problems when none exists. With ``mu`` > 0 it maximizes
    affinity less ``mu`` times the sum of squared loads instead (see :func:`.evening.trade`).
    ``seed``: keys j * E + e that a dense flow starts with besides its candidates (an earlier price's pairs)."""
    method, rounds, found = "fields", 1, None
    if inst.explicit is None and inst.dense is None:
        found = solve_by_fields(inst, res, even, mu)
    if found is not None:
        pj, pe, u, p = found[0][0], found[0][1], found[1], found[2]
        return method, rounds, pj, pe, u, p, int(field_gain(inst, res, u, p).sum()), found[3]
    if inst.dense is not None:
        method = "dense pricing"
        net, sol, pj, pe, rounds, gain_all = solve_dense(inst, res, even, mu, seed)
    else:
        method = "pairs" if inst.explicit is not None else "column generation"
        net, sol, pj, pe, rounds = solve_by_pairs(inst, res, even, mu)
    if not sol.feasible:
        return explain_slack(inst, sol, inst.n_judges, inst.n_entries)
    u, p = sol.u, sol.p
    if inst.explicit is not None:
        gain_all = int(np.maximum(net.gain - u[net.t] - p[net.j], 0).sum())
    elif inst.dense is None:
        gain_all = int(field_gain(inst, res, u, p).sum())
    return method, rounds, pj, pe, u, p, gain_all, len(net.j)


def _stats(inst: Instance, res: Residual, pj, pe, real, sizes, n_locked) -> dict:
    n_j, n_e = inst.n_judges, inst.n_entries
    load = np.bincount(pj, minlength=n_j)
    hist = Counter(load[inst.active].tolist())
    expert = np.zeros(n_e, dtype=bool)
    if inst.level.shape[1]:
        f = inst.entry_field[pe]
        has = f >= 0
        expert[pe[has][inst.level[pj[has], f[has]] > 0]] = True
    without = [inst.entry_ids[e] for e in np.flatnonzero(~expert & (inst.k > 0))]
    weakest = float(real.min()) if len(real) else None
    weak_pairs = [(inst.judge_ids[pj[i]], inst.entry_ids[pe[i]])
                  for i in np.flatnonzero(real == weakest)[:MAX_LISTED]] if len(real) else []
    cj = inst.conflict_keys // max(n_e, 1)
    return {
        "pairs": len(pj),
        "load_histogram": [[load_, n] for load_, n in sorted(hist.items())],
        "load_spread": spread(load[inst.active]),
        "loads": {inst.judge_ids[j]: int(load[j]) for j in range(n_j) if inst.active[j]},
        "mean_affinity": float(real.mean()) if len(real) else None,
        "weakest_affinity": weakest,
        "weakest_pairs": weak_pairs,
        "entries_without_expert": without,
        "entries_without_expert_count": len(without),
        # conflicts among active judges (all of them are avoided)
        "conflicts_avoided": int(inst.active[cj].sum()) if len(res.excluded) else 0,
        "conflicts_declared": inst.declared_conflicts,
        "component_sizes": sorted(sizes.values(), reverse=True)[:20],
        "locked_kept": n_locked,
        "locked_released": res.released,
    }


def _infeasible(res: Residual, problems: list[Message], warnings: list[Message]) -> Answer:
    return Answer("infeasible", [], None, None, None, 0, problems, warnings,
                  {"demand": int(res.k.sum()), "capacity": int(res.hi.sum()), "min_load_total": int(res.lo.sum())})
