"""The problem as the solver sees it: judges and entries by index, in name order, as arrays.

:func:`prepare` turns a typed :class:`~.model.Problem` into an :class:`Instance` (index = rank
of the name, so the order of the problem's lists never matters); :func:`residual` takes the
locked pairs out and says what is left to decide.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from contest.catalogue import Message
from contest.engines.assignment import dense
from contest.engines.assignment.model import AFFINITY_SCALE, MISMATCH_AFFINITY, Problem
from contest.engines.cli import InputError


@dataclass
class Instance:
    """A problem with judges and entries in name order (index = rank of the name)."""

    judge_ids: list[int]
    entry_ids: list[int]
    judge_names: list[str]
    entry_names: list[str]
    k: np.ndarray                  # int64[E]
    min_load: np.ndarray           # int64[J]
    max_load: np.ndarray           # int64[J]
    active: np.ndarray             # bool[J]
    field_names: list[str]
    entry_field: np.ndarray        # int64[E], index into field_names, -1 for none
    level: np.ndarray              # float64[J, F], 0 where the judge lacks the field
    conflict_keys: np.ndarray      # sorted unique int64 keys j * E + e
    declared_conflicts: int        # conflicts listed explicitly (after de-duplication)
    explicit: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # (j, e, affinity) when given
    locked: list[tuple[int, int]]  # locked pairs (judge index, entry index)
    connect_tolerance: float
    dense: np.ndarray | None = None  # float32[E, J] from 'affinity_matrix': every pair allowed
    load_evening: float | None = None  # None: loads not evened; else the share of affinity it may cost

    @property
    def n_judges(self) -> int:
        return len(self.judge_ids)

    @property
    def n_entries(self) -> int:
        return len(self.entry_ids)

    def affinity(self, j: np.ndarray, e: np.ndarray) -> np.ndarray:
        """Real affinity of pairs (judge index, entry index) in field mode."""
        f = self.entry_field[e]
        out = np.full(len(j), MISMATCH_AFFINITY)
        has = f >= 0
        if has.any():
            lv = self.level[j[has], f[has]]
            out[has] = np.where(lv > 0, lv, MISMATCH_AFFINITY)
        return out


def unique(keys: np.ndarray) -> np.ndarray:
    """Sorted unique int64 keys (a plain sort: numpy's hashing unique is slow on big arrays)."""
    keys = np.sort(np.asarray(keys, dtype=np.int64))
    if len(keys) == 0:
        return keys
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])]


