"""Min-cost flows and their duals: the network every mode solves, and ties inside its optimal face.

A flow network here is judges (load in [lo, hi]) feeding targets (entries, or fields in field
mode) over arcs with a gain. OR-tools solves it; exact integer potentials of the residual graph
give the LP duals that prove the optimum (docs/assignment.md, "the proof").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

LOAD_PIECES_MAX = 2_000_000  # unit arcs of the load cost in one flow; beyond, one arc covers several units


@dataclass
class Net:
    """Judges (load in [lo, hi]) feed targets (exact demand) over arcs (j, t, cap, gain)."""

    lo: np.ndarray
    hi: np.ndarray
    demand: np.ndarray
    j: np.ndarray
    t: np.ndarray
    cap: np.ndarray
    gain: np.ndarray


@dataclass
class Sol:
    x: np.ndarray        # flow on each arc
    short_t: np.ndarray  # unmet demand per target (slack used)
    short_j: np.ndarray  # unmet min load per judge (slack used)
    u: np.ndarray        # target duals
    p: np.ndarray        # judge duals: > 0 at max load, < 0 at min load
    graph: tuple         # residual arcs (tail, head) without slack, for explanations

    @property
    def feasible(self) -> bool:
        return not self.short_t.any() and not self.short_j.any()


def solve_net(net: Net, cost: np.ndarray | None = None, top: int = 0, load: LoadCost | None = None,
               slack: bool = True) -> Sol | None:
    """Min-cost flow (max gain unless ``cost`` is given), never infeasible thanks to slack.

    Nodes: judges 0..J-1, targets J..J+T-1, source S = J+T. A judge supplies its min load,
    S supplies the rest of the demand and feeds each judge up to its max load (free, or at the
    convex ``load`` cost: see :func:`_load_arcs`). The flow is first solved as it is; only if
    that is infeasible, slack arcs of cost M (S -> target, judge -> S) absorb what cannot be met
    (their huge costs slow the solver down, so they are not there by default). M is large enough
    that the optimum uses slack only when no flow without it exists. ``top`` bounds the cost of
    arcs left out of ``net`` (column generation), so that M stays large enough for the whole problem.
    Without ``slack`` an infeasible flow is None instead (a tie-break inside a face, whose costs
    may be too large to multiply by M).
    """
    n_j, n_t = len(net.lo), len(net.demand)
    s = n_j + n_t
    arc_cost = -net.gain if cost is None else cost
    jr = np.arange(n_j, dtype=np.int64)
    if load is None:
        feed_j, feed_cap, feed_cost = jr, net.hi - net.lo, np.zeros(n_j, np.int64)
    else:
        most = np.minimum(np.bincount(net.j, weights=net.cap, minlength=n_j).astype(np.int64),
                          int(net.demand.sum()))
        feed_j, feed_cap, feed_cost = _load_arcs(net.lo, net.hi, load, most)
    n_real = len(net.j) + len(feed_j)
    tails = np.concatenate([net.j, np.full(len(feed_j), s)]).astype(np.int64)
    heads = np.concatenate([net.t + n_j, feed_j]).astype(np.int64)
    caps = np.concatenate([net.cap, feed_cap]).astype(np.int64)
    costs = np.concatenate([arc_cost, feed_cost]).astype(np.int64)
    supplies = np.concatenate([net.lo, -net.demand, [int(net.demand.sum() - net.lo.sum())]]).astype(np.int64)
    flows = _min_cost_flow(tails, heads, caps, costs, supplies, must=False)
    if flows is None and not slack:
        return None
    if flows is None:
        big = (max(int(np.abs(costs).max(initial=0)), top) + 1) * (s + 2) + 1
        tr = np.arange(n_t, dtype=np.int64)
        tails = np.concatenate([tails, np.full(n_t, s), jr])
        heads = np.concatenate([heads, tr + n_j, np.full(n_j, s)])
        caps = np.concatenate([caps, net.demand, net.lo]).astype(np.int64)
        costs = np.concatenate([costs, np.full(n_t + n_j, big)]).astype(np.int64)
        flows = _min_cost_flow(tails, heads, caps, costs, supplies, must=True)
    m = len(net.j)
    d = _potentials(tails, heads, caps, costs, flows, s + 1)
    real = np.arange(len(tails)) < n_real  # judge->target and source->judge arcs
    fwd, back = real & (flows < caps), real & (flows > 0)
    graph = (np.concatenate([tails[fwd], heads[back]]), np.concatenate([heads[fwd], tails[back]]))
    slack = flows[n_real:] if len(flows) > n_real else np.zeros(n_t + n_j, np.int64)
    return Sol(x=flows[:m], short_t=slack[:n_t], short_j=slack[n_t:],
                u=d[s] - d[n_j:s], p=d[:n_j] - d[s], graph=graph)


@dataclass
class LoadCost:
    """A convex cost on judges' loads: ``weight`` times the sum of squared loads.

    ``base`` is the load each judge already has outside the flow (kept locked pairs, arcs fixed
    by the face), so the squares are of whole loads.
    """

    base: np.ndarray  # int64[J]
    weight: int


def _load_arcs(lo, hi, load: LoadCost, most):
    """Source -> judge arcs for a convex load cost (parallel arcs of increasing marginal cost).

    A judge supplies its min load ``lo`` itself; the i-th unit above it brings the judge's whole
    load from L = base + lo + i to L + 1 and costs weight * (2L + 1), the growth of L^2, so a
    min-cost flow fills a judge's arcs in order and pays weight * sum(load^2) plus a constant.
    A judge gets at most ``most`` units (what its arcs can carry). Past LOAD_PIECES_MAX arcs in
    all, one arc carries ``step`` units at their mean marginal cost (still convex, coarser).
    """
    width = np.maximum(np.minimum(hi - lo, most), 0).astype(np.int64)
    step = max(1, -(-int(width.sum()) // LOAD_PIECES_MAX))
    count = -(-width // step)
    judge = np.repeat(np.arange(len(lo), dtype=np.int64), count)
    index = np.arange(len(judge), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    start = index * step
    cap = np.minimum(step, width[judge] - start)
    whole = load.base[judge] + lo[judge] + start
    return judge, cap, load.weight * (2 * whole + cap)


def squares(loads: np.ndarray) -> int:
    """The evenness cost of a load vector: the sum of squares (the total load being fixed)."""
    return int((loads.astype(np.int64) ** 2).sum())


def _min_cost_flow(tails, heads, caps, costs, supplies, must: bool) -> np.ndarray | None:
    """OR-tools' optimal flow per arc; None if infeasible (unless it ``must`` be feasible)."""
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs)
    solver.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = solver.solve()
    if status == solver.INFEASIBLE and not must:
        return None
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min cost flow failed with status {status}")
    return np.asarray(solver.flows(np.arange(len(tails), dtype=np.int32)), dtype=np.int64)


