"""What the assignment engine is asked and what it answers: typed, with integer ids.

Services build a :class:`Problem` straight from their rows (judge and entry ids are the
database's); the command line and stored snapshots meet JSON only in :mod:`.codec`. The engine
orders judges and entries, and breaks its ties, by their *names* (docs/assignment.md, "Ties"):
:data:`PREFIXED` names judge 42 ``"j42"`` and entry 17 ``"e17"`` (how the platform has always
stored its instances, so its answers do not change); the codec names ids after the JSON's own.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from contest.catalogue import Message

AFFINITY_SCALE = 1_000_000
"""Affinities are rounded to multiples of 1/AFFINITY_SCALE for the solver (see the docs)."""
MAX_AFFINITY = 1_000_000.0
DEFAULT_K = 3
MISMATCH_AFFINITY = 0.0
"""Affinity of a judge for an entry outside all of the judge's fields (field-based mode)."""
MAX_LISTED = 8  # ids named in one message before "and N more"

Pair = tuple[int, int]  # (judge id, entry id)


class Names(Protocol):
    """How ids are named: the order of judges and entries and the tie numbers are on names."""

    def judge(self, judge_id: int) -> str: ...
    def entry(self, entry_id: int) -> str: ...


class Prefixed:
    """Judge 42 is ``"j42"``, entry 17 ``"e17"``: the platform's naming. A negative judge id is a
    seat left empty by a refill (``contest.engines.refill``): judge -1 is ``"v1"``."""

    def judge(self, judge_id: int) -> str:
        return f"j{judge_id}" if judge_id >= 0 else f"v{-judge_id}"

    def entry(self, entry_id: int) -> str:
        return f"e{entry_id}"

    def judge_id(self, name: str) -> int:
        """The id a stored name stands for (ValueError if it is not one of this naming's)."""
        if isinstance(name, str) and name.startswith("v"):
            return -self._id(name, "v")
        return self._id(name, "j")

    def entry_id(self, name: str) -> int:
        return self._id(name, "e")

    def _id(self, name: str, prefix: str) -> int:
        if not (isinstance(name, str) and name.startswith(prefix) and name[1:].isdigit()):
            raise ValueError(f"{name!r} is not a stored {'entry' if prefix == 'e' else 'judge'} id")
        return int(name[1:])


PREFIXED = Prefixed()


@dataclass(frozen=True)
class Judge:
    """A judge: load bounds (None: the problem's), level per field, organizations, still serving?"""

    id: int
    fields: Mapping[str, float] | None = None
    min_load: int | None = None
    max_load: int | None = None
    organizations: Sequence[str] = ()
    active: bool = True


@dataclass(frozen=True)
class Entry:
    """An entry: its field, the judges it needs (None: the problem's ``k``), its organizations."""

    id: int
    field: str | None = None
    k: int | None = None
    organizations: Sequence[str] = ()


@dataclass(frozen=True)
class AffinityMatrix:
    """Every pair's affinity: ``values[row, col]`` for ``entries[row]`` and ``judges[col]``."""

    entries: Sequence[int]
    judges: Sequence[int]
    values: np.ndarray  # float32 [entry, judge]


@dataclass(frozen=True)
class Problem:
    """The question (docs/assignment.md, "Input"). Pairs are (judge id, entry id); ``conflicts``
    may also be an int array of shape (n, 2), which large instances read faster."""

    entries: Sequence[Entry]
    judges: Sequence[Judge]
    k: int = DEFAULT_K
    min_load: int = 0
    max_load: int | None = None
    conflicts: Collection[Pair] | np.ndarray = ()
    affinity: Sequence[tuple[int, int, float]] | None = None  # only these pairs may be assigned
    affinity_matrix: AffinityMatrix | None = None
    locked: Collection[Pair] = ()
    connect_tolerance: float = 0.0
    load_evening: float | None = None
    names: Names = PREFIXED


@dataclass
class Answer:
    """The answer (docs/assignment.md, "Output"), ids as in the problem.

    ``stats`` is the documented table; its ids (``loads`` keys, ``weakest_pairs``,
    ``entries_without_expert``) are the problem's integer ids.
    """

    status: str                           # "optimal" | "feasible" | "infeasible"
    pairs: list[Pair]
    objective: float | None
    bound: float | None
    gap: float | None
    components: int
    problems: list[Message | str] = field(default_factory=list)  # str: English stored without a known code
    warnings: list[Message | str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        return self.status in ("optimal", "feasible")


class InvariantBroken(RuntimeError):
    """The engine was about to hand out an assignment that breaks a rule: a bug, never a result."""
