"""Judge assignment: every entry gets k judges, loads stay in bounds, affinity is maximal.

The engine is pure (no Flask, no database) and proves what it returns: the answer carries the
objective it reached and an upper bound from a dual solution of the linear relaxation, which is
exact for this network problem, so ``gap = bound - objective`` is 0 when the assignment is
optimal. The full contract, with examples, is in ``docs/assignment.md``.

The package shows the design: ``model`` (the typed problem and answer, integer ids), ``codec``
(the only place JSON is read, checked and written), ``instance`` (the problem as arrays, what
locked pairs leave), ``flow`` (min-cost flows and their duals), ``fields`` and ``pairs`` (the
modes), ``dense`` (the affinity matrix), ``evening``, ``connect``, ``certificate`` (why
infeasible, the last check of every answer), ``solver`` (:func:`assign`) and ``panel``
(the final round's common panel). Problems and warnings are catalogue codes
(``contest.catalogue.assignment`` words them).

Services call ``assign(Problem(...)) -> Answer``. JSON (``solve``, and the command line
``python -m contest.engines.assignment IN.json``)::

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
     "problem_codes": [...], "warning_codes": [...],  # the codes, and their English
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
solved the same way, by pricing (``dense``): the flow only ever sees candidate pairs,
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

from contest.engines.assignment.codec import answer_json, problem_json, read_answer, read_problem, solve
from contest.engines.assignment.model import (
    AFFINITY_SCALE, DEFAULT_K, MAX_AFFINITY, MISMATCH_AFFINITY, PREFIXED, AffinityMatrix, Answer, Entry,
    InvariantBroken, Judge, Names, Problem,
)
from contest.engines.assignment.panel import common_panel
from contest.engines.assignment.solver import assign
from contest.engines.cli import InputError

__all__ = ["AFFINITY_SCALE", "DEFAULT_K", "MAX_AFFINITY", "MISMATCH_AFFINITY", "PREFIXED", "AffinityMatrix", "Answer",
           "Entry", "InputError", "InvariantBroken", "Judge", "Names", "Problem", "answer_json", "assign",
           "common_panel", "problem_json", "read_answer", "read_problem", "solve"]
