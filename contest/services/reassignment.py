"""A declared conflict that hits assigned entries: the pair goes, and another judge takes the seat at once.

The assignment engine runs in the same request with every other pair locked
(:mod:`contest.engines.refill`); a seat nobody eligible can take is left empty, recorded with
the reason, and shown to the organizers on the contest's assignment page. The released judge's
marks on an open round are removed with the pair: a conflicted judge's marks never count. Rounds
already closed are left as they are (final scores never change), and the final round is not
refilled, because all its finalists share one panel.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from contest.catalogue import Refusal
from contest.engines import refill as engine
from contest.engines.assignment import answer_json, problem_json
from contest.engines.cli import InputError
from contest.extensions import db
from contest.models import (
    Assignment, AssignmentRun, Conflict, Contest, DeclarationKind, Entry, EntryStatus, Reassignment,
    RunStatus, User, utcnow,
)
from contest.services import audit, conflicts, judge_assignment, judging, notices

REFILLED_ROUND = 1


class ReassignmentError(Refusal):
    """A release and refill refused, with the codes that say why (nothing is flushed)."""


@dataclass
class Outcome:
    """What became of each entry the conflict took from the judge."""

    replaced: list[Entry] = field(default_factory=list)  # another judge has it now
    short: list[Entry] = field(default_factory=list)     # nobody eligible: the organizers are told
    released: list[Entry] = field(default_factory=list)  # gone from the queue, not refilled (final round, withdrawn)

    def add(self, other: "Outcome") -> None:
        self.replaced += other.replaced
        self.short += other.short
        self.released += other.released


def declare_on_entry(assignment: Assignment, reason: str, *, by: User, now: datetime | None = None) -> Outcome:
    """The judge declares a conflict on one entry of their queue (``judging.declare_conflict`` checks it)."""
    judging.declare_conflict(assignment, reason, by=by, now=now)
    return release_and_refill(assignment.judge, [assignment.entry_id], by=by, now=now)


def declare(judge: User, kind: DeclarationKind, value: str, *, by: User, now: datetime | None = None) -> Outcome:
    """A declared person or organization: every assigned entry it now conflicts with is reassigned."""
    conflicts.declare(judge, kind, value)
    # Every conflict of the judge, not only the declared ones: declaring re-detects the automatic ones too.
    conflicted = db.select(Conflict.entry_id).where(Conflict.judge_id == judge.id)
    entry_ids = db.session.scalars(db.select(Assignment.entry_id).where(
        Assignment.judge_id == judge.id, Assignment.entry_id.in_(conflicted)).distinct()).all()
    return release_and_refill(judge, sorted(entry_ids), by=by, now=now)


def record_manual(judge: User, entry: Entry, reason: str, *, by: User, now: datetime | None = None) -> Outcome:
    """An organizer records a conflict by hand: if the judge holds the entry, it is reassigned like a declaration."""
    conflicts.add_manual(judge, entry, reason, by)
    return release_and_refill(judge, [entry.id], by=by, now=now)


def released_by_detection(contest: Contest, now: datetime | None = None) -> list[Assignment]:
    """The assignments Detect would release (open rounds only), found without writing: what its
    confirmation page lists before their marks are discarded."""
    now = now or utcnow()
    forbidden = {(judge_id, entry_id) for judge_id, entry_id, _source in conflicts.automatic(contest)}
    forbidden |= set(conflicts.pairs(contest))
    held = db.session.scalars(db.select(Assignment).join(Entry, Assignment.entry_id == Entry.id)
                              .where(Entry.contest_id == contest.id,
                                     Assignment.judge_id.in_({judge_id for judge_id, _entry in forbidden}))
                              .options(selectinload(Assignment.marks), selectinload(Assignment.judge))
                              .order_by(Assignment.entry_id, Assignment.judge_id)).all()
    return [a for a in held if (a.judge_id, a.entry_id) in forbidden and not a.is_frozen(now)]


def detect(contest: Contest, *, by: User, now: datetime | None = None) -> tuple[int, Outcome]:
    """Automatic conflicts recomputed; every assigned pair they now forbid is released and its seat refilled,
    so no conflicted judge keeps (or counts in) an entry because the conflict was found after the assignment."""
    found = conflicts.detect(contest)
    forbidden = set(conflicts.pairs(contest))
    held: dict[int, list[int]] = {}
    for judge_id, entry_id in db.session.execute(
            db.select(Assignment.judge_id, Assignment.entry_id).join(Entry, Assignment.entry_id == Entry.id)
            .where(Entry.contest_id == contest.id).order_by(Assignment.judge_id, Assignment.entry_id)).tuples():
        if (judge_id, entry_id) in forbidden:
            held.setdefault(judge_id, []).append(entry_id)
    outcome = Outcome()
    for judge_id, entry_ids in held.items():
        outcome.add(release_and_refill(db.session.get(User, judge_id), entry_ids, by=by, now=now))
    return found, outcome


def release_and_refill(judge: User, entry_ids: list[int], *, by: User, now: datetime | None = None) -> Outcome:
    """Remove the judge's open assignments on these entries, then refill round 1 contest by contest."""
    now = now or utcnow()
    outcome = Outcome()
    released: dict[int, dict[int, int]] = {}  # contest id -> {entry id: marks discarded}
    for assignment in db.session.scalars(db.select(Assignment).where(
            Assignment.judge_id == judge.id, Assignment.entry_id.in_(entry_ids))
            .order_by(Assignment.entry_id, Assignment.round)).all():
        if assignment.is_frozen(now):
            continue
        entry = assignment.entry
        if assignment.round == REFILLED_ROUND and entry.status is EntryStatus.SUBMITTED:
            released.setdefault(entry.contest_id, {})[entry.id] = len(assignment.marks)
        else:
            audit.record("assignment.released", assignment, entry=entry, before={
                "judge_id": assignment.judge_id, "round": assignment.round, "marks": len(assignment.marks)})
            if entry not in outcome.released:
                outcome.released.append(entry)
        db.session.delete(assignment)
    db.session.flush()
    for contest_id, marks in sorted(released.items()):
        _refill(db.session.get(Contest, contest_id), judge, marks, by=by, now=now, outcome=outcome)
    return outcome


