"""The winners rule's input and answer as typed structs; every id is an integer.

The service builds them from database rows; the command line and stored snapshots meet them
through :mod:`.codec`, which maps the JSON's string ids (contests, entries, persons) to
integers and back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

SHARES = ("proportional", "equal")


@dataclass(frozen=True)
class RankedEntry:
    entry: int
    rank: int
    authors: tuple[int, ...]


@dataclass(frozen=True)
class ContestRanking:
    """A contest's published ranking, best entry first, and its number of submitted entries."""

    id: int
    entries: int
    ranking: tuple[RankedEntry, ...]


@dataclass(frozen=True)
class Instance:
    places: int
    share: str
    contests: tuple[ContestRanking, ...]


@dataclass(frozen=True)
class Selected:
    person: int
    contest: int
    entry: int
    entry_rank: int
    order: int


@dataclass(frozen=True)
class Skipped:
    """A team that did not fit the places its contest had left."""

    contest: int
    entry: int
    entry_rank: int
    team: int
    left: int
    authors: tuple[int, ...]


@dataclass
class Outcome:
    """The answer: quotas and exact shares per contest, the selected persons in order, the skipped
    teams, the places left unfilled, and each person's reason (docs/prizes.md)."""

    places: int
    share: str
    quotas: dict[int, int]
    shares: dict[int, Fraction]
    winners: list[Selected]
    skipped: list[Skipped]
    unfilled: dict[int, int]
    reasons: dict[int, dict] = field(default_factory=dict)
