"""Judge assignment: every entry gets k judges, loads stay in bounds, affinity is maximal.

The engine is pure (no Flask, no database) and proves what it returns: the answer carries the
objective it reached and an upper bound from a dual solution of the linear relaxation, which is
exact for this network problem, so ``gap = bound - objective`` is 0 when the assignment is
optimal. The full contract, with examples, is in ``docs/assignment.md``; in short:

Input (a dict, or a JSON file for ``python -m contest.engines.assignment IN.json``)::

    {"k": 3, "min_load": 0, "max_load": 60,
     "entries": [{"id": "e1", "field": "energy", "k": 3, "organization": "TDTU"}],
     "judges": [{"id": "j1", "fields": {"energy": 3}, "max_load": 40, "min_load": 5,
                 "organization": "INHA", "active": true}],
     "conflicts": [["j1", "e7"]],
     "affinity": [["j1", "e1", 0.83]],          # optional: only these pairs may be assigned
     "affinity_matrix": {"entries": ["e1"], "judges": ["j1"], "values": [[0.83]]},
                                                 # or: every pair, one row per entry (dense)
     "locked": [["j1", "e1"]],                   # pairs that already have scores
     "connect_tolerance": 0.0,                   # affinity we may give up to connect the graph
     "load_evening": null}                       # null: loads not evened; 0: the most even of the
                                                 # optimal assignments; 0.02: up to 2 % of the
                                                 # optimal affinity may buy more even loads

Output::

    {"status": "optimal" | "feasible" | "infeasible", "pairs": [["j1", "e1"], ...],
     "objective": float,
     "bound": float, "gap": float, "components": int, "problems": [...], "warnings": [...],
     "problem_codes": [...], "warning_codes": [...],
     "stats": {...}}

How it works. The problem is a min-cost flow (source -> judge -> entry), so its linear
relaxation has integral optima and LP duals are an optimality certificate. OR-tools
``SimpleMinCostFlow`` solves it on integer costs (affinity times ``AFFINITY_SCALE``); exact
integer potentials are read off the residual graph by label correcting, turned into LP duals and
priced against every allowed pair, also those the solver never saw. With field-based affinity the
dense graph (20 000 x 1 000 pairs) is too big, but affinity depends only on (judge, field): the
engine solves the small problem over per-field counts, deals the counts out to entries, and
prices its duals on all pairs in O(F J log J + E). If dealing out fails it falls back to column
generation on judge -> entry arcs (add every pair the duals price as profitable, re-solve until
none is left). Either way a zero gap is a proof of optimality. A dense ``affinity_matrix`` is
solved the same way, by pricing (``assignment_dense``): the flow only ever sees candidate pairs,
and every other pair of the matrix is priced against its duals until none prices out.

Even loads (``load_evening``, absent or null by default, which keeps every answer as it was):
the secondary objective is the sum of squared loads (whole loads, locked pairs included),
a convex cost put on the flow as parallel source -> judge arcs of rising cost 2L + 1, so the
flow stays integral and its duals still prove it. At 0 it is minimized inside the optimal face
(affinity unchanged, gap 0); above 0 the largest price of evenness whose affinity loss stays
within that share is searched for, and the answer is ``feasible`` with ``gap`` = the affinity
given up. ``stats.evening`` reports the spread before and after (docs/assignment.md, "Even loads").

Determinism: ids are sorted (code-point order) before anything is built, so the order of lists
in the input never matters, and ties follow fixed rules on ids (docs/assignment.md, "Ties"): in
field mode judges deal out their per-field counts in id order over entry slots ordered by id and
by ``crc32("layer|entry")``; in pair mode the least total ``crc32("judge|entry") % 1024`` wins.
Connectivity is preferred: when the graph of pairs falls apart, affinity-neutral swaps (and,
within ``connect_tolerance``, costly ones) link the components; the answer reports what it got.
"""
from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np
from ortools.graph.python import min_cost_flow

from contest.engines import assignment_dense as dense
from contest.engines.cli import InputError, exit_with

AFFINITY_SCALE = 1_000_000
"""Affinities are rounded to multiples of 1/AFFINITY_SCALE for the solver (see the docs)."""
MAX_AFFINITY = 1_000_000.0
TIE_MODULUS = 1024
DEFAULT_K = 3
MISMATCH_AFFINITY = 0.0
"""Affinity of a judge for an entry outside all of the judge's fields (field-based mode)."""
_MAX_LISTED = 8  # ids named in one message before "and N more"
_NEG = -(2**62)
_CONNECT_PAIRS = 200  # pairs of the smallest component tried per linking swap
_CONNECT_TRIES = 50   # candidate swaps checked per linking swap
# Affinity matrix (tuned on bench/assign.py --dense; they change the work, never the answer's proof):
DENSE_PER_ENTRY_EXTRA = 3   # an entry's best k + this many judges start as arcs
DENSE_PRICED_PER_ENTRY = 6  # at most this many pairs per entry join per round, the best first ...
DENSE_MARGIN = 0.03         # ... among those within this share of the largest affinity of pricing out
DENSE_SAMPLE_EVERY = 8      # judges' prices are first estimated on every 8th entry ...
DENSE_SAMPLE_MIN = 1000     # ... when that sample has at least this many entries
# Load evening (see _load_arcs and _trade):
LOAD_PIECES_MAX = 2_000_000  # unit arcs of the load cost in one flow; beyond, one arc covers several units
TRADE_SOLVES = 12            # most flows solved to find the price of evenness when affinity may be traded


# --------------------------------------------------------------------------- the instance


@dataclass
class Instance:
    """A validated instance, with judges and entries in id order (index = rank of the id)."""

    judge_ids: list[str]
    entry_ids: list[str]
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
    locked: list[tuple[int, int]]  # validated locked pairs (judge index, entry index)
    connect_tolerance: float
    warnings: list[dict] = field(default_factory=list)  # warning codes (see explain)
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


