"""Dense affinities for the assignment engine: a matrix in, candidate pairs and pricing out.

When every judge-entry pair has its own affinity (from text similarity, say), listing 20 M
``[judge, entry, value]`` triples in JSON costs gigabytes before the solver starts. The
``affinity_matrix`` key gives them as one matrix instead (a row per entry, a column per judge),
as JSON rows or as base64 float32; the engine keeps it as one array and never builds an arc per
pair. It solves the flow on a candidate set (the best judges of each entry, the best entries of
each judge that has a minimum load), prices every other pair against the flow's duals here,
vectorised in row blocks, and adds the pairs that price out until none does: the duals then
certify the optimum over all pairs (``contest.engines.assignment``, "the proof").

Everything here works on entry-major matrices in id order (``[entry, judge]``) and is pure.
"""
from __future__ import annotations

import binascii
import math
from typing import Any

import numpy as np

from contest.catalogue import Message

BLOCK_CELLS = 2_000_000
"""Matrix cells handled at once: bounds the temporaries (int64 blocks of 16 MB) at any size."""


def _blocks(n_rows: int, n_cols: int):
    step = max(1, BLOCK_CELLS // max(n_cols, 1))
    for start in range(0, n_rows, step):
        yield start, min(start + step, n_rows)


def _ids(value: Any, known: dict[str, int], what: str, problems: list[Message]) -> np.ndarray | None:
    """Positions (in id order) of the matrix's ``what`` list (``entries`` or ``judges``), which must
    name each id once; the problems' codes name the list (``matrix_entries_not_ids``, ...)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(Message(f"matrix_{what}_not_ids"))
        return None
    unknown = sorted({v for v in value if v not in known})
    if unknown:  # the first few, written as the JSON list they are
        problems.append(Message(f"matrix_unknown_{what}", {"given": repr(unknown[:8])}))
    if len(set(value)) != len(value):
        problems.append(Message("matrix_id_twice", {"key": what}))
    missing = len(known) - len(set(value) & known.keys())
    if missing:
        problems.append(Message(f"matrix_misses_{what}", {"missing": missing}))
    if unknown or missing or len(set(value)) != len(value):
        return None
    return np.array([known[v] for v in value], dtype=np.int64)


def read_matrix(value: Any, e_index: dict[str, int], j_index: dict[str, int], max_abs: float,
                problems: list[Message]) -> np.ndarray | None:
    """The ``affinity_matrix`` as float32 ``[entry, judge]`` in id order, or None with problems.

    ``{"entries": [ids], "judges": [ids], "values": rows}`` (rows: a list per entry, or a numpy
    array from Python callers) or ``"values_base64"``: float32 little-endian, row-major.
    """
    if not isinstance(value, dict):
        problems.append(Message("matrix_not_object"))
        return None
    rows = _ids(value.get("entries"), e_index, "entries", problems)
    cols = _ids(value.get("judges"), j_index, "judges", problems)
    given = [key for key in ("values", "values_base64") if key in value]
    if len(given) != 1:
        problems.append(Message("matrix_values_ambiguous"))
        return None
    if rows is None or cols is None:
        return None
    shape = (len(rows), len(cols))
    try:
        if given[0] == "values":
            matrix = np.asarray(value["values"], dtype=np.float32)
        else:
            raw = binascii.a2b_base64(value["values_base64"], strict_mode=True)  # C, no regex pass
            matrix = np.frombuffer(raw, dtype="<f4").astype(np.float32, copy=False)
            matrix = matrix.reshape(shape) if matrix.size == shape[0] * shape[1] else matrix
    except (ValueError, TypeError, binascii.Error):
        problems.append(Message("matrix_values_unreadable", {"key": given[0], "rows": shape[0], "cols": shape[1]}))
        return None
    if matrix.size == 0 and 0 in shape:  # "values": [] for no entries
        matrix = matrix.reshape(shape)
    if matrix.shape != shape:
        problems.append(Message("matrix_values_misshapen", {"key": given[0], "rows": shape[0], "cols": shape[1],
                                                            "given": str(matrix.shape)}))
        return None
    top = largest(matrix)
    if not math.isfinite(top) or top > max_abs:
        problems.append(Message("matrix_values_out_of_range", {"most": f"{max_abs:g}"}))
        return None
    if not (np.array_equal(rows, np.arange(len(rows))) and np.array_equal(cols, np.arange(len(cols)))):
        ordered = np.empty(shape, dtype=np.float32)
        ordered[np.ix_(rows, cols)] = matrix
        matrix = ordered
    return np.ascontiguousarray(matrix)


def largest(matrix: np.ndarray) -> float:
    """The largest absolute value (NaN if any is NaN), without an absolute copy of the matrix."""
    if matrix.size == 0:
        return 0.0
    return max(float(matrix.max()), -float(matrix.min()))


def scaled(matrix: np.ndarray, scale: int) -> np.ndarray:
    """``rint(value * scale)`` per cell, in int32 when it fits (the engine's resolution)."""
    top = largest(matrix) * scale
    out = np.empty(matrix.shape, dtype=np.int32 if top < 2**31 - 1 else np.int64)
    for a, b in _blocks(*matrix.shape):
        block = np.multiply(matrix[a:b], scale, dtype=np.float64)
        out[a:b] = np.rint(block, out=block)
    return out


def allowed(n_e: int, open_e: np.ndarray, judge_ok: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """bool ``[entry, judge]``: pairs that may be added (open entry, judge with room, no exclusion)."""
    mask = open_e[:, None] & judge_ok[None, :]
    mask[excluded % max(n_e, 1), excluded // max(n_e, 1)] = False
    return mask


def _best_in_rows(values: np.ndarray, ok: np.ndarray, width: np.ndarray | int):
    """(row, col) of the ``width`` largest ``values`` per row among ``ok`` cells."""
    n_rows, n_cols = values.shape
    most = int(np.max(width, initial=0))
    if most <= 0 or n_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    floor = np.iinfo(values.dtype).min
    masked = np.where(ok, values, floor)
    if most < n_cols:
        cols = np.argpartition(masked, n_cols - most, axis=1)[:, n_cols - most:]
    else:
        cols = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    picked = np.take_along_axis(masked, cols, axis=1)
    # within the chosen, best first, so that a per-row width below `most` keeps the best
    order = np.argsort(-picked.astype(np.float64), axis=1, kind="stable")
    cols = np.take_along_axis(cols, order, axis=1)
    keep = np.take_along_axis(ok, cols, axis=1) & (np.arange(cols.shape[1])[None, :] < np.reshape(width, (-1, 1)))
    rows = np.broadcast_to(np.arange(n_rows)[:, None], cols.shape)
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)


def _best_of_few(values: np.ndarray, ok: np.ndarray, width: int):
    """As :func:`_best_in_rows` when few cells are ``ok``: sort just those (ties by column)."""
    rows, cols = np.nonzero(ok)
    order = np.lexsort((cols, -values[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    first = np.searchsorted(rows, rows, side="left")
    keep = np.arange(len(rows)) - first < width
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)


def candidates(matrix: np.ndarray, ok: np.ndarray, per_entry: int, per_judge: np.ndarray,
               prices: np.ndarray | None = None):
    """A start: each entry's ``per_entry`` best judges (by affinity less the judge's price, when
    ``prices`` estimate the judges' duals), and each judge's ``per_judge[j]`` best entries.

    Returns sorted unique keys ``j * E + e``.
    """
    n_e, n_j = matrix.shape
    parts = []
    for a, b in _blocks(n_e, n_j):
        block = matrix[a:b] if prices is None else matrix[a:b] - prices[None, :]
        rows, cols = _best_in_rows(block, ok[a:b], per_entry)
        parts.append(cols * n_e + rows + a)
    if prices is not None:  # only judges the entries' choices leave short of their minimum
        chosen = np.bincount(np.concatenate(parts) // max(n_e, 1), minlength=n_j)
        per_judge = np.where(chosen < per_judge, per_judge, 0)
    wanted = np.flatnonzero(per_judge > 0)
    step = max(1, BLOCK_CELLS // max(n_e, 1))
    for a in range(0, len(wanted), step):  # a judge's column as a contiguous row
        js = wanted[a:a + step]
        rows, cols = _best_in_rows(np.ascontiguousarray(matrix[:, js].T),
                                   np.ascontiguousarray(ok[:, js].T), per_judge[js])
        parts.append(js[rows] * n_e + cols)
    keys = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys


def sample(n_rows: int, every: int) -> np.ndarray:
    """Every ``every``-th row: a deterministic sample of entries (the matrix is in id order)."""
    return np.arange(0, n_rows, every)


def price(matrix: np.ndarray, outside: np.ndarray, u: np.ndarray, p: np.ndarray, width: int,
          margin: int = 0):
    """Price every pair in ``outside`` against entry duals ``u`` and judge duals ``p``.

    The reduced gain of (e, j) is ``matrix[e, j] - u[e] - p[j]`` (exact, int64). Returns the
    sum of every positive reduced gain in ``outside`` (0 proves the duals optimal for all pairs)
    and, when it is not 0, the keys ``j * E + e`` of each entry's ``width`` best pairs with
    reduced gain above ``-margin``: pairs just short of pricing out tend to do so in the next
    round, when the duals move, so taking them at once saves rounds.
    """
    n_e, n_j = matrix.shape
    found, total = [], 0
    for a, b in _blocks(n_e, n_j):
        gain = matrix[a:b].astype(np.int64)
        gain -= u[a:b, None]
        gain -= p[None, :]
        near = outside[a:b] & (gain > -margin)
        positive = near & (gain > 0) if margin else near
        total += int(gain[positive].sum())
        if np.count_nonzero(near) <= 4 * width * (b - a):
            rows, cols = _best_of_few(gain, near, width)
        else:
            rows, cols = _best_in_rows(gain, near, width)
        found.append(cols * n_e + rows + a)
    if total == 0:
        return np.zeros(0, np.int64), 0
    return np.sort(np.concatenate(found)), total
