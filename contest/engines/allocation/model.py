"""The allocation's input and answer as typed structs; every id is an integer.

The service builds them from database rows (a country's id is its row's id); the command line
and stored snapshots meet them through :mod:`.codec`, which maps the JSON's string ids to
integers and back. Money is whole soums.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Country:
    """A destination for internships: price per person and number of places."""

    id: int
    cost: int
    capacity: int


@dataclass(frozen=True)
class Winner:
    """A ranked winner; ``preferences`` lists the accepted countries' ids, best first."""

    id: int
    rank: int
    preferences: tuple[int, ...]


@dataclass(frozen=True)
class FixedCost:
    """A prize paid before any internship, e.g. the electric car for a contest's first place."""

    id: int
    cost: int


@dataclass(frozen=True)
class Instance:
    budget: int
    fixed_costs: tuple[FixedCost, ...]
    countries: tuple[Country, ...]
    winners: tuple[Winner, ...]


@dataclass(frozen=True)
class Award:
    winner: int
    country: int
    cost: int


@dataclass
class Allocation:
    """The answer. ``spent`` includes the fixed prizes; ``remaining`` is budget - spent.

    ``reasons`` gives each winner's reason, in rank order: a code and its parameters (country
    ids, ranks, soums; docs/allocation.md), worded by :mod:`contest.catalogue.allocation`.
    """

    budget: int
    fixed: tuple[FixedCost, ...]
    awards: list[Award]
    unfunded: list[int]
    shortfall: dict[int, int]
    spent: int
    remaining: int
    reasons: dict[int, dict] = field(default_factory=dict)
