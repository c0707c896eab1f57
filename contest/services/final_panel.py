"""The final round: the scoring engine's finalists before one common panel of judges.

The shortlist and the judges in order of preference come from the scoring engine's result; the
panel is :func:`contest.engines.assignment.common_panel` over the platform's ids. The round opens
exactly as proposed, and :func:`final_round` shows it as it stands.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import contains_eager, selectinload

from contest.engines import assignment as engine
from contest.extensions import db
from contest.models import (
    FINAL_ROUND, Assignment, Contest, ContestJudge, Entry, ScoringRound, SheetStatus, User, by_id,
)
from contest.services import audit, conflicts, notices, results
from contest.services.judge_assignment import AssignmentError, set_scoring_window


@dataclass
class FinalProposal:
    """The finalist round as it would open: finalists, their common panel, and why it is so."""

    finalists: list[Entry]
    panel: list[User]
    left_out: set[tuple[int, int]]          # (judge id, entry id) pairs a conflict keeps apart
    notes: list[str]                        # in the reader's language


def propose_final_round(contest: Contest, result: Mapping) -> FinalProposal:
    """The scoring engine's shortlist with one panel for all (``assignment.common_panel``).

    Candidates come in the scoring engine's order of precision; judges who left the contest or
    are conflicted with a finalist give up their seat to the next, as the engine decides.
    """
    answer = results.read_ranking(dict(result))
    shortlist = list(answer.shortlist)
    entries = by_id(Entry, shortlist)
    finalists = [entries[entry_id] for entry_id in shortlist]
    serving = set(db.session.scalars(db.select(ContestJudge.judge_id).where(ContestJudge.contest_id == contest.id)))
    candidates = list(answer.panel_suggestion if answer.panel_candidates is None else answer.panel_candidates)
    found = engine.common_panel(candidates, answer.panel_size or 0, shortlist, conflicts.pairs(contest), serving)
    people = by_id(User, candidates)
    code = {entry.id: entry.code for entry in finalists}
    notes = []
    for passed in found["passed_over"]:
        judge = people[passed["judge"]].full_name
        if passed["reason"] == "not_serving":
            notes.append(_("%(judge)s no longer serves on this contest; the next judge takes the seat.", judge=judge))
        else:
            notes.append(ngettext("%(judge)s is conflicted with finalist %(entries)s; the next judge takes the seat.",
                                  "%(judge)s is conflicted with finalists %(entries)s; the next judge takes the seat.",
                                  len(passed["entries"]), judge=judge,
                                  entries=", ".join(code[e] for e in passed["entries"])))
    for judge, entry in found["left_out"]:
        notes.append(_("No other judge is free of conflicts: %(judge)s sits on the panel but will not rank "
                       "%(entry)s.", judge=people[judge].full_name, entry=code[entry]))
    if found["short"] and found["panel"]:
        notes.append(ngettext("Only %(num)d judge can sit on the panel.", "Only %(num)d judges can sit on the panel.",
                              len(found["panel"])))
    return FinalProposal(finalists, [people[judge_id] for judge_id in found["panel"]],
                         {(j, e) for j, e in found["left_out"]}, notes)


def open_final_round(contest: Contest, proposal: FinalProposal, *, opens_at, closes_at) -> int:
    """Open round 2 as proposed: every finalist gets the same panel, so their ballots compare directly.

    Returns the number of new round-2 assignments (opening again adds none twice).
    """
    if not proposal.finalists or not proposal.panel:
        raise AssignmentError("final_round_nothing_to_open")
    set_scoring_window(contest, FINAL_ROUND, opens_at, closes_at)
    entry_ids = [entry.id for entry in proposal.finalists]
    existing = set(db.session.execute(db.select(Assignment.judge_id, Assignment.entry_id).where(
        Assignment.round == FINAL_ROUND, Assignment.entry_id.in_(entry_ids))).tuples())
    added = []
    for entry_id in entry_ids:
        for judge in proposal.panel:
            pair = (judge.id, entry_id)
            if pair not in proposal.left_out and pair not in existing:
                db.session.add(Assignment(judge_id=judge.id, entry_id=entry_id, round=FINAL_ROUND))
                added.append(pair)
    created = len(added)
    notices.entries_assigned(contest, FINAL_ROUND, added)
    audit.record("final_round.opened", contest, after={
        "finalists": entry_ids, "panel": [judge.id for judge in proposal.panel],
        "left_out": sorted(proposal.left_out), "assignments_added": created})
    db.session.flush()
    return created


@dataclass
class FinalRound:
    """Round 2 as it stands: its window, its finalists and whether each panel judge has voted."""

    window: ScoringRound | None
    finalists: list[Entry]
    panel: list[tuple[User, bool]]          # judge, ballot submitted


def final_round(contest: Contest) -> FinalRound:
    """The open final round from its assignments (no finalists: it has not been opened)."""
    rows = db.session.scalars(db.select(Assignment).join(Entry).where(
        Entry.contest_id == contest.id, Assignment.round == FINAL_ROUND).order_by(Assignment.id)
        .options(contains_eager(Assignment.entry), selectinload(Assignment.judge))).all()
    finalists = {a.entry_id: a.entry for a in rows}
    mine: dict[int, list[Assignment]] = {}
    for a in rows:
        mine.setdefault(a.judge_id, []).append(a)
    panel = [(sheets[0].judge, all(a.status is SheetStatus.SUBMITTED for a in sheets)) for sheets in mine.values()]
    return FinalRound(ScoringRound.of(contest.id, FINAL_ROUND), [finalists[k] for k in sorted(finalists)],
                      sorted(panel, key=lambda item: item[0].full_name))
