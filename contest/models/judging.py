"""Judging: which judge reviews which entry, and the marks they give."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, event, false
from sqlalchemy.orm import (
    Mapped, Session, declared_attr, mapped_column, query_expression, relationship, with_expression,
)

from contest.extensions import db
from contest.models.entries import Entry
from contest.models.jobs import Job
from contest.models.people import Role, User
from contest.models.reading import fact
from contest.models.seasons import Contest, Criterion
from contest.models.types import UTCDateTime, utcnow
from contest.models.versioned import Versioned


FINAL_ROUND = 2


class SheetStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ConflictSource(str, enum.Enum):
    """Why a judge may not review an entry; the first three are found automatically."""

    AUTHOR = "author"                  # the judge is one of the authors
    ORGANIZATION = "organization"      # the judge shares an organization with an author
    DECLARED = "declared"              # matches a person or organization the judge declared
    DECLARED_ENTRY = "declared_entry"  # the judge declared it on an entry in their queue
    MANUAL = "manual"                  # added by an organizer

    @property
    def label(self):
        return CONFLICT_SOURCE_LABELS[self]


CONFLICT_SOURCE_LABELS = {
    ConflictSource.AUTHOR: _l("The judge is an author"),
    ConflictSource.ORGANIZATION: _l("Same organization"),
    ConflictSource.DECLARED: _l("Declared by the judge"),
    ConflictSource.DECLARED_ENTRY: _l("Declared on the entry"),
    ConflictSource.MANUAL: _l("Added by an organizer"),
}


class DeclarationKind(str, enum.Enum):
    PERSON = "person"
    ORGANIZATION = "organization"


class JudgeExpertise(db.Model):
    """A field a judge knows, matched to contest fields by name, with a level 1 (familiar) to 3 (expert)."""

    __tablename__ = "judge_expertise"
    __table_args__ = (UniqueConstraint("judge_id", "field"),
                      CheckConstraint("level BETWEEN 1 AND 3", name="level_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(default=2)

    judge: Mapped[User] = relationship(backref=db.backref("expertise", cascade="all, delete-orphan",
                                                          order_by="JudgeExpertise.field"))


class ContestJudge(Versioned, db.Model):
    """A judge serving on one contest of a season, with the number of entries they accept."""

    __tablename__ = "contest_judges"
    __table_args__ = (UniqueConstraint("contest_id", "judge_id"),
                      CheckConstraint("min_load >= 0 AND max_load >= min_load", name="load_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    min_load: Mapped[int] = mapped_column(default=0)
    max_load: Mapped[int] = mapped_column(default=40)

    contest: Mapped[Contest] = relationship()
    judge: Mapped[User] = relationship()


class ConflictDeclaration(db.Model):
    """A person (by email or name) or an organization a judge says they cannot judge impartially."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DeclarationKind] = mapped_column(
        db.Enum(DeclarationKind, native_enum=False, length=20, validate_strings=True))
    value: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    judge: Mapped[User] = relationship()