def _potentials(tails, heads, caps, costs, flows, n) -> np.ndarray:
    """Feasible node potentials of the residual graph (exact, integer), by label correcting.

    Starting from 0 everywhere (a virtual root joined to every node), arcs are relaxed, only
    from nodes whose label changed, until no residual arc has negative reduced cost. (scipy's
    ``csgraph.bellman_ford`` from that root gives the same distances, in float64, but relaxes
    every arc in every pass: on the benchmark's residual graphs it took 0.21 s instead of under
    0.01 s in field mode and 18.6 s instead of 0.08 s for the dense matrix's five flows.)
    """
    fwd, back = flows < caps, flows > 0
    t = np.concatenate([tails[fwd], heads[back]])
    h = np.concatenate([heads[fwd], tails[back]])
    c = np.concatenate([costs[fwd], -costs[back]])
    d = np.zeros(n, dtype=np.int64)
    changed = np.ones(n, dtype=bool)
    for _ in range(n + 1):
        live = changed[t]
        tt, hh, cc = t[live], h[live], c[live]
        cand = d[tt] + cc
        better = cand < d[hh]
        if not better.any():
            return d
        new = d.copy()
        np.minimum.at(new, hh[better], cand[better])
        changed = new < d
        d = new
    raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")


@dataclass
class Even:
    """Loads to even out (the whole load counts: ``base`` is what kept locked pairs give each
    judge), and what the evening did: the flow's loads per judge before and after it."""

    base: np.ndarray  # int64[J]
    before: np.ndarray | None = None
    after: np.ndarray | None = None


