"""Prize allocation: fixed prizes first, then internships abroad by rank, within the budget.

The rules are exact, so an allocation has one right answer (see docs/allocation.md):

1. Fixed prizes (the electric cars) are paid first; what is left funds internships.
2. The funded set is built in rank order: a winner is funded when they and everyone funded
   before them can all be placed, each in a country they accept, within the countries'
   capacities and the remaining budget.
3. Then, in rank order, each funded winner gets the country they like best such that every
   funded winner can still be placed within capacities and budget. Nobody is ever worse off
   because of someone ranked below them.

``model`` holds the typed input and answer (integer ids), ``rules`` applies the rules with
OR-tools' min-cost flow, ``codec`` reads and writes the JSON of the command line
(``python -m contest.engines.allocation IN.json``) and of stored snapshots. Every reason is a
code with parameters, worded once in :mod:`contest.catalogue.allocation`.
"""
from contest.catalogue.allocation import PLACED, SKIPS, UNFUNDED
from contest.engines.allocation.codec import Ids, encode, encode_instance, parse, solve
from contest.engines.allocation.model import Allocation, Award, Country, FixedCost, Instance, Winner
from contest.engines.allocation.rules import allocate
from contest.engines.cli import InputError

__all__ = ["PLACED", "SKIPS", "UNFUNDED", "Allocation", "Award", "Country", "FixedCost", "Ids", "InputError",
           "Instance", "Winner", "allocate", "encode", "encode_instance", "parse", "solve"]