def member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` occur in the sorted array ``sorted_keys``."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


class _Index:
    """Index (rank in name order) of ids, vectorised; -1 for an id the problem does not have."""

    def __init__(self, ids_in_order: list[int]):
        ids = np.asarray(ids_in_order, dtype=np.int64)
        self.order = np.argsort(ids, kind="stable")
        self.sorted = ids[self.order]

    def __call__(self, ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(self.sorted) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.sorted, ids), len(self.sorted) - 1)
        return np.where(self.sorted[pos] == ids, self.order[pos], -1).astype(np.int64)


def _pair_index(pairs, judges: _Index, entries: _Index, what: str) -> tuple[np.ndarray, np.ndarray]:
    rows = np.asarray(pairs if len(pairs) else np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    j, e = judges(rows[:, 0]), entries(rows[:, 1])
    if (j < 0).any() or (e < 0).any():
        bad = int(np.flatnonzero((j < 0) | (e < 0))[0])
        raise InputError(Message("pair_outside_problem", {"what": what, "pair": rows[bad].tolist()}))
    return j, e


def prepare(problem: Problem) -> Instance:
    """The solver's instance of a typed problem (ids are trusted; an unknown id in a pair is an InputError)."""
    names = problem.names
    judges = sorted(problem.judges, key=lambda judge: names.judge(judge.id))
    entries = sorted(problem.entries, key=lambda entry: names.entry(entry.id))
    judge_ids, entry_ids = [j.id for j in judges], [e.id for e in entries]
    n_j, n_e = len(judges), len(entries)
    j_index, e_index = _Index(judge_ids), _Index(entry_ids)
    field_names = sorted({e.field for e in entries if e.field is not None}
                         | {name for j in judges for name in (j.fields or {})})
    field_pos = {name: pos for pos, name in enumerate(field_names)}
    entry_field = np.array([-1 if e.field is None else field_pos[e.field] for e in entries], dtype=np.int64)
    level = np.zeros((n_j, len(field_names)))
    for i, judge in enumerate(judges):
        for name, value in (judge.fields or {}).items():
            level[i, field_pos[name]] = value
    k = np.array([problem.k if e.k is None else e.k for e in entries], dtype=np.int64)
    min_load = np.array([problem.min_load if j.min_load is None else j.min_load for j in judges], dtype=np.int64)
    most = n_e if problem.max_load is None else problem.max_load  # no limit: as many as there are entries
    max_load = np.array([most if j.max_load is None else j.max_load for j in judges], dtype=np.int64)
    active = np.array([j.active for j in judges], dtype=bool)

    cj, ce = _pair_index(problem.conflicts, j_index, e_index, "conflict")
    keys = cj * n_e + ce
    declared = len(unique(keys))
    judge_orgs: dict[str, list[int]] = {}
    entry_orgs: dict[str, list[int]] = {}
    for i, judge in enumerate(judges):
        for org in judge.organizations:
            judge_orgs.setdefault(org, []).append(i)
    for i, entry in enumerate(entries):
        for org in entry.organizations:
            entry_orgs.setdefault(org, []).append(i)
    org_keys = [np.add.outer(np.array(judge_orgs[org]) * n_e, np.array(entry_orgs[org])).ravel()
                for org in judge_orgs if org in entry_orgs]
    conflict_keys = unique(np.concatenate([keys] + org_keys)) if n_e else np.zeros(0, dtype=np.int64)

    explicit = None
    if problem.affinity is not None:
        listed = list(problem.affinity)
        aj, ae = _pair_index([(j, e) for j, e, _w in listed], j_index, e_index, "affinity")
        aw = np.array([w for _j, _e, w in listed], dtype=np.float64)
        order = np.lexsort((ae, aj))  # judge then entry: the input order must not matter
        explicit = (aj[order], ae[order], aw[order])

    matrix = None
    if problem.affinity_matrix is not None:
        given = problem.affinity_matrix
        rows, cols = e_index(given.entries), j_index(given.judges)
        matrix = np.asarray(given.values, dtype=np.float32).reshape(len(rows), len(cols))
        if not (np.array_equal(rows, np.arange(n_e)) and np.array_equal(cols, np.arange(n_j))):
            if (rows < 0).any() or (cols < 0).any() or len(rows) != n_e or len(cols) != n_j:
                raise InputError(Message("matrix_ids_mismatch"))
            ordered = np.empty((n_e, n_j), dtype=np.float32)
            ordered[np.ix_(rows, cols)] = matrix
            matrix = ordered
        matrix = np.ascontiguousarray(matrix)

    lj, le = _pair_index(problem.locked, j_index, e_index, "locked pair")
    locked = sorted(set(zip(lj.tolist(), le.tolist())))  # the order of the input list must not matter
    return Instance(judge_ids, entry_ids, [names.judge(i) for i in judge_ids], [names.entry(i) for i in entry_ids],
                    k, min_load, max_load, active, field_names, entry_field, level, conflict_keys, declared,
                    explicit, locked, float(problem.connect_tolerance), matrix,
                    None if problem.load_evening is None else float(problem.load_evening))


def k_above_judges(inst: Instance) -> list[Message]:
    """Entries whose k exceeds the active judges who could ever judge them: infeasible."""
    n_e, n_j = inst.n_entries, inst.n_judges
    if inst.explicit is None:
        possible = np.full(n_e, int(inst.active.sum()), dtype=np.int64)
    else:
        aj, ae, _ = inst.explicit
        keys = unique(np.concatenate([ae * n_j + aj,
                                      np.array([e * n_j + j for j, e in inst.locked
                                                if inst.active[j]], dtype=np.int64)]))
        ok = inst.active[keys % max(n_j, 1)]
        possible = np.bincount(keys[ok] // max(n_j, 1), minlength=n_e)
    return [Message("k_above_judges", {"entry": inst.entry_ids[e], "k": int(inst.k[e]),
                                       "possible": int(possible[e]), "listed": inst.explicit is not None})
            for e in np.flatnonzero(inst.k > possible).tolist()]


@dataclass
class Residual:
    """What is left to decide once locked pairs are taken out (indices as in the instance)."""

    k: np.ndarray         # int64[E] judges still needed per entry
    lo: np.ndarray        # int64[J] load still needed per judge
    hi: np.ndarray        # int64[J] load still allowed per judge
    kept: list[tuple[int, int]]
    released: int
    excluded: np.ndarray  # sorted keys j * E + e that may not be added (conflict or kept locked)
    judge_ok: np.ndarray  # bool[J] active with room left
    scale: int
    col: np.ndarray       # int64[E] cost column of each entry (field mode: field, F = no field)
    scaled: np.ndarray    # int64[J, F + 1] scaled affinity per judge and column (field mode)
    on_grid: bool         # every affinity is an exact multiple of 1 / scale
    dense: np.ndarray | None = None  # int[E, J] scaled 'affinity_matrix' (read at 1 / scale)


def _kept_locked(inst: Instance, warnings: list[Message]) -> tuple[list[tuple[int, int]], int]:
    """The locked pairs that stay, and how many are released (each decision is a warning)."""
    n_e = inst.n_entries
    conflict = set(inst.conflict_keys.tolist()) if inst.locked else set()
    listed = None
    if inst.explicit is not None and inst.locked:
        aj, ae, _ = inst.explicit
        listed = set((aj * n_e + ae).tolist())
    kept, released = [], 0
    for j, e in inst.locked:
        pair = {"judge": inst.judge_ids[j], "entry": inst.entry_ids[e]}
        if not inst.active[j]:
            released += 1
            warnings.append(Message("locked_released_inactive", pair))
        elif j * n_e + e in conflict:
            released += 1
            warnings.append(Message("locked_released_conflict", pair))
        else:
            if listed is not None and j * n_e + e not in listed:
                warnings.append(Message("locked_not_listed", pair))
            kept.append((j, e))
    return kept, released


def residual(inst: Instance, warnings: list[Message]) -> Residual:
    n_e, n_j = inst.n_entries, inst.n_judges
    kept, released = _kept_locked(inst, warnings)
    kj = np.array([j for j, _ in kept], dtype=np.int64)
    ke = np.array([e for _, e in kept], dtype=np.int64)
    per_entry = np.bincount(ke, minlength=n_e)
    per_judge = np.bincount(kj, minlength=n_j)
    for e in np.flatnonzero(per_entry > inst.k):
        warnings.append(Message("entry_over_locked", {"entry": inst.entry_ids[e], "locked": int(per_entry[e]),
                                                      "k": int(inst.k[e])}))
    for j in np.flatnonzero(inst.active & (per_judge > inst.max_load)):
        warnings.append(Message("judge_over_locked", {"judge": inst.judge_ids[j], "locked": int(per_judge[j]),
                                                      "max_load": int(inst.max_load[j])}))
    k = np.maximum(inst.k - per_entry, 0)
    hi = np.where(inst.active, np.maximum(inst.max_load - per_judge, 0), 0)
    lo = np.where(inst.active, np.maximum(inst.min_load - per_judge, 0), 0)
    excluded = unique(np.concatenate([inst.conflict_keys, kj * n_e + ke]))
    judge_ok = inst.active & (hi > 0)

    if inst.explicit is not None:
        real = inst.explicit[2]
    elif inst.dense is not None:
        real = inst.dense
    else:
        real = np.where(inst.level > 0, inst.level, MISMATCH_AFFINITY)
        real = np.concatenate([real, np.full((n_j, 1), MISMATCH_AFFINITY)], axis=1)
    top = max(dense.largest(real), 1.0)
    nodes = n_j + n_e + 2
    scale = AFFINITY_SCALE
    # OR-tools multiplies costs by the node count; keep big-M times that well inside int64
    while scale > 1 and (top * scale + 1) * nodes * nodes > 2**60:
        scale //= 10
    col = np.where(inst.entry_field >= 0, inst.entry_field, len(inst.field_names))
    if inst.dense is not None:  # read at the solver's resolution: on the grid by definition
        return Residual(k, lo, hi, kept, released, excluded, judge_ok, scale, col,
                        np.zeros((n_j, 0), dtype=np.int64), True, dense.scaled(inst.dense, scale))
    scaled = np.rint(real * scale).astype(np.int64)
    on_grid = bool(np.all(scaled / scale == real))
    if inst.explicit is not None:
        scaled = np.zeros((n_j, 0), dtype=np.int64)
    return Residual(k, lo, hi, kept, released, excluded, judge_ok, scale, col, scaled, on_grid)