def _refill(contest: Contest, judge: User, marks: dict[int, int], *, by: User, now: datetime,
            outcome: Outcome) -> None:
    """One engine run for the contest's freed seats; every other pair of the round stays locked."""
    # Two declarations at once must not both hand the last free place of a judge out.
    db.session.execute(db.select(Contest.id).where(Contest.id == contest.id).with_for_update())
    panel = judge_assignment.panel_of(contest)
    levels = judge_assignment.expertise_levels(contest, [member.judge_id for member in panel])
    entries = {entry_id: db.session.get(Entry, entry_id) for entry_id in marks}
    locked = db.session.execute(
        db.select(Assignment.judge_id, Assignment.entry_id).join(Entry, Assignment.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.SUBMITTED,
               Assignment.round == REFILLED_ROUND)).tuples().all()
    request = engine.Refill(
        judges=[engine.PanelJudge(m.judge_id, m.max_load, levels.get(m.judge_id, {})) for m in panel],
        vacancies=[engine.Vacancy(e.id, e.field.name if e.field else None) for e in entries.values()],
        locked=locked, conflicts=[pair for pair in conflicts.pairs(contest) if pair[1] in entries])
    try:
        answer = engine.refill(request)
    except InputError:  # more seats at once than the engine's affinity range can price
        raise ReassignmentError("too_many_seats_to_refill", seats=len(entries)) from None
    instance = problem_json(answer.problem)
    run = AssignmentRun(contest=contest, round=REFILLED_ROUND, status=RunStatus.COMMITTED,
                        instance_json=json.dumps(instance, sort_keys=True),
                        inputs_hash=judge_assignment.inputs_hash(instance),
                        result_json=json.dumps(answer_json(answer.answer)), created_by_id=by.id, started_at=now,
                        finished_at=now, committed_at=now)
    db.session.add(run)
    replacement = {entry_id: judge_id for judge_id, entry_id in answer.added}
    for judge_id, entry_id in answer.added:
        db.session.add(Assignment(judge_id=judge_id, entry_id=entry_id, round=REFILLED_ROUND))
    notices.entries_assigned(contest, REFILLED_ROUND, answer.added)
    short = {s.entry: s for s in answer.short}
    reasons = conflicts.pairs(contest)
    declarer = int(any(m.judge_id == judge.id for m in panel))  # counted as conflicted; the notice says "other"
    for entry_id, entry in entries.items():
        why = short.get(entry_id)
        db.session.add(Reassignment(
            run=run, entry=entry, released_judge_id=judge.id, replacement_judge_id=replacement.get(entry_id),
            reason=" ".join(reasons.get((judge.id, entry_id), [])), discarded_marks=marks[entry_id],
            judges_conflicted=why.conflicted - declarer if why else 0, judges_full=why.full if why else 0,
            judges_serving=why.serving if why else 0, created_at=now))
        (outcome.short if why else outcome.replaced).append(entry)
    db.session.flush()
    for entry_id in entries:
        audit.record("assignment.reassigned", run, entry=entry_id,
                     before={"judge_id": judge.id, "marks": marks[entry_id]},
                     after={"judge_id": replacement.get(entry_id), "marks": 0})


