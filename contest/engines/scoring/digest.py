"""The inputs hash of the scoring engine's JSON input, by engine version.

Versions 1 and 2 hash the canonical JSON (lists of records sorted, keys sorted); version 3 hashes
the marks as sorted columns, several times faster at national size. The Monte Carlo seed comes
from it, so the same input gives the same answer whatever the order of its records.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from contest.engines.scoring.inputs import ROUNDS

VERSION = 3                        # how rankings are computed; every answer says which (``engine_version``)


def inputs_hash(instance: dict, version: int = VERSION, columns: MarkColumns | None = None) -> str:
    """sha256 of the instance, the same whatever the order of its records.

    Versions 1 and 2: of its canonical JSON (lists of records sorted, keys sorted). Version 3: of
    its marks as columns (:func:`_column_digest`; ``columns``, when read already), several times
    faster at national size; an instance whose marks do not fit the columns is hashed from its
    canonical JSON.
    """
    if version >= 3:
        columns = columns or mark_columns(instance.get("scores"))
        if columns is not None and (digest := column_digest(instance, columns)) is not None:
            return digest
    text = canonical_json(instance).encode("utf-8")
    return hashlib.sha256(text if version < 3 else _JSON_TAG + text).hexdigest()


_COLUMNS_TAG = b"scoring-inputs-v3 columns\0"
_JSON_TAG = b"scoring-inputs-v3 json\0"
_MARK_KEYS = frozenset(("entry", "judge", "criterion", "value", "round"))
_NOT_GIVEN = object()


@dataclass
class MarkColumns:
    """The marks read column-wise, once, for the hash and for reading the sheets: their ids (sorted,
    distinct) and each mark's indices into them, its value, and its round (0 where not given)."""

    entries: list[str]
    judges: list[str]
    criteria: list[str]
    entry: np.ndarray
    judge: np.ndarray
    criterion: np.ndarray
    value: np.ndarray
    round: np.ndarray
    written_int: np.ndarray     # the value was an integer in the input (7, not 7.0)


def mark_columns(scores) -> MarkColumns | None:
    """The marks as columns when every one is an object of the keys ``entry``, ``judge``, ``criterion``,
    ``value`` (and ``round``) only, with string ids, a finite number as value (an integer of at most
    2^53 in size, so that its float is exact) and a round of 1 or 2 if any; None otherwise."""
    if not isinstance(scores, list) or not scores or set(map(type, scores)) - {dict}:
        return None
    keys = set().union(*scores)
    if keys - _MARK_KEYS:
        return None
    try:
        entry, judge, criterion, value = (list(map(itemgetter(key), scores))
                                          for key in ("entry", "judge", "criterion", "value"))
    except KeyError:
        return None
    # A str never equals a non-str, so the distinct ids hold a non-str exactly when the column does.
    try:
        ids = [sorted(distinct) if not set(map(type, distinct)) - {str} else None
               for distinct in map(set, (entry, judge, criterion))]
    except TypeError:  # an id that cannot be a key (a list, say) is not a string either
        return None
    round_no = [item.get("round", _NOT_GIVEN) for item in scores] if "round" in keys else None
    kinds = set(map(type, value))
    if (None in ids or not kinds <= {int, float}
            or (round_no is not None and (not set(round_no) <= {_NOT_GIVEN, *ROUNDS}
                                          or not set(map(type, round_no)) <= {int, object}))):
        return None
    written_int = (np.fromiter(map(int.__instancecheck__, value), bool, len(value)) if len(kinds) > 1
                   else np.full(len(value), int in kinds))
    try:
        values = np.asarray(value, dtype=np.float64).reshape(-1)
    except OverflowError:
        return None
    if not np.isfinite(values).all() or (np.abs(values[written_int]) >= 2.0**53).any():
        return None
    index = [np.fromiter(map({name: k for k, name in enumerate(names)}.__getitem__, column), np.int64, len(column))
             for names, column in zip(ids, (entry, judge, criterion))]
    rounds = (np.zeros(len(scores), np.int64) if round_no is None
              else np.fromiter((0 if r is _NOT_GIVEN else r for r in round_no), np.int64, len(round_no)))
    return MarkColumns(*ids, *index, values, rounds, written_int)


def column_digest(instance: dict, columns: MarkColumns) -> str | None:
    """sha256 of the instance with its marks as sorted columns; None when there are too many ids for one key.

    The encoding is exact: the canonical JSON of everything but ``scores``, the sorted entry, judge
    and criterion ids (JSON, so the NUL that ends each part cannot occur in one), then one row per
    mark: a key of its ids' indices, its round (0 when not given) and whether its value was written
    as an integer, and the value as a float64; rows sorted, little-endian.
    """
    sizes = [len(columns.entries), len(columns.judges), len(columns.criteria)]
    if math.prod(sizes) >= 2**58:
        return None
    key = (columns.entry * sizes[1] + columns.judge) * sizes[2] + columns.criterion
    key = (key * 3 + columns.round) * 2 + columns.written_int
    values = columns.value
    order = np.lexsort((values, np.signbit(values), key))
    digest = hashlib.sha256(_COLUMNS_TAG)
    rest = {name: item for name, item in instance.items() if name != "scores"}
    digest.update(canonical_json(rest).encode("utf-8") + b"\0")
    ids = [columns.entries, columns.judges, columns.criteria]
    digest.update(json.dumps(ids, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\0")
    digest.update(key[order].astype("<i8").tobytes())
    digest.update(values[order].astype("<f8").tobytes())
    return digest.hexdigest()


def canonical_json(instance: dict) -> str:
    """The instance as compact JSON with sorted keys; the order of records in the lists
    ``criteria``, ``scores``, ``judges``, ``entries`` and ``ballots`` does not matter, so they are sorted."""
    data = dict(instance)
    for key in ("criteria", "scores", "judges", "entries", "ballots"):
        if isinstance(data.get(key), list):
            texts = _record_texts(data[key])
            data[key] = [data[key][k] for k in sorted(range(len(texts)), key=texts.__getitem__)]
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _record_texts(records: list) -> list[str]:
    """``json.dumps(record, sort_keys=True, ensure_ascii=False)`` of every record, in one call.

    A list of objects is encoded once and cut at ``}, {``. Two occurrences of that string cannot
    overlap, so the cut finds every one: the separators between records and any inside them.
    When it yields exactly one piece per record, every cut was a separator. Otherwise (or for
    records that are not all objects) each record is encoded on its own.
    """
    if len(records) > 1 and all(type(record) is dict for record in records):
        pieces = json.dumps(records, sort_keys=True, ensure_ascii=False)[2:-2].split("}, {")
        if len(pieces) == len(records):
            return [f"{{{piece}}}" for piece in pieces]
    return [json.dumps(record, sort_keys=True, ensure_ascii=False) for record in records]