def _unique(keys: np.ndarray) -> np.ndarray:
    """Sorted unique int64 keys (a plain sort: numpy's hashing unique is slow on big arrays)."""
    keys = np.sort(np.asarray(keys, dtype=np.int64))
    if len(keys) == 0:
        return keys
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])]


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` occur in the sorted array ``sorted_keys``."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _count(value: Any, what: str, problems: list[str]) -> int | None:
    """A non-negative whole number, or a problem naming ``what``."""
    if not _is_number(value) or not math.isfinite(value) or value != int(value):
        problems.append(f"{what} must be a whole number, got {value!r}")
        return None
    if value < 0:
        problems.append(f"{what} must not be negative, got {value!r}")
        return None
    return int(value)


def _names(ids: list[str], total: int | None = None) -> str:
    total = len(ids) if total is None else total
    shown = ", ".join(ids[:_MAX_LISTED])
    return shown + (f" and {total - _MAX_LISTED} more" if total > _MAX_LISTED else "")


def _read_ids(items: Any, what: str, problems: list[str]) -> list[dict]:
    if not isinstance(items, list):
        problems.append(f"'{what}' must be a list of objects")
        return []
    good, seen = [], set()
    for pos, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"{what}[{pos}] must be an object with an 'id'")
            continue
        ident = item.get("id")
        if not isinstance(ident, str) or not ident:
            problems.append(f"{what}[{pos}] needs a non-empty string 'id', got {ident!r}")
            continue
        if ident in seen:
            problems.append(f"duplicate {what[:-1]} id {ident!r}")
            continue
        seen.add(ident)
        good.append(item)
    return good


def _organizations(value: Any, who: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        problems.append(f"{who}: 'organization' must be a string or a list of strings")
        return []
    return values


def _judge_fields(value: Any, who: str, problems: list[str]) -> dict[str, float]:
    """Accept ["energy"], {"energy": 3} or [{"field": "energy", "level": 3}, "water"]."""
    if value is None:
        return {}
    levels: dict[str, float] = {}
    items: list[tuple[Any, Any]]
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict):
                items.append((item.get("field"), item.get("level", 1)))
            else:
                items.append((item, 1))
    else:
        problems.append(f"{who}: 'fields' must be a list or an object of field: level")
        return {}
    for name, lv in items:
        if not isinstance(name, str) or not name:
            problems.append(f"{who}: field names must be non-empty strings, got {name!r}")
        elif not _is_number(lv) or not math.isfinite(lv) or not 0 < lv <= MAX_AFFINITY:
            problems.append(f"{who}: level of field {name!r} must be a number in (0, "
                            f"{MAX_AFFINITY:g}], got {lv!r}")
        elif name in levels:
            problems.append(f"{who}: field {name!r} is listed twice")
        else:
            levels[name] = float(lv)
    return levels


def _pairs(value: Any, what: str, width: int, problems: list[str]) -> list[list]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"'{what}' must be a list of [judge, entry{', affinity' if width == 3 else ''}]")
        return []
    good = []
    for pos, item in enumerate(value):
        if not isinstance(item, (list, tuple)) or len(item) != width:
            shape = "[judge, entry, affinity]" if width == 3 else "[judge, entry]"
            problems.append(f"{what}[{pos}] must be {shape}, got {item!r}")
        else:
            good.append(list(item))
    return good


def _fast_pairs(value: Any, j_index: dict, e_index: dict, n_e: int) -> np.ndarray | None:
    """Keys j * E + e of a long, well-formed pair list; None if anything needs a closer look."""
    if value is None:
        return np.zeros(0, dtype=np.int64)
    if not isinstance(value, list):
        return None
    try:
        if value and (set(map(type, value)) != {list} or set(map(len, value)) != {2}):
            return None
        js = np.array([j_index.get(p[0], -1) for p in value], dtype=np.int64)
        es = np.array([e_index.get(p[1], -1) for p in value], dtype=np.int64)
    except TypeError:  # an unhashable id
        return None
    if (js < 0).any() or (es < 0).any():
        return None
    return js * n_e + es


def read_instance(data: dict) -> Instance:
    """Validate a raw instance; raise :class:`InputError` naming every problem found."""
    problems: list[str] = []
    warnings: list[dict] = []
    if not isinstance(data, dict):
        raise InputError("the instance must be an object")
    known = {"k", "min_load", "max_load", "entries", "judges", "conflicts", "affinity",
             "affinity_matrix", "locked", "connect_tolerance", "load_evening"}
    for key in sorted(set(data) - known):
        warnings.append({"code": "unknown_key", "key": key})

    k_default = _count(data.get("k", DEFAULT_K), "'k'", problems)
    min_default = _count(data.get("min_load", 0), "'min_load'", problems)
    max_raw = data.get("max_load")
    max_default = None if max_raw is None else _count(max_raw, "'max_load'", problems)
    if min_default is not None and max_default is not None and min_default > max_default:
        problems.append(f"'min_load' ({min_default}) is larger than 'max_load' ({max_default})")
    tolerance = data.get("connect_tolerance", 0.0)
    if not _is_number(tolerance) or not math.isfinite(tolerance) or tolerance < 0:
        problems.append(f"'connect_tolerance' must be a non-negative number, got {tolerance!r}")
        tolerance = 0.0
    evening = data.get("load_evening")
    if evening is not None and (not _is_number(evening) or not math.isfinite(evening) or not 0 <= evening <= 1):
        problems.append(f"'load_evening' must be null or a number from 0 to 1, got {evening!r}")
        evening = None

    if "entries" not in data:
        problems.append("'entries' is missing")
    if "judges" not in data:
        problems.append("'judges' is missing")
    entries = sorted(_read_ids(data.get("entries", []), "entries", problems), key=lambda x: x["id"])
    judges = sorted(_read_ids(data.get("judges", []), "judges", problems), key=lambda x: x["id"])
    entry_ids = [x["id"] for x in entries]
    judge_ids = [x["id"] for x in judges]
    e_index = {ident: i for i, ident in enumerate(entry_ids)}
    j_index = {ident: i for i, ident in enumerate(judge_ids)}
    n_e, n_j = len(entry_ids), len(judge_ids)

    field_index: dict[str, int] = {}
    entry_field_name: list[str | None] = []
    k = np.zeros(n_e, dtype=np.int64)
    entry_orgs: dict[str, list[int]] = {}
    for i, item in enumerate(entries):
        who = f"entry {item['id']}"
        kv = _count(item["k"], f"{who}: 'k'", problems) if "k" in item else k_default
        k[i] = kv or 0
        fname = item.get("field")
        if fname is not None and (not isinstance(fname, str) or not fname):
            problems.append(f"{who}: 'field' must be a non-empty string, got {fname!r}")
            fname = None
        entry_field_name.append(fname)
        if fname is not None:
            field_index.setdefault(fname, len(field_index))
        for org in _organizations(item.get("organization"), who, problems):
            entry_orgs.setdefault(org, []).append(i)

    min_load = np.zeros(n_j, dtype=np.int64)
    max_load = np.zeros(n_j, dtype=np.int64)
    active = np.ones(n_j, dtype=bool)
    judge_levels: list[dict[str, float]] = []
    judge_orgs: dict[str, list[int]] = {}
    for i, item in enumerate(judges):
        who = f"judge {item['id']}"
        lo = _count(item["min_load"], f"{who}: 'min_load'", problems) if "min_load" in item else min_default
        hi = _count(item["max_load"], f"{who}: 'max_load'", problems) if "max_load" in item else max_default
        if lo is not None and hi is not None and lo > hi:
            problems.append(f"{who}: min_load ({lo}) is larger than max_load ({hi})")
        min_load[i] = lo or 0
        max_load[i] = -1 if hi is None else hi   # -1: no limit, fixed below
        flag = item.get("active", True)
        if not isinstance(flag, bool):
            problems.append(f"{who}: 'active' must be true or false, got {flag!r}")
            flag = True
        active[i] = flag
        levels = _judge_fields(item.get("fields"), who, problems)
        for name in levels:
            field_index.setdefault(name, len(field_index))
        judge_levels.append(levels)
        for org in _organizations(item.get("organization"), who, problems):
            judge_orgs.setdefault(org, []).append(i)

    # field names in sorted order, so indices never depend on input order
    field_names = sorted(field_index)
    field_pos = {name: pos for pos, name in enumerate(field_names)}
    entry_field = np.array([-1 if f is None else field_pos[f] for f in entry_field_name], dtype=np.int64)
    level = np.zeros((n_j, len(field_names)))
    for i, levels in enumerate(judge_levels):
        for name, lv in levels.items():
            level[i, field_pos[name]] = lv

    def pair_ids(j: Any, e: Any, what: str) -> tuple[int, int] | None:
        bad = []
        if not isinstance(j, str) or j not in j_index:
            bad.append(f"unknown judge {j!r}")
        if not isinstance(e, str) or e not in e_index:
            bad.append(f"unknown entry {e!r}")
        if bad:
            problems.append(f"{what} [{j!r}, {e!r}]: " + " and ".join(bad))
            return None
        return j_index[j], e_index[e]

    keys = _fast_pairs(data.get("conflicts"), j_index, e_index, n_e)
    if keys is None:  # something is wrong: walk the list again to name every problem
        found: list[int] = []
        for j, e in _pairs(data.get("conflicts"), "conflicts", 2, problems):
            ids = pair_ids(j, e, "conflict")
            if ids:
                found.append(ids[0] * n_e + ids[1])
        keys = np.array(found, dtype=np.int64)
    declared = len(_unique(keys))
    org_keys = [np.add.outer(np.array(judge_orgs[org]) * n_e, np.array(entry_orgs[org])).ravel()
                for org in judge_orgs if org in entry_orgs]
    conflict_keys = _unique(np.concatenate([keys] + org_keys)) if n_e else np.zeros(0, dtype=np.int64)

    explicit = None
    if "affinity" in data and data["affinity"] is not None:
        aj, ae, aw, seen = [], [], [], set()
        for j, e, w in _pairs(data.get("affinity"), "affinity", 3, problems):
            ids = pair_ids(j, e, "affinity")
            if not ids:
                continue
            if not _is_number(w) or not math.isfinite(w) or abs(w) > MAX_AFFINITY:
                problems.append(f"affinity [{j}, {e}]: value must be a number in "
                                f"[-{MAX_AFFINITY:g}, {MAX_AFFINITY:g}], got {w!r}")
                continue
            if ids in seen:
                problems.append(f"affinity [{j}, {e}] is listed twice")
                continue
            seen.add(ids)
            aj.append(ids[0])
            ae.append(ids[1])
            aw.append(float(w))
        aj_, ae_ = np.array(aj, dtype=np.int64), np.array(ae, dtype=np.int64)
        order = np.lexsort((ae_, aj_))  # judge then entry: the input order must not matter
        explicit = (aj_[order], ae_[order], np.array(aw, dtype=np.float64)[order])

    matrix = None
    if data.get("affinity_matrix") is not None:
        if explicit is not None:
            problems.append("give 'affinity' or 'affinity_matrix', not both")
        matrix = dense.read_matrix(data["affinity_matrix"], e_index, j_index, MAX_AFFINITY, problems)

    locked: list[tuple[int, int]] = []
    seen_locked = set()
    for j, e in _pairs(data.get("locked"), "locked", 2, problems):
        ids = pair_ids(j, e, "locked pair")
        if not ids:
            continue
        if ids in seen_locked:
            problems.append(f"locked pair [{j}, {e}] is listed twice")
            continue
        seen_locked.add(ids)
        locked.append(ids)

    locked.sort()  # the order of the input list must not matter
    # no limit on load means: as many as there are entries
    max_load[max_load < 0] = n_e

    if problems:
        raise InputError(problems)
    return Instance(judge_ids, entry_ids, k, min_load, max_load, active, field_names,
                    entry_field, level, conflict_keys, declared, explicit, locked,
                    float(tolerance), warnings, matrix, None if evening is None else float(evening))


def _k_above_judges(inst: Instance) -> list[dict]:
    """Entries whose k exceeds the active judges who could ever judge them: infeasible (codes)."""
    n_e, n_j = inst.n_entries, inst.n_judges
    if inst.explicit is None:
        possible = np.full(n_e, int(inst.active.sum()), dtype=np.int64)
    else:
        aj, ae, _ = inst.explicit
        keys = _unique(np.concatenate([ae * n_j + aj,
                                         np.array([e * n_j + j for j, e in inst.locked
                                                   if inst.active[j]], dtype=np.int64)]))
        ok = inst.active[keys % max(n_j, 1)]
        possible = np.bincount(keys[ok] // max(n_j, 1), minlength=n_e)
    return [{"code": "k_above_judges", "entry": inst.entry_ids[e], "k": int(inst.k[e]),
             "possible": int(possible[e]), "listed": inst.explicit is not None}
            for e in np.flatnonzero(inst.k > possible).tolist()]


# --------------------------------------------------------------------------- what is left


@dataclass
class _Residual:
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


def _residual(inst: Instance, warnings: list[dict]) -> _Residual:
    n_e, n_j = inst.n_entries, inst.n_judges
    conflict = set(inst.conflict_keys.tolist()) if inst.locked else set()
    listed = None
    if inst.explicit is not None and inst.locked:
        aj, ae, _ = inst.explicit
        listed = set((aj * n_e + ae).tolist())
    kept, released = [], 0
    for j, e in inst.locked:
        jid, eid = inst.judge_ids[j], inst.entry_ids[e]
        if not inst.active[j]:
            released += 1
            warnings.append({"code": "locked_released_inactive", "judge": jid, "entry": eid})
        elif j * n_e + e in conflict:
            released += 1
            warnings.append({"code": "locked_released_conflict", "judge": jid, "entry": eid})
        else:
            if listed is not None and j * n_e + e not in listed:
                warnings.append({"code": "locked_not_listed", "judge": jid, "entry": eid})
            kept.append((j, e))
    kj = np.array([j for j, _ in kept], dtype=np.int64)
    ke = np.array([e for _, e in kept], dtype=np.int64)
    per_entry = np.bincount(ke, minlength=n_e)
    per_judge = np.bincount(kj, minlength=n_j)
    for e in np.flatnonzero(per_entry > inst.k):
        warnings.append({"code": "entry_over_locked", "entry": inst.entry_ids[e], "locked": int(per_entry[e]),
                         "k": int(inst.k[e])})
    for j in np.flatnonzero(inst.active & (per_judge > inst.max_load)):
        warnings.append({"code": "judge_over_locked", "judge": inst.judge_ids[j], "locked": int(per_judge[j]),
                         "max_load": int(inst.max_load[j])})
    k = np.maximum(inst.k - per_entry, 0)
    hi = np.where(inst.active, np.maximum(inst.max_load - per_judge, 0), 0)
    lo = np.where(inst.active, np.maximum(inst.min_load - per_judge, 0), 0)
    excluded = _unique(np.concatenate([inst.conflict_keys, kj * n_e + ke]))
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
        return _Residual(k, lo, hi, kept, released, excluded, judge_ok, scale, col,
                         np.zeros((n_j, 0), dtype=np.int64), True, dense.scaled(inst.dense, scale))
    scaled = np.rint(real * scale).astype(np.int64)
    on_grid = bool(np.all(scaled / scale == real))
    if inst.explicit is not None:
        scaled = np.zeros((n_j, 0), dtype=np.int64)
    return _Residual(k, lo, hi, kept, released, excluded, judge_ok, scale, col, scaled, on_grid)


# --------------------------------------------------------------------------- flow networks


@dataclass
class _Net:
    """Judges (load in [lo, hi]) feed targets (exact demand) over arcs (j, t, cap, gain)."""

    lo: np.ndarray
    hi: np.ndarray
    demand: np.ndarray
    j: np.ndarray
    t: np.ndarray
    cap: np.ndarray
    gain: np.ndarray


@dataclass
class _Sol:
    x: np.ndarray        # flow on each arc
    short_t: np.ndarray  # unmet demand per target (slack used)
    short_j: np.ndarray  # unmet min load per judge (slack used)
    u: np.ndarray        # target duals
    p: np.ndarray        # judge duals: > 0 at max load, < 0 at min load
    graph: tuple         # residual arcs (tail, head) without slack, for explanations

    @property
    def feasible(self) -> bool:
        return not self.short_t.any() and not self.short_j.any()


def _solve_net(net: _Net, cost: np.ndarray | None = None, top: int = 0, load: _LoadCost | None = None,
               slack: bool = True) -> _Sol | None:
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
    return _Sol(x=flows[:m], short_t=slack[:n_t], short_j=slack[n_t:],
                u=d[s] - d[n_j:s], p=d[:n_j] - d[s], graph=graph)


@dataclass
class _LoadCost:
    """A convex cost on judges' loads: ``weight`` times the sum of squared loads.

    ``base`` is the load each judge already has outside the flow (kept locked pairs, arcs fixed
    by the face), so the squares are of whole loads.
    """

    base: np.ndarray  # int64[J]
    weight: int


def _load_arcs(lo, hi, load: _LoadCost, most):
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


def _squares(loads: np.ndarray) -> int:
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
    from nodes whose label changed, until no residual arc has negative reduced cost.
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


def _bound(net: _Net, sol: _Sol) -> int:
    """LP dual objective for (u, p): an upper bound on the gain of any flow in ``net``."""
    g = net.gain - sol.u[net.t] - sol.p[net.j]
    return int((net.demand * sol.u).sum() + (net.hi * np.maximum(sol.p, 0)).sum()
               - (net.lo * np.maximum(-sol.p, 0)).sum() + (net.cap * np.maximum(g, 0)).sum())


@dataclass
class _Even:
    """Loads to even out (the whole load counts: ``base`` is what kept locked pairs give each
    judge), and what the evening did: the flow's loads per judge before and after it."""

    base: np.ndarray  # int64[J]
    before: np.ndarray | None = None
    after: np.ndarray | None = None


def _refine(net: _Net, sol: _Sol, pieces, even: _Even | None = None, pieces_first: bool = False) -> np.ndarray:
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
    even.before = even.after = _flow_loads(net, x)
    if face is None:
        return x
    fixed, free, _lo, _hi, _demand = face
    base = even.base + _flow_loads(net, fixed)
    _arc, cap, cost = pieces(free, net.cap[free])
    heaviest = int((base + np.minimum(_hi, int(_demand.sum()))).max(initial=0))
    if pieces_first:
        weight = _squares(base + np.minimum(_hi, int(_demand.sum()))) + 1
        largest = weight * int(np.abs(cost).max(initial=0)) + 2 * heaviest + 1
    else:
        weight = int((cap * np.abs(cost)).sum()) + 1
        largest = weight * (2 * heaviest + 1) + int(np.abs(cost).max(initial=0))
    if largest * (len(net.lo) + len(net.demand) + 3) > 2**60:  # the solver would refuse such costs
        return x
    if pieces_first:
        y = _tie_break(net, sol, lambda f, c: _weighted(pieces(f, c), weight), face, _LoadCost(base, 1))
    else:
        y = _tie_break(net, sol, pieces, face, _LoadCost(base, weight))
    after = _flow_loads(net, y)
    if _squares(even.base + after) > _squares(even.base + even.before):
        return x
    even.after = after
    return y


def _weighted(pieces, weight: int):
    arc, cap, cost = pieces
    return arc, cap, cost * weight


def _flow_loads(net: _Net, x: np.ndarray) -> np.ndarray:
    return np.bincount(net.j, weights=x, minlength=len(net.lo)).astype(np.int64)


def _face(net: _Net, sol: _Sol):
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
    out = _flow_loads(net, fixed)
    into = np.bincount(net.t, weights=fixed, minlength=len(net.demand)).astype(np.int64)
    if (out > load_hi).any() or (into > net.demand).any():
        return None
    return fixed, free, np.maximum(load_lo - out, 0), load_hi - out, net.demand - into


def _tie_break(net: _Net, sol: _Sol, pieces, face, load: _LoadCost | None = None) -> np.ndarray:
    """The least-cost flow of ``pieces`` (and ``load``) inside ``face`` (``sol.x`` when there is none)."""
    if face is None:
        return sol.x
    fixed, free, lo, hi, demand = face
    arc, cap, cost = pieces(free, net.cap[free])
    sub = _Net(lo, hi, demand, net.j[arc], net.t[arc], cap, np.zeros(len(arc), np.int64))
    sub_sol = _solve_net(sub, cost=cost, load=load, slack=False)
    if sub_sol is None:
        return sol.x
    x = fixed + np.bincount(arc, weights=sub_sol.x, minlength=len(net.j)).astype(np.int64)
    if int((x * net.gain).sum()) != int((sol.x * net.gain).sum()):
        return sol.x
    return x


# --------------------------------------------------------------------------- checks


def _precheck(inst: Instance, res: _Residual, arcs: tuple | None) -> list[dict]:
    """Necessary conditions, checked directly so that the reasons can be named exactly (codes)."""
    problems = []
    n_e, n_j = inst.n_entries, inst.n_judges
    need, room, must = int(res.k.sum()), int(res.hi.sum()), int(res.lo.sum())
    if need > room:
        problems.append({"code": "capacity", "room": room, "need": need})
    if must > need:
        problems.append({"code": "min_loads_exceed_need", "must": must, "need": need})
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
        problems.append({"code": "judge_below_min_load", "judge": inst.judge_ids[j], "more": int(res.lo[j]),
                         "min_load": int(inst.min_load[j]), "open": int(allowed_j[j])})
    return problems


def _entry_short(inst: Instance, res: _Residual, e: int, conflict: set) -> dict:
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
    return {"code": "entry_short", "entry": inst.entry_ids[e], "more": int(res.k[e]), "locked": len(kept),
            "eligible": ok[:_MAX_LISTED], "eligible_count": len(ok), "conflicted": conflicted, "full": full,
            "inactive": inactive}


def _explain_slack(inst: Instance, sol: _Sol, n_j: int, n_t: int) -> list[dict]:
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
        problems.append({"code": "entries_unserved", "entries": [inst.entry_ids[e] for e in ents[:_MAX_LISTED]],
                         "entries_count": len(ents), "short": int(sol.short_t.sum()),
                         "judges": [inst.judge_ids[j] for j in judges[:_MAX_LISTED]],
                         "judges_count": len(judges)})
    short_j = np.flatnonzero(sol.short_j)
    if len(short_j):
        seen = np.zeros(n, dtype=bool)
        for j in short_j:
            seen[breadth_first_order(g, j, directed=True, return_predecessors=False)] = True
        judges = np.flatnonzero(seen[:n_j])
        problems.append({"code": "judges_unfilled", "judges": [inst.judge_ids[j] for j in judges[:_MAX_LISTED]],
                         "judges_count": len(judges), "short": int(sol.short_j.sum())})
    return problems


# --------------------------------------------------------------------------- field mode


def _solve_by_fields(inst: Instance, res: _Residual, even: _Even | None = None, mu: int = 0):
    """Solve per (judge, field) counts, then deal the counts out to entries.

    Affinity depends only on the judge and the entry's field, so the problem over counts
    x[j, f] <= (entries of f open to j) is a relaxation with the same objective; if its optimum
    can be dealt out without conflicts, it is optimal for the full problem, and its duals
    (u_f for every entry of field f) certify it on all 20M pairs. Returns None when the
    dealing fails (the caller then uses column generation). With ``mu`` > 0 the flow maximizes
    affinity less ``mu`` times the sum of squared loads (see :func:`_trade`), with no tie-break.
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
    net = _Net(res.lo, res.hi, demand, aj.astype(np.int64), ac.astype(np.int64),
               cap[aj, ac].astype(np.int64), res.scaled[aj, ac])
    sol = _solve_net(net, load=_LoadCost(even.base, mu) if mu else None)
    if not sol.feasible:
        return None
    if mu:
        pairs = _deal(inst, res, net, sol.x)
        return None if pairs is None else (pairs, sol.u[col], sol.p, len(net.j))

    def spread(free, caps):  # prefer using many (judge, field) pairs: it links the fields
        many = caps > 1
        arc = np.concatenate([free, free[many]])
        cap_ = np.concatenate([np.ones(len(free), np.int64), caps[many] - 1])
        cost = np.concatenate([np.full(len(free), -1, np.int64), np.zeros(many.sum(), np.int64)])
        return arc, cap_, cost

    x = _refine(net, sol, spread, even, pieces_first=True)
    pairs = _deal(inst, res, net, x)
    if pairs is None and even is not None and even.after is not even.before:
        even.after = even.before  # the evened counts cannot be dealt out: the plain ones may
        pairs = _deal(inst, res, net, _refine(net, sol, spread))
    if pairs is None:
        return None
    return pairs, sol.u[col], sol.p, len(net.j)


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def _deal(inst: Instance, res: _Residual, net: _Net, x: np.ndarray):
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
                keys = [_crc(f"{layer}|{inst.entry_ids[e]}") for e in members.tolist()]
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
    bad = np.flatnonzero(repeat | _member(keys, res.excluded)).tolist()
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


def _field_gain(inst: Instance, res: _Residual, u: np.ndarray, p: np.ndarray) -> np.ndarray:
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


def _field_violators(inst, res, u, p, aj, ae, want):
    """Omitted pairs with positive reduced gain: for each such entry, its best ``want``."""
    n_e = inst.n_entries
    col = res.col
    have = np.bincount(ae, weights=np.maximum(res.scaled[aj, col[ae]] - p[aj] - u[ae], 0),
                       minlength=n_e).astype(np.int64)
    missing = _field_gain(inst, res, u, p) - have
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


def _field_candidates(inst: Instance, res: _Residual):
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
    keys = _unique(np.concatenate(parts_j) * n_e + np.concatenate(parts_e))
    keys = keys[~_member(keys, res.excluded)]
    return keys // n_e, keys % n_e


# --------------------------------------------------------------------------- general path


def _explicit_arcs(inst: Instance, res: _Residual):
    n_e = inst.n_entries
    ej, ee, ew = inst.explicit
    keep = res.judge_ok[ej] & (res.k[ee] > 0) & ~_member(ej * n_e + ee, res.excluded)
    return ej[keep], ee[keep], np.rint(ew[keep] * res.scale).astype(np.int64)


def _tie(inst: Instance, j: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The documented tie-break number of a pair: crc32("judge|entry") % 1024."""
    return np.array([_crc(f"{inst.judge_ids[a]}|{inst.entry_ids[b]}") % TIE_MODULUS
                     for a, b in zip(j.tolist(), e.tolist())], dtype=np.int64)


def _solve_by_pairs(inst: Instance, res: _Residual, even: _Even | None = None, mu: int = 0):
    """Min-cost flow on judge -> entry arcs; in field mode with column generation (``mu``: as in
    :func:`_solve_by_fields`)."""
    if inst.explicit is not None:
        aj, ae, gain = _explicit_arcs(inst, res)
    else:
        aj, ae = _field_candidates(inst, res)
    rounds = 0
    while True:
        rounds += 1
        if inst.explicit is None:
            gain = res.scaled[aj, res.col[ae]]
        net = _Net(res.lo, res.hi, res.k, aj, ae, np.ones(len(aj), np.int64), gain)
        sol = _solve_net(net, load=_LoadCost(even.base, mu) if mu else None)
        if inst.explicit is None:
            extra = _field_violators(inst, res, sol.u, sol.p, aj, ae, want=2)
            if extra is not None and len(extra[0]):
                aj = np.concatenate([aj, extra[0]])
                ae = np.concatenate([ae, extra[1]])
                continue
        break
    x = sol.x
    if sol.feasible and not mu:
        def tie(free, caps):
            return free, caps, _tie(inst, aj[free], ae[free])
        x = _refine(net, sol, tie, even)
    chosen = x > 0
    return net, sol, aj[chosen], ae[chosen], rounds


def _solve_dense(inst: Instance, res: _Residual, even: _Even | None = None, mu: int = 0, seed=None):
    """Column generation over the affinity matrix, proven on every pair of it (see _dense_flow)."""
    outside = dense.allowed(inst.n_entries, res.k > 0, res.judge_ok, res.excluded)
    top = int(dense.largest(res.dense))
    load = _LoadCost(even.base, mu) if mu else None
    net, sol, outside_gain, rounds = _dense_flow(res.dense, outside, res.k, res.lo, res.hi, top, load=load,
                                                 seed=seed)
    aj, ae = net.j, net.t
    x = sol.x
    if sol.feasible:
        if not mu:
            x = _refine(net, sol, lambda free, caps: (free, caps, _tie(inst, aj[free], ae[free])), even)
    else:  # the Hall certificate must see every allowed pair, also those never priced in
        oe, oj = np.nonzero(outside)
        t, h = sol.graph
        sol.graph = (np.concatenate([t, oj]), np.concatenate([h, oe + inst.n_judges]))
    g = net.gain - sol.u[net.t] - sol.p[net.j]
    gain_all = int(np.maximum(g, 0).sum()) + outside_gain
    chosen = x > 0
    return net, sol, aj[chosen], ae[chosen], rounds, gain_all


def _dense_flow(matrix, outside, k, lo, hi, top, exact=True, load: _LoadCost | None = None, seed=None):
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
        keys = _unique(np.concatenate([keys, seed[outside[seed % n_e, seed // n_e]]]))
    new, rounds = keys, 0
    while True:
        rounds += 1
        outside[new % n_e, new // n_e] = False
        aj, ae = keys // n_e, keys % n_e
        net = _Net(lo, hi, k, aj, ae, np.ones(len(aj), np.int64), matrix[ae, aj].astype(np.int64))
        sol = _solve_net(net, top=top, load=load)
        if not exact and sol.feasible:
            return net, sol, None, rounds
        new, outside_gain = dense.price(matrix, outside, sol.u, sol.p, DENSE_PRICED_PER_ENTRY,
                                        int(top * DENSE_MARGIN))
        if len(new) == 0:
            return net, sol, outside_gain, rounds
        keys = np.sort(np.concatenate([keys, new]))


# --------------------------------------------------------------------------- connectivity


def _components(pj, pe, n_j, n_e):
    """Connected components of the judge-entry graph of the given pairs (label per node)."""
    n = n_j + n_e
    u, v = np.asarray(pj, dtype=np.int64), np.asarray(pe, dtype=np.int64) + n_j
    labels = np.arange(n)
    while True:  # hook the larger root under the smaller, then jump pointers to the roots
        lu, lv = labels[u], labels[v]
        differ = lu != lv
        if not differ.any():
            break
        np.minimum.at(labels, np.maximum(lu, lv)[differ], np.minimum(lu, lv)[differ])
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
    used = np.zeros(n, dtype=bool)
    used[pj] = True
    used[pe + n_j] = True
    sizes = Counter(labels[used].tolist())
    return labels, sizes


class _Affinity:
    """Scaled and real affinity of any pair, and whether it may be assigned at all."""

    def __init__(self, inst: Instance, res: _Residual):
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


def _connect(inst, res, aff: _Affinity, pj, pe, n_locked, tolerance):
    """Swap pairs across components ((j1,e1),(j2,e2) -> (j2,e1),(j1,e2)) to link them.

    A swap keeps every load and every entry's count. Swaps that lose no affinity are always
    taken; a loss is accepted only while the total stays within ``tolerance``.
    """
    n_j, n_e = inst.n_judges, inst.n_entries
    excluded = set(res.excluded.tolist())
    spent_int, swaps = 0, 0
    budget_int = math.floor(tolerance * res.scale + 1e-9)
    while True:
        labels, sizes = _components(pj, pe, n_j, n_e)
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
            if len(_components(pj, pe, n_j, n_e)[1]) < len(sizes):
                spent_int += max(loss_int, 0)
                swaps += 1
                break
            pe[i], pe[i2] = pe[i2], pe[i]
        else:
            break
    return pj, pe, swaps


# --------------------------------------------------------------------------- messages
#
# Every problem and warning is first a code from a closed set with named parameters (judge
# and entry ids as in the input, whole numbers, lists of at most _MAX_LISTED ids with their
# full count); docs/assignment.md lists them. `explain` renders a code as the English sentence
# of `problems`/`warnings` (the only place the English wording lives); the web layer renders the
# same code in the reader's language (contest/services/judge_assignment.py).


def explain(message: Mapping[str, Any]) -> str:
    """The English sentence of a problem or warning code."""
    m, code = message, message["code"]
    if code == "unknown_key":
        return f"unknown key {m['key']!r} ignored"
    if code == "k_above_judges":
        where = "active judges listed for it in 'affinity'" if m["listed"] else "active judges"
        return f"entry {m['entry']} needs k={m['k']} judges but only {m['possible']} {where} exist"
    if code == "locked_released_inactive":
        return (f"locked pair [{m['judge']}, {m['entry']}] released: judge {m['judge']} is no longer "
                f"active, so {m['entry']} gets another judge in their place")
    if code == "locked_released_conflict":
        return (f"locked pair [{m['judge']}, {m['entry']}] released: it is now a conflict, so "
                f"{m['entry']} gets another judge and {m['judge']}'s scores for it need review")
    if code == "locked_not_listed":
        return f"locked pair [{m['judge']}, {m['entry']}] is not listed in 'affinity'; it is kept with affinity 0"
    if code == "entry_over_locked":
        return (f"entry {m['entry']} keeps {m['locked']} locked judges, more than k={m['k']}; "
                f"all are kept and none is added")
    if code == "judge_over_locked":
        return (f"judge {m['judge']} keeps {m['locked']} locked entries, more than max_load={m['max_load']}; "
                f"all are kept and none is added")
    if code == "linking_swaps":
        return f"{m['swaps']} swap(s) made to link the judges into one calibration graph"
    if code == "components":
        return (f"the judge-entry graph has {m['components']} separate components; scores cannot be "
                f"calibrated across them (raise 'connect_tolerance' to trade affinity for links)")
    if code == "capacity":
        return (f"the judges can take at most {m['room']} more assignments in total, but the entries "
                f"need {m['need']}")
    if code == "min_loads_exceed_need":
        return (f"the judges' minimum loads need {m['must']} more assignments in total, but the entries "
                f"need only {m['need']}")
    if code == "entry_short":
        why = [f"{m[key]} {what}" for key, what in (("conflicted", "conflicted"), ("full", "at max_load"),
                                                    ("inactive", "inactive")) if m[key]]
        names = f" ({_names(m['eligible'], m['eligible_count'])})" if m["eligible_count"] else ""
        locked = f" besides its {m['locked']} locked" if m["locked"] else ""
        return (f"entry {m['entry']} needs {m['more']} more judges{locked} but only {m['eligible_count']} "
                f"eligible judges remain{names}" + (f"; {', '.join(why)}" if why else ""))
    if code == "judge_below_min_load":
        return (f"judge {m['judge']} must take {m['more']} more entries to reach min_load={m['min_load']}, "
                f"but only {m['open']} entries still needing judges are open to them")
    if code == "entries_unserved":
        return (f"entries {_names(m['entries'], m['entries_count'])} cannot all get their judges: "
                f"{m['short']} judge slots stay empty, because the judges who could still take them "
                f"({_names(m['judges'], m['judges_count']) or 'none'}) are at max_load, "
                f"and every other judge allowed for them already judges them")
    if code == "judges_unfilled":
        return (f"judges {_names(m['judges'], m['judges_count'])} cannot all reach min_load "
                f"({m['short']} assignments short): every entry still open to them already has its k judges")
    raise ValueError(f"unknown message code {code!r}")


def _messages(problems: list[dict], warnings: list[dict]) -> dict:
    """The answer's messages: codes, and their English from :func:`explain` (they cannot drift)."""
    return {"problems": [explain(c) for c in problems], "warnings": [explain(c) for c in warnings],
            "problem_codes": problems, "warning_codes": warnings}


# --------------------------------------------------------------------------- the answer


def solve(instance: dict) -> dict:
    """Assign judges to entries; see the module docstring and docs/assignment.md."""
    inst = read_instance(instance)
    warnings = list(inst.warnings)
    res = _residual(inst, warnings)
    n_j, n_e = inst.n_judges, inst.n_entries
    explicit_arcs = _explicit_arcs(inst, res)[:2] if inst.explicit is not None else None
    problems = _k_above_judges(inst)
    above = {c["entry"] for c in problems}  # their entry_short would say the same again
    problems += [c for c in _precheck(inst, res, explicit_arcs) if c.get("entry") not in above]
    if problems:
        return _infeasible(inst, res, problems, warnings)

    kj = np.array([j for j, _ in res.kept], dtype=np.int64)
    ke = np.array([e for _, e in res.kept], dtype=np.int64)
    even = None if inst.load_evening is None else _Even(np.bincount(kj, minlength=n_j).astype(np.int64))
    found = _optimum(inst, res, even)
    if isinstance(found, list):
        return _infeasible(inst, res, found, warnings)
    method, rounds, pj, pe, u, p, gain_all, arcs = found
    pj = np.concatenate([kj, pj]).astype(np.int64)
    pe = np.concatenate([ke, pe]).astype(np.int64)
    aff = _Affinity(inst, res)
    trade = None
    _, before_int, _ = aff.of(pj, pe)
    best_int = int(before_int.sum())
    if even is not None and inst.load_evening:
        pj, pe, trade = _trade(inst, res, even, aff, pj, pe, len(kj))
        _, before_int, _ = aff.of(pj, pe)
    pj, pe, swaps = _connect(inst, res, aff, pj, pe, len(kj), inst.connect_tolerance)
    _check(inst, res, pj, pe, len(kj))

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
        bound = _real_bound(inst, res, u, p, real[:len(kj)], gain_all)
        gap = bound - objective
    status = "optimal" if proven and obj_int == bound_int else "feasible"
    _, sizes = _components(pj, pe, n_j, n_e)
    order = np.lexsort((pj, pe))
    pairs = [[inst.judge_ids[j], inst.entry_ids[e]] for j, e in zip(pj[order].tolist(), pe[order].tolist())]
    if swaps:
        warnings.append({"code": "linking_swaps", "swaps": swaps})
    if len(sizes) > 1:
        warnings.append({"code": "components", "components": len(sizes)})
    stats = _stats(inst, res, pj, pe, real, sizes, len(kj))
    stats.update({"method": method, "rounds": rounds, "arcs": arcs, "affinity_scale": res.scale,
                  "exact_on_scale": res.on_grid, "connect_swaps": swaps})
    if even is not None:
        flow = even.before if even.before is not None else np.zeros(n_j, np.int64)
        before = (even.base + flow)[inst.active]
        stats["evening"] = {
            "load_evening": inst.load_evening, "before": _spread(before), "after": stats["load_spread"],
            "load_histogram_before": [[int(v), int(n)] for v, n in zip(*np.unique(before, return_counts=True))],
            "affinity_lost": (best_int - int(before_int.sum())) / res.scale,
            "allowed_loss": (trade or {}).get("allowed", 0) / res.scale,
            "price": (trade or {}).get("price", 0), "solves": (trade or {}).get("solves", 0)}
    return {"status": status, "pairs": pairs, "objective": objective, "bound": bound,
            "gap": gap, "components": len(sizes), **_messages([], warnings), "stats": stats}


def _optimum(inst: Instance, res: _Residual, even: _Even | None, mu: int = 0, seed: np.ndarray | None = None):
    """The flow part of an optimal assignment: (method, rounds, pj, pe, u, p, positive reduced gain
    of all allowed pairs, arcs), or the problem codes when none exists. With ``mu`` > 0 it
    maximizes affinity less ``mu`` times the sum of squared loads instead (see :func:`_trade`).
    ``seed``: keys j * E + e that a dense flow starts with besides its candidates (an earlier price's pairs)."""
    method, rounds, found = "fields", 1, None
    if inst.explicit is None and inst.dense is None:
        found = _solve_by_fields(inst, res, even, mu)
    if found is not None:
        pj, pe, u, p = found[0][0], found[0][1], found[1], found[2]
        return method, rounds, pj, pe, u, p, int(_field_gain(inst, res, u, p).sum()), found[3]
    if inst.dense is not None:
        method = "dense pricing"
        net, sol, pj, pe, rounds, gain_all = _solve_dense(inst, res, even, mu, seed)
    else:
        method = "pairs" if inst.explicit is not None else "column generation"
        net, sol, pj, pe, rounds = _solve_by_pairs(inst, res, even, mu)
    if not sol.feasible:
        return _explain_slack(inst, sol, inst.n_judges, inst.n_entries)
    u, p = sol.u, sol.p
    if inst.explicit is not None:
        gain_all = int(np.maximum(net.gain - u[net.t] - p[net.j], 0).sum())
    elif inst.dense is None:
        gain_all = int(_field_gain(inst, res, u, p).sum())
    return method, rounds, pj, pe, u, p, gain_all, len(net.j)


def _trade(inst: Instance, res: _Residual, even: _Even, aff: _Affinity, pj, pe, n_locked: int):
    """Give up at most ``load_evening`` of the optimal affinity for more even loads.

    For a price mu, the flow that maximizes affinity - mu * sum(load^2) is solved exactly (the
    load cost is convex, so it stays a min-cost flow; its duals prove it, as for affinity alone).
    Its loss of affinity grows with mu, so the largest mu whose loss stays within the allowed
    share is searched for (geometric bisection between 1 and 2 x the largest scaled affinity, at
    most TRADE_SOLVES flows). A price whose assignment (with the usual tie rules at its
    loads) splits the judge-entry graph into more pieces than ``pj, pe`` (the lexicographic
    optimum) counts as too high when entries have several judges: calibration needs the links
    more than even loads. The result is kept only if it is more even than ``pj, pe``, so no
    limit is ever broken.
    """
    n_j = inst.n_judges
    kj, ke = pj[:n_locked], pe[:n_locked]
    best_int = int(aff.of(pj, pe)[1].sum())
    allowed = math.floor(inst.load_evening * abs(best_int) + 1e-6)
    best_sq = _squares(np.bincount(pj, minlength=n_j))
    if res.dense is not None:
        top = int(dense.largest(res.dense))
    elif inst.explicit is not None:
        top = int(np.abs(_explicit_arcs(inst, res)[2]).max(initial=0))
    else:
        top = int(np.abs(res.scaled).max(initial=0))
    heaviest = int((even.base + np.minimum(res.hi, int(res.k.sum()))).max(initial=0))
    nodes = n_j + inst.n_entries + 3
    mu_top = max(1, min(2 * top, 2**60 // (nodes * nodes * (2 * heaviest + 1))))  # no overflow in the solver
    # with one judge per entry nothing links judges anyway: pieces do not count then
    pieces = len(_components(pj, pe, n_j, inst.n_entries)[1]) if inst.k.max(initial=0) > 1 else None
    # field mode applies its tie rules (which link fields) before counting pieces; the other
    # modes, whose flows are costlier, only to the chosen price's assignment
    tie_each = inst.explicit is None and inst.dense is None
    chosen, lo, hi, solves, seed, last = None, 0, mu_top + 1, 0, None, None
    mu = max(math.isqrt(mu_top), 1)  # high prices take the most pricing rounds: start in the middle
    while solves < TRADE_SOLVES and hi - lo > 1:
        solves += 1
        found = _optimum(inst, res, even, mu, seed)
        if not isinstance(found, list):
            keys = found[2] * inst.n_entries + found[3]  # this flow's and the last one's pairs seed the next
            seed, last = _unique(np.concatenate([keys] + ([] if last is None else [last]))), keys
            found = (np.concatenate([kj, found[2]]).astype(np.int64), np.concatenate([ke, found[3]]).astype(np.int64))
            found = _tied(inst, res, aff, *found, n_locked) if tie_each else found
        if not isinstance(found, list) and best_int - int(aff.of(*found)[1].sum()) <= allowed \
                and (pieces is None or len(_components(*found, n_j, inst.n_entries)[1]) <= pieces):
            lo, chosen = mu, found
        else:
            hi = mu
        mu = min(max(math.isqrt(max(lo, 1) * hi), lo + 1), hi - 1)
    trade = {"allowed": allowed, "price": 0, "solves": solves}
    if chosen is None or _squares(np.bincount(chosen[0], minlength=n_j)) >= best_sq:
        return pj, pe, trade
    if not tie_each:
        tied = _tied(inst, res, aff, *chosen, n_locked)
        if pieces is None or len(_components(*tied, n_j, inst.n_entries)[1]) <= pieces:
            chosen = tied
    trade["price"] = lo
    even.after = np.bincount(chosen[0][n_locked:], minlength=n_j).astype(np.int64)
    return chosen[0], chosen[1], trade


def _tied(inst: Instance, res: _Residual, aff: _Affinity, tj, te, n_locked: int):
    """The assignment ``tj, te`` (locked pairs first) with the usual tie rules at its loads: the
    most affinity with every load fixed is its own (it maximizes affinity - mu * sum(load^2)),
    so only ties move. ``tj, te`` themselves if the re-solve does not confirm that."""
    loads = np.bincount(tj[n_locked:], minlength=inst.n_judges).astype(np.int64)
    tied = _optimum(inst, replace(res, lo=loads, hi=loads), None)
    if isinstance(tied, list):
        return tj, te
    rj = np.concatenate([tj[:n_locked], tied[2]]).astype(np.int64)
    re_ = np.concatenate([te[:n_locked], tied[3]]).astype(np.int64)
    if int(aff.of(rj, re_)[1].sum()) == int(aff.of(tj, te)[1].sum()) and \
            np.array_equal(np.bincount(rj, minlength=inst.n_judges), np.bincount(tj, minlength=inst.n_judges)):
        return rj, re_
    return tj, te


def _spread(loads: np.ndarray) -> dict:
    """How uneven the judges' loads are: least, most, mean, standard deviation, sum of squares."""
    if len(loads) == 0:
        return {"min": None, "max": None, "mean": None, "std": None, "sum_squares": 0}
    return {"min": int(loads.min()), "max": int(loads.max()), "mean": float(loads.mean()),
            "std": float(loads.std()), "sum_squares": _squares(loads)}


def _real_bound(inst, res, u, p, locked_real, gain_all_int) -> float:
    """The dual bound against unrounded affinities (valid for any duals)."""
    s = res.scale
    uf, pf = u / s, p / s
    terms = [math.fsum(locked_real.tolist()), math.fsum((res.k * uf).tolist()),
             math.fsum((res.hi * np.maximum(pf, 0)).tolist()),
             -math.fsum((res.lo * np.maximum(-pf, 0)).tolist())]
    if inst.explicit is not None:
        aj, ae, _ = _explicit_arcs(inst, res)
        _, _, w = _Affinity(inst, res).of(aj, ae)
        terms.append(math.fsum(np.maximum(w - uf[ae] - pf[aj], 0).tolist()))
    else:  # field levels off the grid: price with rounded values, then add the rounding slack
        terms.append(gain_all_int / s + 0.5 / s * float(res.k.sum()))
    return math.fsum(terms)


def _check(inst, res, pj, pe, n_locked):
    """Never hand out an assignment that breaks a rule (a bug here is a crash, not a result)."""
    n_e = inst.n_entries
    keys = pj * n_e + pe
    assert len(_unique(keys)) == len(keys), "a pair is repeated"
    assert not _member(keys[n_locked:], res.excluded).any(), "a conflicted pair was assigned"
    assert inst.active[pj[n_locked:]].all(), "an inactive judge was assigned"
    got = np.bincount(pe, minlength=n_e)
    assert (got == np.maximum(inst.k, np.bincount(pe[:n_locked], minlength=n_e))).all()
    load = np.bincount(pj[n_locked:], minlength=inst.n_judges)
    assert (load <= res.hi).all() and (load >= res.lo).all(), "a load is out of bounds"


def _stats(inst, res, pj, pe, real, sizes, n_locked) -> dict:
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
    weak_pairs = [[inst.judge_ids[pj[i]], inst.entry_ids[pe[i]]]
                  for i in np.flatnonzero(real == weakest)[:_MAX_LISTED]] if len(real) else []
    active_pairs = res.excluded  # conflicts among active judges (all of them are avoided)
    cj = inst.conflict_keys // max(n_e, 1)
    return {
        "pairs": len(pj),
        "load_histogram": [[load_, n] for load_, n in sorted(hist.items())],
        "load_spread": _spread(load[inst.active]),
        "loads": {inst.judge_ids[j]: int(load[j]) for j in range(n_j) if inst.active[j]},
        "mean_affinity": float(real.mean()) if len(real) else None,
        "weakest_affinity": weakest,
        "weakest_pairs": weak_pairs,
        "entries_without_expert": without,
        "entries_without_expert_count": len(without),
        "conflicts_avoided": int(inst.active[cj].sum()) if len(active_pairs) else 0,
        "conflicts_declared": inst.declared_conflicts,
        "component_sizes": sorted(sizes.values(), reverse=True)[:20],
        "locked_kept": n_locked,
        "locked_released": res.released,
    }


def _infeasible(inst, res, problems, warnings) -> dict:
    return {"status": "infeasible", "pairs": [], "objective": None, "bound": None, "gap": None,
            "components": 0, **_messages(problems, warnings),
            "stats": {"demand": int(res.k.sum()), "capacity": int(res.hi.sum()),
                      "min_load_total": int(res.lo.sum())}}



# --------------------------------------------------------------------------- the finalist round


def common_panel(candidates: list[str], size: int, finalists: list[str], conflicts, serving=None) -> dict:
    """One panel of judges for every finalist of the final round, so their places compare directly.

    ``candidates`` come in order of preference (the scoring engine's ``panel_candidates``, most
    precise first). A candidate not in ``serving`` (left the contest) is passed over; so is a
    candidate conflicted with any finalist while enough unconflicted candidates remain. When too
    few remain, the least-conflicted of the others take the last seats (ties by preference) and
    only their conflicted pairs are left out: that judge does not see that finalist, and everyone
    else still has the whole panel.

    ``conflicts`` is an iterable of (judge, entry) pairs. Returns ``panel`` (in preference
    order), ``passed_over`` (``{"judge", "reason": "not_serving" | "conflicted", "entries"}`` in
    preference order), ``left_out`` ([judge, entry] pairs) and ``short`` (seats nobody could fill).
    """
    finalist_set = set(finalists)
    conflicted: dict[str, set[str]] = {}
    for judge, entry in conflicts:
        if entry in finalist_set:
            conflicted.setdefault(judge, set()).add(entry)
    ordered = list(dict.fromkeys(candidates))
    able = [j for j in ordered if serving is None or j in serving]
    free = [j for j in able if j not in conflicted]
    seats = max(size, 0)
    panel = free[:seats]
    if len(panel) < seats:
        rest = sorted((j for j in able if j in conflicted), key=lambda j: len(conflicted[j]))
        panel += rest[: seats - len(panel)]
    chosen = set(panel)
    panel = [j for j in ordered if j in chosen]
    # Everyone the plain order of preference would have seated before the last seat taken.
    last = len(ordered) if len(panel) < seats else (ordered.index(panel[-1]) + 1 if panel else 0)
    passed_over = [
        {"judge": j, "reason": "not_serving" if serving is not None and j not in serving else "conflicted",
         "entries": sorted(conflicted.get(j, ()))}
        for j in ordered[:last] if j not in chosen
    ]
    left_out = [[j, e] for j in panel for e in sorted(conflicted.get(j, ()))]
    return {"panel": panel, "passed_over": passed_over, "left_out": left_out, "short": seats - len(panel)}


if __name__ == "__main__":
    exit_with(solve)