def recent(contest: Contest, limit: int | None = 20) -> list[Reassignment]:
    """The contest's latest reassignments, newest first, for the organizers' assignment page."""
    return db.session.scalars(db.select(Reassignment).join(Entry, Reassignment.entry_id == Entry.id)
                              .where(Entry.contest_id == contest.id)
                              .options(selectinload(Reassignment.entry), selectinload(Reassignment.released_judge),
                                       selectinload(Reassignment.replacement_judge))
                              .order_by(Reassignment.id.desc()).limit(limit)).all()


def unresolved_shortfalls(history: list[Reassignment],
                          coverage: list[tuple[Entry, list[Assignment], int]]) -> list[Reassignment]:
    """Seats a conflict left empty that the entry still lacks (a judge added by hand resolves it).

    ``history`` is the contest's :func:`recent` reassignments (all of them) and ``coverage``
    :func:`judge_assignment.coverage` of round 1, both of which the page has loaded already.
    """
    short_by = {entry.id: short for entry, _assigned, short in coverage}
    latest: dict[int, Reassignment] = {}
    for row in history:
        if row.replacement_judge_id is None and short_by.get(row.entry_id):
            latest.setdefault(row.entry_id, row)
    return sorted(latest.values(), key=lambda row: row.entry_id)


def short_contests(contests: list[Contest]) -> list[tuple[Contest, int]]:
    """Contests with entries a conflict left short, and how many, for the organizers' overview."""
    found = [(c, len(unresolved_shortfalls(recent(c, limit=None), judge_assignment.coverage(c, REFILLED_ROUND))))
             for c in contests]
    return [(contest, count) for contest, count in found if count]


def why_short(row: Reassignment) -> str:
    """Why nobody took the seat, in the reader's language: how the panel's other judges stood."""
    why = []
    if row.judges_conflicted:
        why.append(ngettext("%(num)d judge is conflicted with it", "%(num)d judges are conflicted with it",
                            row.judges_conflicted))
    if row.judges_full:
        why.append(ngettext("%(num)d judge is at their maximum load", "%(num)d judges are at their maximum load",
                            row.judges_full))
    if row.judges_serving:
        why.append(ngettext("%(num)d judge already judges it", "%(num)d judges already judge it",
                            row.judges_serving))
    return "; ".join(why) if why else _("the panel has no other judge")