def refine(net: Net, sol: Sol, pieces, even: Even | None = None, pieces_first: bool = False) -> np.ndarray:
    """Among flows of maximal gain, one with the least secondary cost (and, asked, the most even).

    Complementary slackness pins the optimal face: arcs with positive reduced gain stay full,
    negative ones stay empty, judges with positive dual stay at max load and negative at min.
    Inside that face every flow has the same (maximal) gain, so the second solve may only
    break ties. ``pieces(free_arcs, caps) -> (arc_of_piece, cap, cost)`` splits free arcs.
    With ``even``, the same solve also pays a convex cost on loads, weighted above every total
    the pieces can cost: the least sum of squared loads first, the pieces' preference among
    those; or, ``pieces_first``, the pieces' cost weighted above every sum of squares instead
    (field mode: its pieces keep the fields linked, which calibration needs more than even
    loads). The evened flow is kept only if it is not less even than the plain one.
    """
    face = _face(net, sol)
    x = _tie_break(net, sol, pieces, face)
    if even is None:
        return x
    even.before = even.after = flow_loads(net, x)
    if face is None:
        return x
    fixed, free, _lo, _hi, _demand = face
    base = even.base + flow_loads(net, fixed)
    _arc, cap, cost = pieces(free, net.cap[free])
    heaviest = int((base + np.minimum(_hi, int(_demand.sum()))).max(initial=0))
    if pieces_first:
        weight = squares(base + np.minimum(_hi, int(_demand.sum()))) + 1
        largest = weight * int(np.abs(cost).max(initial=0)) + 2 * heaviest + 1
    else:
        weight = int((cap * np.abs(cost)).sum()) + 1
        largest = weight * (2 * heaviest + 1) + int(np.abs(cost).max(initial=0))
    if largest * (len(net.lo) + len(net.demand) + 3) > 2**60:  # the solver would refuse such costs
        return x
    if pieces_first:
        y = _tie_break(net, sol, lambda f, c: _weighted(pieces(f, c), weight), face, LoadCost(base, 1))
    else:
        y = _tie_break(net, sol, pieces, face, LoadCost(base, weight))
    after = flow_loads(net, y)
    if squares(even.base + after) > squares(even.base + even.before):
        return x
    even.after = after
    return y


def _weighted(pieces, weight: int):
    arc, cap, cost = pieces
    return arc, cap, cost * weight


def flow_loads(net: Net, x: np.ndarray) -> np.ndarray:
    return np.bincount(net.j, weights=x, minlength=len(net.lo)).astype(np.int64)


def _face(net: Net, sol: Sol):
    """The optimal face of ``sol``'s duals: (fixed flow, free arcs, judges' lo and hi left, demand left).

    None when there is nothing to choose or the duals do not pin a consistent face.
    """
    g = net.gain - sol.u[net.t] - sol.p[net.j]
    fixed = np.where(g > 0, net.cap, 0)
    free = np.flatnonzero(g == 0)
    if len(free) == 0:
        return None
    load_lo = np.where(sol.p > 0, net.hi, net.lo)
    load_hi = np.where(sol.p < 0, net.lo, net.hi)
    out = flow_loads(net, fixed)
    into = np.bincount(net.t, weights=fixed, minlength=len(net.demand)).astype(np.int64)
    if (out > load_hi).any() or (into > net.demand).any():
        return None
    return fixed, free, np.maximum(load_lo - out, 0), load_hi - out, net.demand - into


def _tie_break(net: Net, sol: Sol, pieces, face, load: LoadCost | None = None) -> np.ndarray:
    """The least-cost flow of ``pieces`` (and ``load``) inside ``face`` (``sol.x`` when there is none)."""
    if face is None:
        return sol.x
    fixed, free, lo, hi, demand = face
    arc, cap, cost = pieces(free, net.cap[free])
    sub = Net(lo, hi, demand, net.j[arc], net.t[arc], cap, np.zeros(len(arc), np.int64))
    sub_sol = solve_net(sub, cost=cost, load=load, slack=False)
    if sub_sol is None:
        return sol.x
    x = fixed + np.bincount(arc, weights=sub_sol.x, minlength=len(net.j)).astype(np.int64)
    if int((x * net.gain).sum()) != int((sol.x * net.gain).sum()):
        return sol.x
    return x


