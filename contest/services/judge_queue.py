"""A judge's queue: every assignment with its contest, field and round window, in one statement.

The page opened most in a judging rush, so its rows are columns of one statement built once per
language (no objects, no query per row or per contest), grouped here by contest and round.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import groupby

from contest.extensions import db
from contest.models import (
    Assignment, Conflict, Contest, ContestField, Entry, Mark, ScoringRound, SheetRevision, SheetStatus, User,
)
from contest.services.judging import SHEET_STATE_LABELS, locale_now, state_of, worded

QUEUE_ORDER = {state: position for position, state in enumerate(SHEET_STATE_LABELS)}


@dataclass
class QueueRow:
    """One line of the queue: the facts the page shows, read in one statement with the others."""

    assignment_id: int
    entry_id: int
    entry_code: str
    entry_title: str
    field_name: str | None
    status: SheetStatus
    state: str


@dataclass(frozen=True)
class QueueContest:
    """The contest a group of the queue belongs to, as the page names it."""

    id: int
    title: str


@dataclass(frozen=True)
class RoundWindow:
    """When a round of a contest is open, read as a row with the queue (a :class:`ScoringRound`'s dates)."""

    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime | None = None) -> bool:
        return ScoringRound.is_open(self, now)


@dataclass
class QueueGroup:
    """One contest's round in a judge's queue, with how far the judge has got."""

    contest: QueueContest
    number: int
    scoring_round: RoundWindow | None
    rows: list[QueueRow] = field(default_factory=list)

    @property
    def scored(self) -> int:
        return sum(row.status is SheetStatus.SUBMITTED for row in self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)

    def is_open(self, now: datetime | None = None) -> bool:
        return self.scoring_round is not None and self.scoring_round.is_open(now)


def queue(judge: User) -> list[QueueGroup]:
    """The judge's assignments grouped by contest and round, what is left to do first (entry order
    within each state); pairs with a conflict are left out.

    The page opened most in a judging rush: its rows, with their contest, field and round, are the
    columns of one statement (no objects, no query per row or per contest).
    """
    rows = db.session.execute(_queue_statement(locale_now()), {"judge_id": judge.id}).all()
    groups = []
    for (contest_id, number), items in groupby(rows, key=lambda row: (row.contest_id, row.round)):
        items = list(items)
        first = items[0]
        lines = [QueueRow(assignment_id=row.assignment_id, entry_id=row.entry_id,
                          entry_code=Entry.code_of(row.entry_id),
                          entry_title=row.title,
                          field_name=row.field_name,
                          status=row.status, state=state_of(row.status, revising=row.revising, begun=row.begun))
                 for row in items]
        window = RoundWindow(first.opens_at, first.closes_at) if first.opens_at is not None else None
        groups.append(QueueGroup(contest=QueueContest(contest_id, str(first.kind.label)), number=number,
                                 scoring_round=window,
                                 rows=sorted(lines, key=lambda line: QUEUE_ORDER[line.state])))
    return groups


@cache
def _queue_statement(locale: str):
    """:func:`queue`'s statement in a language, built once: building and keying a statement of this size
    costs more Python than running it."""
    judge_id = db.bindparam("judge_id")
    # Core columns, not the ORM's attributes: the rows are plain, and a Core statement costs less to run.
    assignment, entry, contest = Assignment.__table__.c, Entry.__table__.c, Contest.__table__.c
    rounds, field_of = ScoringRound.__table__.c, ContestField.__table__.c
    conflicted = db.select(Conflict.__table__.c.entry_id).where(Conflict.__table__.c.judge_id == judge_id)
    marks, revisions = Mark.__table__.c, SheetRevision.__table__.c
    has_marks = db.select(marks.id).where(marks.assignment_id == assignment.id).exists()
    revising = db.select(revisions.id).where(revisions.assignment_id == assignment.id,
                                             revisions.submitted_at.is_(None)).exists()
    begun = has_marks | (assignment.overall_comment != "") | assignment.ballot_position.is_not(None)
    return (db.select(assignment.id.label("assignment_id"), assignment.round, assignment.status,
                      revising.label("revising"), begun.label("begun"), entry.id.label("entry_id"), entry.contest_id,
                      entry.title, contest.kind, worded(ContestField, "name", locale).label("field_name"),
                      rounds.opens_at, rounds.closes_at)
            .select_from(Assignment.__table__)
            .join(Entry.__table__, assignment.entry_id == entry.id)
            .join(Contest.__table__, entry.contest_id == contest.id)
            .outerjoin(ContestField.__table__, entry.field_id == field_of.id)
            .outerjoin(ScoringRound.__table__,
                       (rounds.contest_id == entry.contest_id) & (rounds.number == assignment.round))
            .where(assignment.judge_id == judge_id, assignment.entry_id.not_in(conflicted))
            .order_by(entry.contest_id, assignment.round, entry.id))
