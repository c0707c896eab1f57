"""Who goes on an internship: places shared between the contests, then filled in rank order.

Pure: no Flask, no database. The rule (see docs/prizes.md):

1. **Quotas.** ``places`` are shared between the contests by the largest remainder method
   (Hamilton): each contest's exact share is ``places * weight / total weight``; it gets the
   whole part, and the places left go one each to the largest fractional parts (ties: the
   larger weight, then the contest listed first). The weight is the contest's number of
   submitted entries (``share = "proportional"``) or 1 for every contest (``"equal"``).
2. **Persons.** Each contest fills its quota from its published ranking, best entry first.
   Every author of an entry is one participant: a team of 3 takes 3 places. A person already
   selected (an author of two winning entries) takes no second place.
3. **A team that does not fit** in the places its contest has left is skipped, whole (a team
   is never split), and the next entry is tried; the skip is explained. Places a contest cannot
   fill (too few ranked entries whose team fits) stay empty and are reported as unfilled.
4. **Order.** The selected persons are ordered by their entry's rank in its contest, then by
   the contest's position in the input, then by author position in the entry. This order is
   the rank the allocation engine uses to decide who is funded and who chooses first.

``model`` holds the typed input and answer (integer ids), ``rules`` applies the rule, ``codec``
reads and writes the JSON of ``python -m contest.engines.winners IN.json``. In::

    {"places": 10, "share": "proportional",
     "contests": [{"id": "idea", "name": "The Best Idea", "entries": 120,
                   "ranking": [{"entry": "e7", "rank": 1, "authors": ["u3", "a12"]}]}]}

Out: ``quotas`` {contest: places}, ``shares`` {contest: "a/b"} (exact share as a fraction),
``winners`` [{person, contest, entry, entry_rank, order}], ``skipped`` [{contest, entry,
entry_rank, team, left, authors}], ``unfilled`` {contest: places}, ``explanations`` {person: text}
and ``reasons`` {person: reason}: each explanation as a code with named parameters (``selected``,
``team_did_not_fit``; docs/prizes.md), worded once in :mod:`contest.catalogue.winners` (English
for the command line, the reader's language on the web).
"""
from contest.catalogue.winners import REASONS
from contest.engines.cli import InputError
from contest.engines.winners.codec import Ids, encode, encode_instance, parse, solve
from contest.engines.winners.model import (
    SHARES,
    ContestRanking,
    Instance,
    Outcome,
    RankedEntry,
    Selected,
    Skipped,
)
from contest.engines.winners.rules import quotas, select

__all__ = ["REASONS", "SHARES", "ContestRanking", "Ids", "InputError", "Instance", "Outcome", "RankedEntry",
           "Selected", "Skipped", "encode", "encode_instance", "parse", "quotas", "select", "solve"]
