"""The JSON face of the assignment engine: the one place JSON is read, checked and written.

``python -m contest.engines.assignment IN.json`` and the platform's stored runs meet the engine
here (docs/assignment.md gives the contract). :func:`read_problem` checks a JSON instance and
names every problem at once (:class:`InputError`); ids become integers (the rank of the JSON's
own id) and keep their JSON names, which the tie rules and the answer use. :func:`answer_json`
writes an answer back with those names, its messages as codes and in English from the
catalogue; :func:`problem_json` and :func:`read_answer` are how services store a run and read it
back. :func:`solve` is all of it at once: JSON in, JSON out.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from contest.catalogue import Message, english
from contest.catalogue.assignment import ID_PARAMS, SENTENCES, sentence
from contest.engines.assignment import dense
from contest.engines.assignment.model import (
    DEFAULT_K, MAX_AFFINITY, PREFIXED, AffinityMatrix, Answer, Entry, Judge, Names, Prefixed, Problem,
)
from contest.engines.assignment.solver import assign
from contest.engines.cli import InputError

_MOST = f"{MAX_AFFINITY:g}"  # the largest |affinity|, as the problems write it ("1e+06")

TOP_KEYS = {"k", "min_load", "max_load", "entries", "judges", "conflicts", "affinity", "affinity_matrix",
            "locked", "connect_tolerance", "load_evening"}


class Listed:
    """Ids named by the JSON itself: id ``i`` is the ``i``-th name in code-point order."""

    def __init__(self, judges: list[str], entries: list[str]):
        self.judges, self.entries = judges, entries

    def judge(self, judge_id: int) -> str:
        return self.judges[judge_id]

    def entry(self, entry_id: int) -> str:
        return self.entries[entry_id]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: Whose value a problem is about: ("instance", {}) for a top-level key, ("entry", {"id": name})
#: or ("judge", {"id": name}) for one item; the kind begins the problem's code.
Who = tuple[str, dict[str, str]]
INSTANCE: Who = ("instance", {})


def _count(value: Any, key: str, problems: list[Message], who: Who = INSTANCE) -> int | None:
    """A non-negative whole number, or a problem naming ``key`` (of ``who``)."""
    kind, about = who
    if not _is_number(value) or not math.isfinite(value) or value != int(value):
        problems.append(Message(f"{kind}_count_not_whole", {**about, "key": key, "given": repr(value)}))
        return None
    if value < 0:
        problems.append(Message(f"{kind}_count_negative", {**about, "key": key, "given": repr(value)}))
        return None
    return int(value)


_ONE = {"entries": "entry", "judges": "judge"}  # an item of each list


def _read_ids(items: Any, what: str, problems: list[Message]) -> list[dict]:
    if not isinstance(items, list):
        problems.append(Message("instance_list_not_objects", {"key": what}))
        return []
    good, seen = [], set()
    for pos, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Message("instance_item_not_object", {"key": what, "index": pos}))
            continue
        ident = item.get("id")
        if not isinstance(ident, str) or not ident:
            problems.append(Message("instance_item_without_id", {"key": what, "index": pos, "given": repr(ident)}))
            continue
        if ident in seen:
            problems.append(Message(f"{_ONE[what]}_id_duplicate", {"given": repr(ident)}))
            continue
        seen.add(ident)
        good.append(item)
    return good


def _organizations(value: Any, who: Who, problems: list[Message]) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        problems.append(Message(f"{who[0]}_organization_invalid", who[1]))
        return []
    return values


def _judge_fields(value: Any, judge: dict[str, str], problems: list[Message]) -> dict[str, float]:
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
        problems.append(Message("judge_fields_invalid", judge))
        return {}
    for name, lv in items:
        if not isinstance(name, str) or not name:
            problems.append(Message("judge_field_name_invalid", {**judge, "given": repr(name)}))
        elif not _is_number(lv) or not math.isfinite(lv) or not 0 < lv <= MAX_AFFINITY:
            problems.append(Message("judge_field_level_invalid", {**judge, "field": repr(name), "most": _MOST,
                                                                  "given": repr(lv)}))
        elif name in levels:
            problems.append(Message("judge_field_twice", {**judge, "field": repr(name)}))
        else:
            levels[name] = float(lv)
    return levels


def _pairs(value: Any, what: str, width: int, problems: list[Message]) -> list[list]:
    if value is None:
        return []
    shape = "[judge, entry, affinity]" if width == 3 else "[judge, entry]"  # the shape of one pair in the JSON
    if not isinstance(value, list):
        problems.append(Message("instance_pairs_not_list", {"key": what, "shape": shape}))
        return []
    good = []
    for pos, item in enumerate(value):
        if not isinstance(item, (list, tuple)) or len(item) != width:
            problems.append(Message("instance_pair_misshapen", {"key": what, "index": pos, "shape": shape,
                                                                "given": repr(item)}))
        else:
            good.append(list(item))
    return good


def _fast_pairs(value: Any, j_index: dict, e_index: dict) -> np.ndarray | None:
    """(judge, entry) ids of a long, well-formed pair list as an (n, 2) array; None if anything
    needs a closer look."""
    if value is None:
        return np.zeros((0, 2), dtype=np.int64)
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
    return np.stack([js, es], axis=1)


class _Reader:
    """One pass over a JSON instance; every problem found is kept in ``problems``, in order."""

    def __init__(self, data: Mapping):
        self.data, self.problems = data, []
        self.k = _count(data.get("k", DEFAULT_K), "k", self.problems)
        self.min_load = _count(data.get("min_load", 0), "min_load", self.problems)
        raw = data.get("max_load")
        self.max_load = None if raw is None else _count(raw, "max_load", self.problems)
        if self.min_load is not None and self.max_load is not None and self.min_load > self.max_load:
            self.problems.append(Message("instance_loads_crossed", {"min_load": self.min_load,
                                                                    "max_load": self.max_load}))
        self.tolerance = data.get("connect_tolerance", 0.0)
        if not _is_number(self.tolerance) or not math.isfinite(self.tolerance) or self.tolerance < 0:
            self.problems.append(Message("connect_tolerance_invalid", {"given": repr(self.tolerance)}))
            self.tolerance = 0.0
        self.evening = data.get("load_evening")
        if self.evening is not None and (not _is_number(self.evening) or not math.isfinite(self.evening)
                                         or not 0 <= self.evening <= 1):
            self.problems.append(Message("load_evening_invalid", {"given": repr(self.evening)}))
            self.evening = None
        for key in ("entries", "judges"):
            if key not in data:
                self.problems.append(Message("instance_key_missing", {"key": key}))
        entries = sorted(_read_ids(data.get("entries", []), "entries", self.problems), key=lambda x: x["id"])
        judges = sorted(_read_ids(data.get("judges", []), "judges", self.problems), key=lambda x: x["id"])
        self.names = Listed([x["id"] for x in judges], [x["id"] for x in entries])
        self.e_index = {ident: i for i, ident in enumerate(self.names.entries)}
        self.j_index = {ident: i for i, ident in enumerate(self.names.judges)}
        self.entries = [self._entry(i, item) for i, item in enumerate(entries)]
        self.judges = [self._judge(i, item) for i, item in enumerate(judges)]

    def _entry(self, i: int, item: dict) -> Entry:
        who: Who = ("entry", {"id": item["id"]})
        k = _count(item["k"], "k", self.problems, who) if "k" in item else None
        field = item.get("field")
        if field is not None and (not isinstance(field, str) or not field):
            self.problems.append(Message("entry_field_invalid", {**who[1], "given": repr(field)}))
            field = None
        organizations = tuple(_organizations(item.get("organization"), who, self.problems))
        return Entry(i, field, (k or 0) if "k" in item else None, organizations)

    def _judge(self, i: int, item: dict) -> Judge:
        who: Who = ("judge", {"id": item["id"]})
        lo = _count(item["min_load"], "min_load", self.problems, who) if "min_load" in item else self.min_load
        hi = _count(item["max_load"], "max_load", self.problems, who) if "max_load" in item else self.max_load
        if lo is not None and hi is not None and lo > hi:
            self.problems.append(Message("judge_loads_crossed", {**who[1], "min_load": lo, "max_load": hi}))
        active = item.get("active", True)
        if not isinstance(active, bool):
            self.problems.append(Message("judge_active_invalid", {**who[1], "given": repr(active)}))
            active = True
        levels = _judge_fields(item.get("fields"), who[1], self.problems)
        organizations = tuple(_organizations(item.get("organization"), who, self.problems))
        return Judge(i, levels, (lo or 0) if "min_load" in item else None,
                     (hi or 0) if "max_load" in item else None, organizations, active)

    def pair(self, j: Any, e: Any, what: str) -> tuple[int, int] | None:
        """The ids of a pair naming a known judge and entry; ``what`` is what the input calls the pair."""
        bad = [kind for kind, name, index in (("judge", j, self.j_index), ("entry", e, self.e_index))
               if not isinstance(name, str) or name not in index]
        if bad:
            self.problems.append(Message(f"pair_unknown_{'_and_'.join(bad)}",
                                         {"what": what, "given_judge": repr(j), "given_entry": repr(e)}))
            return None
        return self.j_index[j], self.e_index[e]

    def conflicts(self) -> np.ndarray:
        found = _fast_pairs(self.data.get("conflicts"), self.j_index, self.e_index)
        if found is not None:
            return found
        pairs = [self.pair(j, e, "conflict") for j, e in _pairs(self.data.get("conflicts"), "conflicts", 2,
                                                                 self.problems)]
        return np.array([ids for ids in pairs if ids], dtype=np.int64).reshape(-1, 2)

    def affinity(self) -> list[tuple[int, int, float]] | None:
        if self.data.get("affinity") is None:
            return None
        listed, seen = [], set()
        for j, e, w in _pairs(self.data.get("affinity"), "affinity", 3, self.problems):
            ids = self.pair(j, e, "affinity")
            if not ids:
                continue
            if not _is_number(w) or not math.isfinite(w) or abs(w) > MAX_AFFINITY:
                self.problems.append(Message("affinity_value_invalid", {"judge_id": j, "entry_id": e, "most": _MOST,
                                                                        "given": repr(w)}))
            elif ids in seen:
                self.problems.append(Message("affinity_listed_twice", {"judge_id": j, "entry_id": e}))
            else:
                seen.add(ids)
                listed.append((*ids, float(w)))
        return listed

    def matrix(self, explicit: bool) -> AffinityMatrix | None:
        if self.data.get("affinity_matrix") is None:
            return None
        if explicit:
            self.problems.append(Message("affinity_given_twice"))
        values = dense.read_matrix(self.data["affinity_matrix"], self.e_index, self.j_index, MAX_AFFINITY,
                                   self.problems)
        if values is None:
            return None
        return AffinityMatrix(range(len(self.entries)), range(len(self.judges)), values)

    def locked(self) -> list[tuple[int, int]]:
        locked, seen = [], set()
        for j, e in _pairs(self.data.get("locked"), "locked", 2, self.problems):
            ids = self.pair(j, e, "locked pair")
            if ids in seen:
                self.problems.append(Message("locked_listed_twice", {"judge_id": j, "entry_id": e}))
            elif ids:
                seen.add(ids)
                locked.append(ids)
        return locked


def read_problem(data: Any) -> tuple[Problem, list[Message]]:
    """A JSON instance as a typed problem, and its warnings (unknown keys); :class:`InputError`
    naming every problem found when it is malformed."""
    if not isinstance(data, dict):
        raise InputError(Message("assignment_instance_not_object"))
    warnings = [Message("unknown_key", {"key": key}) for key in sorted(set(data) - TOP_KEYS)]
    reader = _Reader(data)
    conflicts = reader.conflicts()
    affinity = reader.affinity()
    matrix = reader.matrix(affinity is not None)
    locked = reader.locked()
    if reader.problems:
        raise InputError(reader.problems)
    return Problem(reader.entries, reader.judges, reader.k or 0, reader.min_load or 0, reader.max_load, conflicts,
                   affinity, matrix, locked, float(reader.tolerance),
                   None if reader.evening is None else float(reader.evening), reader.names), warnings


def solve(data: Any) -> dict:
    """Assign judges to entries, JSON in and JSON out (the command line; docs/assignment.md)."""
    problem, warnings = read_problem(data)
    answer = assign(problem)
    answer.warnings[:0] = warnings
    return answer_json(answer, problem.names)


# --------------------------------------------------------------------------- writing


def named(message: Message, names: Names) -> Message:
    """A message with its ids written as names (what ``problem_codes`` and the English carry)."""
    params = dict(message.params)
    for param, kind in ID_PARAMS.items():
        if param in params:
            write = names.judge if kind == "judge" else names.entry
            value = params[param]
            params[param] = [write(v) for v in value] if isinstance(value, list) else write(value)
    return Message(message.code, params)


def _messages_json(answer: Answer, names: Names) -> dict:
    problems = [named(m, names) for m in answer.problems]
    warnings = [named(m, names) for m in answer.warnings]
    return {"problems": [english(sentence(m)) for m in problems], "warnings": [english(sentence(m)) for m in warnings],
            "problem_codes": [m.as_json() for m in problems], "warning_codes": [m.as_json() for m in warnings]}


def _stats_json(stats: dict, names: Names) -> dict:
    out = dict(stats)
    if "loads" in out:
        out["loads"] = {names.judge(j): n for j, n in out["loads"].items()}
    if "weakest_pairs" in out:
        out["weakest_pairs"] = [[names.judge(j), names.entry(e)] for j, e in out["weakest_pairs"]]
    if "entries_without_expert" in out:
        out["entries_without_expert"] = [names.entry(e) for e in out["entries_without_expert"]]
    return out


def answer_json(answer: Answer, names: Names = PREFIXED) -> dict:
    """The answer as the command line prints it and a run stores it (docs/assignment.md, "Output")."""
    return {"status": answer.status, "pairs": [[names.judge(j), names.entry(e)] for j, e in answer.pairs],
            "objective": answer.objective, "bound": answer.bound, "gap": answer.gap,
            "components": answer.components, **_messages_json(answer, names),
            "stats": _stats_json(answer.stats, names)}


def problem_json(problem: Problem) -> dict:
    """The problem as JSON (what a run stores, and hashes, with the instance it solved)."""
    names = problem.names
    by_field = problem.affinity is None and problem.affinity_matrix is None
    data: dict[str, Any] = {"k": problem.k, "min_load": problem.min_load}
    if problem.max_load is not None:
        data["max_load"] = problem.max_load
    data["entries"] = [_entry_json(entry, names, by_field) for entry in problem.entries]
    data["judges"] = [_judge_json(judge, names) for judge in problem.judges]
    data["conflicts"] = [[names.judge(j), names.entry(e)] for j, e in np.asarray(problem.conflicts).tolist()]
    data["locked"] = [[names.judge(j), names.entry(e)] for j, e in problem.locked]
    if problem.affinity is not None:
        data["affinity"] = [[names.judge(j), names.entry(e), w] for j, e, w in problem.affinity]
    if problem.affinity_matrix is not None:
        matrix = problem.affinity_matrix
        data["affinity_matrix"] = {"entries": [names.entry(e) for e in matrix.entries],
                                   "judges": [names.judge(j) for j in matrix.judges],
                                   "values": np.asarray(matrix.values).tolist()}
    if problem.connect_tolerance:
        data["connect_tolerance"] = problem.connect_tolerance
    data["load_evening"] = problem.load_evening
    return data


def _entry_json(entry: Entry, names: Names, by_field: bool) -> dict:
    data: dict[str, Any] = {"id": names.entry(entry.id)}
    if by_field:
        data["field"] = entry.field
    if entry.k is not None:
        data["k"] = entry.k
    if entry.organizations:
        data["organization"] = list(entry.organizations)
    return data


def _judge_json(judge: Judge, names: Names) -> dict:
    data: dict[str, Any] = {"id": names.judge(judge.id)}
    if not judge.active:
        data["active"] = False
        return data
    for key in ("fields", "min_load", "max_load"):
        if getattr(judge, key) is not None:
            data[key] = dict(judge.fields) if key == "fields" else getattr(judge, key)
    if judge.organizations:
        data["organization"] = list(judge.organizations)
    return data


def read_answer(data: Mapping, names: Prefixed = PREFIXED) -> Answer:
    """A stored answer with the platform's ids. A message keeps its stored English when it has no
    code (runs stored before codes existed) or a code this version does not know."""
    stats = dict(data.get("stats") or {})
    if isinstance(stats.get("loads"), dict):
        stats["loads"] = {names.judge_id(j): n for j, n in stats["loads"].items()}
    if isinstance(stats.get("weakest_pairs"), list):
        stats["weakest_pairs"] = [(names.judge_id(j), names.entry_id(e)) for j, e in stats["weakest_pairs"]]
    if isinstance(stats.get("entries_without_expert"), list):
        stats["entries_without_expert"] = [names.entry_id(e) for e in stats["entries_without_expert"]]
    return Answer(data.get("status", "infeasible"),
                  [(names.judge_id(j), names.entry_id(e)) for j, e in data.get("pairs") or []],
                  data.get("objective"), data.get("bound"), data.get("gap"), data.get("components", 0),
                  _read_messages(data, "problem", names), _read_messages(data, "warning", names), stats)


def _read_messages(data: Mapping, kind: str, names: Prefixed) -> list[Message | str]:
    texts = list(data.get(f"{kind}s") or [])
    codes = data.get(f"{kind}_codes")
    if not isinstance(codes, list) or len(codes) != len(texts):
        return texts
    return [_read_message(code, names) or text for code, text in zip(codes, texts)]


def _read_message(code: Any, names: Prefixed) -> Message | None:
    if not isinstance(code, Mapping) or code.get("code") not in SENTENCES:
        return None
    message = Message.from_json(code)
    params = dict(message.params)
    try:
        for param, kind in ID_PARAMS.items():
            if param in params:
                read = names.judge_id if kind == "judge" else names.entry_id
                value = params[param]
                params[param] = [read(v) for v in value] if isinstance(value, list) else read(value)
    except (TypeError, ValueError):
        return None
    return Message(message.code, params)