class Conflict(db.Model):
    """A judge-entry pair that must never be assigned, with the reason it was recorded."""

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("judge_id", "entry_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    source: Mapped[ConflictSource] = mapped_column(
        db.Enum(ConflictSource, native_enum=False, length=20, validate_strings=True))
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    entry: Mapped[Entry] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class ScoringRound(Versioned, db.Model):
    """A scoring window of a contest: round 1 for everyone, round 2 for the finalists."""

    __tablename__ = "scoring_rounds"
    __table_args__ = (UniqueConstraint("contest_id", "number"),
                      CheckConstraint("closes_at > opens_at", name="window_order"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())

    contest: Mapped[Contest] = relationship()

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    @classmethod
    def remember(cls, contest_id: int, number: int, found: "ScoringRound | None") -> None:
        """What a statement that read the round beside something else found: :meth:`of` answers from it."""
        if found is not None:
            db.session.info.setdefault(_ROUNDS_READ, {})[(contest_id, number)] = found

    @classmethod
    def of(cls, contest_id: int, number: int) -> "ScoringRound | None":
        """The round, read once per transaction: a judge's page asks for it several times (is the sheet
        open, frozen, what to say), and the answer cannot change until the session writes or ends."""
        known = db.session.info.setdefault(_ROUNDS_READ, {})
        found = known.get((contest_id, number))
        if found is None:  # a round not found is asked again: it may be added later in the transaction
            found = db.session.scalar(db.select(cls).where(cls.contest_id == contest_id, cls.number == number))
            cls.remember(contest_id, number, found)
        return found


_ROUNDS_READ = "scoring_rounds_read"


@event.listens_for(Session, "after_transaction_end")
def _forget_rounds_read_when_the_transaction_ends(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_ROUNDS_READ, None)


@event.listens_for(Session, "after_flush")
def _forget_rounds_read_when_one_changes(session: Session, _context) -> None:
    if any(isinstance(changed, ScoringRound) for changed in (*session.dirty, *session.deleted)):
        session.info.pop(_ROUNDS_READ, None)


class Assignment(db.Model):
    """A judge asked to review an entry in a scoring round; its score sheet hangs off it.

    In round 2 (the final) the judge ranks all their finalists on one ballot instead: the
    finalist's place is ``ballot_position``, and ``status`` says whether the ballot is submitted.
    """

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("judge_id", "entry_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    manual: Mapped[bool] = mapped_column(default=False, server_default=false())  # added by hand, not by the engine
    status: Mapped[SheetStatus] = mapped_column(
        db.Enum(SheetStatus, native_enum=False, length=20, validate_strings=True), default=SheetStatus.DRAFT)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    # Round 2: the finalist's place on the judge's ranking ballot (1 = best), instead of marks.
    ballot_position: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Whether a conflict bars the pair, when the statement that read the assignment also asked
    # (:meth:`conflict_fact`); None otherwise, and :attr:`in_conflict` asks the database once.
    conflicted: Mapped[bool | None] = query_expression()
    # Its entry's contest, when the statement that read the assignment also read it (:meth:`with_facts`).
    contest_id: Mapped[int | None] = query_expression()

    judge: Mapped[User] = relationship()
    entry: Mapped[Entry] = relationship()
    marks: Mapped[list["Mark"]] = relationship(back_populates="assignment", cascade="all, delete-orphan")
    revisions: Mapped[list["SheetRevision"]] = relationship(back_populates="assignment", cascade="all, delete-orphan",
                                                            order_by="SheetRevision.number")

    @property
    def open_revision(self) -> "SheetRevision | None":
        """The judge's unsubmitted changes to this submitted sheet; they count for nothing yet."""
        return next((r for r in self.revisions if r.submitted_at is None), None)

    @property
    def in_conflict(self) -> bool:
        """A conflict on record for this judge and entry, whatever its source, bars the pair."""
        return fact(self, "conflicted", lambda: db.session.scalar(
            db.select(self._conflict_exists()).where(Assignment.id == self.id)))

    @classmethod
    def _conflict_exists(cls):
        return (db.select(Conflict.id)
                .where(Conflict.judge_id == cls.judge_id, Conflict.entry_id == cls.entry_id).exists())

    @classmethod
    def conflict_fact(cls):
        """The loader option that reads :attr:`in_conflict` in the statement that reads the assignments (with
        ``populate_existing``, so that rows already in the session are read again)."""
        return with_expression(cls.conflicted, cls._conflict_exists())

    @classmethod
    def with_facts(cls, assignment_id: int, *options) -> "Assignment | None":
        """The assignment, with what every judge's request asks of it read in the same statement: whether
        a conflict bars the pair, its entry's contest and its round's window (asked again of the database
        otherwise)."""
        row = db.session.execute(cls._facts_statement(options), {"assignment_id": assignment_id}).first()
        if row is None:
            return None
        assignment, scoring_round = row
        ScoringRound.remember(assignment.contest_id, assignment.round, scoring_round)
        return assignment

    @classmethod
    @lru_cache(maxsize=32)
    def _facts_statement(cls, options: tuple):
        """:meth:`with_facts`'s statement, built once for each set of loader options (callers pass a few
        module-level tuples): building and keying it costs more Python than running it."""
        return (db.select(cls, ScoringRound)
                .join(Entry, Entry.id == cls.entry_id)
                .outerjoin(ScoringRound,
                           (ScoringRound.contest_id == Entry.contest_id) & (ScoringRound.number == cls.round))
                .where(cls.id == db.bindparam("assignment_id"))
                .options(cls.conflict_fact(), with_expression(cls.contest_id, Entry.contest_id), *options)
                .execution_options(populate_existing=True))

    @property
    def entry_contest_id(self) -> int:
        """Its entry's contest: as :meth:`with_facts` read it, or from the entry."""
        return self.contest_id if self.contest_id is not None else self.entry.contest_id

    @property
    def scoring_round(self) -> ScoringRound | None:
        """The contest's window for this assignment's round; none until the organizers set it."""
        return ScoringRound.of(self.entry_contest_id, self.round)

    def accepts_scores(self, now: datetime | None = None) -> bool:
        scoring_round = self.scoring_round
        return scoring_round is not None and scoring_round.is_open(now)

    def is_frozen(self, now: datetime | None = None) -> bool:
        """Once the round has closed, the sheet never changes again."""
        scoring_round = self.scoring_round
        return scoring_round is not None and (now or utcnow()) >= scoring_round.closes_at

    def can_be_viewed_by(self, user: User) -> bool:
        """Only the assigned judge sees the entry (blind), and not once a conflict is on record."""
        return (user.is_authenticated and user.role is Role.JUDGE and user.id == self.judge_id
                and not self.in_conflict)

    def can_be_scored_by(self, user: User, now: datetime | None = None) -> bool:
        return self.can_be_viewed_by(user) and self.accepts_scores(now)

    @property
    def is_ballot(self) -> bool:
        """Round 2 is judged on a ranking ballot of all the judge's finalists, not on the rubric."""
        return self.round == FINAL_ROUND


class CriterionValue:
    """A judge's value and comment on one rubric criterion: what a sheet's marks and a revision's share."""

    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    comment: Mapped[str] = mapped_column(Text, default="")

    @declared_attr
    def criterion(cls) -> Mapped[Criterion]:
        return relationship(Criterion)


class Mark(CriterionValue, db.Model):
    """A judge's value on one rubric criterion for one assignment."""

    __tablename__ = "marks"
    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)

    assignment: Mapped[Assignment] = relationship(back_populates="marks")


class SheetRevision(db.Model):
    """A judge's change to a submitted sheet (or ballot place), kept beside it rather than over it.

    While open (``submitted_at`` is None) it is a draft: the sheet's own marks, comment and place
    still count everywhere. Submitting it replaces them at once; the row stays as the record of
    who changed the sheet when, and with what, so a changed ranking can be explained.
    """

    __tablename__ = "sheet_revisions"
    __table_args__ = (UniqueConstraint("assignment_id", "number"),
                      Index("ix_sheet_revisions_one_open", "assignment_id", unique=True,
                            sqlite_where=db.text("submitted_at IS NULL"),
                            postgresql_where=db.text("submitted_at IS NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()  # 1 for the first revision of the sheet, and so on
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    ballot_position: Mapped[int | None] = mapped_column()  # round 2: the finalist's revised place
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the submission this revision replaces (or replaced) had been submitted.
    replaces_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assignment: Mapped[Assignment] = relationship(back_populates="revisions")
    marks: Mapped[list["RevisionMark"]] = relationship(back_populates="revision", cascade="all, delete-orphan")


class RevisionMark(CriterionValue, db.Model):
    """A judge's value on one criterion in a revision of their sheet."""

    __tablename__ = "revision_marks"
    __table_args__ = (UniqueConstraint("revision_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("sheet_revisions.id", ondelete="CASCADE"), index=True)

    revision: Mapped[SheetRevision] = relationship(back_populates="marks")


class RunStatus(str, enum.Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    COMMITTED = "committed"

    @property
    def label(self):
        return RUN_STATUS_LABELS[self]


RUN_STATUS_LABELS = {
    RunStatus.RUNNING: _l("running"),
    RunStatus.DONE: _l("done, not committed"),
    RunStatus.FAILED: _l("failed"),
    RunStatus.COMMITTED: _l("committed"),
}


class AssignmentRun(db.Model):
    """One run of the assignment engine: the instance it saw and what it answered.

    Kept so that a dry run can be reviewed before it is committed, and so that every
    committed assignment can be traced back to the exact input that produced it.
    """

    __tablename__ = "assignment_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    status: Mapped[RunStatus] = mapped_column(
        db.Enum(RunStatus, native_enum=False, length=20, validate_strings=True), default=RunStatus.RUNNING)
    instance_json: Mapped[str] = mapped_column(Text)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    result_json: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))  # the job solving it

    contest: Mapped[Contest] = relationship()
    job: Mapped[Job | None] = relationship()


class Reassignment(db.Model):
    """A judge taken off an entry by a declared conflict, and who took the seat (none: the entry is short).

    Written in the same request as the declaration, beside the assignment run that chose the
    replacement, so the organizers can see who replaced whom, when and why. When nobody could,
    the counts say how the rest of the panel stood: conflicted, at their maximum load, or already
    on the entry.
    """

    __tablename__ = "reassignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assignment_runs.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    released_judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    replacement_judge_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)                     # the conflict, as recorded
    discarded_marks: Mapped[int] = mapped_column(default=0)       # the released judge's marks, removed
    judges_conflicted: Mapped[int] = mapped_column(default=0)
    judges_full: Mapped[int] = mapped_column(default=0)
    judges_serving: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    run: Mapped[AssignmentRun] = relationship(backref=db.backref("reassignments", order_by="Reassignment.id"))
    entry: Mapped[Entry] = relationship()
    released_judge: Mapped[User] = relationship(foreign_keys=[released_judge_id])
    replacement_judge: Mapped[User | None] = relationship(foreign_keys=[replacement_judge_id])
