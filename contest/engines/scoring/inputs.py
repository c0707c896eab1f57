"""The scoring engine's input as typed structs: integer ids and numbers, no JSON.

Services build a :class:`ScoringInput` straight from their rows; the command line and the stored
snapshots reach the same struct through :mod:`contest.engines.scoring.codec`, which reads and
checks the JSON once. An id is an integer; :class:`Names` says how each is written in the answer
(and in the JSON form of the input), and the engine orders entries, judges and criteria by their
written names, so an input and its JSON form rank the same.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

METHODS = ("calibrated", "mean", "zscore")
DEFAULT_METHOD = "calibrated"      # most accurate on bench/simulate.py (see docs/scoring.md)
DEFAULT_PRIZE_ZONE = 10
DEFAULT_EXTRA_LOAD = 0.10
ROUNDS = (1, 2)


@dataclass(frozen=True)
class Criterion:
    """A rubric criterion: its weight and its scale ``low..high``."""

    id: int
    weight: float
    low: float
    high: float


@dataclass(frozen=True)
class MarkTable:
    """Every mark as columns of equal length, in the input's order.

    ``value`` NaN: a value the codec could not read as a number (it named it; the mark spoils its
    sheet). ``whole``: the value was written as a whole number (7, not 7.0); messages repeat a
    value as it was written, and the JSON form (hence the inputs hash) keeps the difference.
    """

    entry: np.ndarray        # int64 ids
    judge: np.ndarray
    criterion: np.ndarray
    value: np.ndarray        # float64
    round: np.ndarray        # int64, 1 or 2
    whole: np.ndarray        # bool

    @classmethod
    def of(cls, entry: Sequence[int], judge: Sequence[int], criterion: Sequence[int], value: Sequence[float],
           round: Sequence[int], whole: Sequence[bool] | None = None) -> MarkTable:  # noqa: A002 - the contest's word
        n = len(entry)
        return cls(np.asarray(entry, dtype=np.int64).reshape(n), np.asarray(judge, dtype=np.int64).reshape(n),
                   np.asarray(criterion, dtype=np.int64).reshape(n), np.asarray(value, dtype=np.float64).reshape(n),
                   np.asarray(round, dtype=np.int64).reshape(n),
                   np.zeros(n, bool) if whole is None else np.asarray(whole, dtype=bool).reshape(n))

    def __len__(self) -> int:
        return len(self.entry)

    def select(self, keep: np.ndarray) -> MarkTable:
        return MarkTable(self.entry[keep], self.judge[keep], self.criterion[keep], self.value[keep],
                         self.round[keep], self.whole[keep])


@dataclass(frozen=True)
class Place:
    """A finalist's place on a judge's ranking ballot; ``position`` None: not a whole number from 1
    (the codec named what was written)."""

    judge: int
    entry: int
    position: int | None


@dataclass(frozen=True)
class Names:
    """How ids are written in the answer and in the JSON form of the input."""

    entry: Callable[[int], str]
    judge: Callable[[int], str]
    criterion: Callable[[int], str]

    @classmethod
    def listed(cls, entries: Sequence[str], judges: Sequence[str], criteria: Sequence[str]) -> Names:
        """Id k is the k-th name of its list (the codec's ids: positions in the JSON's sorted ids)."""
        return cls(entries.__getitem__, judges.__getitem__, criteria.__getitem__)

    @classmethod
    def prefixed(cls, entry: str = "e", judge: str = "j", criterion: str = "c") -> Names:
        """Id 42 written ``e42``, ``j42``, ``c42``: the services' neutral codes."""
        return cls(f"{entry}{{}}".format, f"{judge}{{}}".format, f"{criterion}{{}}".format)


@dataclass(frozen=True)
class ScoringInput:
    """One contest to rank. ``None`` settings were not given (the default applies, and the JSON form
    leaves them out, as the inputs hash does)."""

    criteria: tuple[Criterion, ...]
    marks: MarkTable
    names: Names = field(default_factory=Names.prefixed)
    entries: tuple[int, ...] | None = None  # entries named besides their marks (listed, or with dropped marks only)
    judges: tuple[int, ...] | None = None   # likewise for judges (the panel)
    ballots: tuple[Place, ...] | None = None
    finalists: tuple[int, ...] | None = None                # the final round's finalists, when listed
    given: Mapping[int, tuple[int, ...]] | None = None      # judge -> the finalists they were given, if not all
    method: str | None = None
    prize_zone: int | None = None
    extra_load: float | None = None
    problems: tuple[Mapping, ...] = ()         # marks the codec dropped while reading the JSON (problem codes)
    ballot_problems: tuple[Mapping, ...] = ()  # ballot places it dropped

    def __post_init__(self):
        if self.method is not None and self.method not in METHODS:
            raise ValueError(f"method: must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.prize_zone is not None and self.prize_zone < 1:
            raise ValueError(f"prize_zone: must be a positive integer, got {self.prize_zone!r}")
        if self.extra_load is not None and not (math.isfinite(self.extra_load) and self.extra_load >= 0):
            raise ValueError(f"extra_load: must be a number >= 0, got {self.extra_load!r}")

    @property
    def chosen_method(self) -> str:
        return self.method or DEFAULT_METHOD

    @property
    def chosen_prize_zone(self) -> int:
        return self.prize_zone or DEFAULT_PRIZE_ZONE

    @property
    def chosen_extra_load(self) -> float:
        return DEFAULT_EXTRA_LOAD if self.extra_load is None else float(self.extra_load)

    def round_one(self) -> ScoringInput:
        """The input as it stood before the finalist round (round-2 marks and ballots left out)."""
        return ScoringInput(self.criteria, self.marks.select(self.marks.round != 2), self.names, self.entries,
                            self.judges, None, self.finalists, self.given, self.method, self.prize_zone,
                            self.extra_load, self.problems)
