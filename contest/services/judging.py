"""A judge's side of judging: the score sheet, the final round's ballot, blind copies of files, declared conflicts.

Every rule is checked here, on the server, whatever the client sent; the functions that change
data flush and leave the commit to the request. A broken rule raises :class:`ScoreError` (or
:class:`BallotError`), a :class:`~contest.catalogue.Refusal` whose codes are worded in
``contest.catalogue.judging``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from contest.catalogue import Message, Refusal, english
from contest.extensions import db
from contest.files.sanitize import sanitize
from contest.i18n import local_time, say
from contest.models import (
    FINAL_ROUND, Assignment, Attachment, Conflict, ConflictSource, Contest, Criterion, Entry, SheetRevision,
    SheetStatus, User, utcnow,
)
from contest.services import audit, sheet_store, stored_rankings
from contest.services.attachments import path_of

SHEET_STATE_LABELS = {  # in the order a judge's queue lists them: what is left to do first
    "not_started": _l("Not started"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "revising": _l("Submitted, revision in draft"),
}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


class SheetRefusal(Refusal):
    """A refusal with messages for the whole form (``messages``) and one per input (``by_key``), each
    in the reader's language through :attr:`problems` and :attr:`by_key_text`."""

    def __init__(self, code: str | Message, by_key: dict[int, Message] | None = None, **params):
        super().__init__(code, **params)
        self.by_key = dict(by_key or {})
        self.args = ("; ".join(english(message) for message in [*self.messages, *self.by_key.values()]),)

    @property
    def problems(self) -> list[str]:
        return [say(message) for message in self.messages]

    @property
    def by_key_text(self) -> dict[int, str]:
        return {key: say(message) for key, message in self.by_key.items()}


class ScoreError(SheetRefusal):
    """What was wrong with a sheet: messages for the whole form, and one per criterion (by its id)."""

    @property
    def by_criterion(self) -> dict[int, str]:
        return self.by_key_text


# -- a sheet's state ------------------------------------------------------------------------------

def state_labels() -> dict[str, str]:
    """The sheet states in the reader's language: translated once for a page, not once per row."""
    return {state: str(label) for state, label in SHEET_STATE_LABELS.items()}


def state_of(status: SheetStatus, *, revising: bool, begun: bool) -> str:
    """A sheet's state in the judge's words: submitted (and maybe revising), begun as a draft, or not started."""
    if status is SheetStatus.SUBMITTED:
        return "revising" if revising else "submitted"
    return "draft" if begun else "not_started"


def read_state(assignment: Assignment, read: SheetRead) -> str:
    """:func:`sheet_state` of a sheet read as rows."""
    submitted = assignment.status is SheetStatus.SUBMITTED
    return state_of(assignment.status, revising=submitted and read.revising,
                    begun=not submitted and bool(read.marks or assignment.overall_comment
                                                 or assignment.ballot_position is not None))


def sheet_state(assignment: Assignment) -> str:
    submitted = assignment.status is SheetStatus.SUBMITTED
    return state_of(assignment.status, revising=submitted and assignment.open_revision is not None,
                    begun=not submitted and bool(assignment.marks or assignment.overall_comment
                                                 or assignment.ballot_position is not None))


def locale_now() -> str:
    """The reader's language, the key of the statements built once per language."""
    return str(get_locale() or "")


def worded(model: type, attribute: str, locale: str):
    """A worded column (``name``, ``description``) in ``locale``, or its default wording where that
    language has none: ``Worded.in_language`` done by the statement that reads the rows."""
    columns = model.__table__.c  # Core columns: the judges' statements are read as plain rows
    default = columns[attribute]
    if locale not in model.TRANSLATED_LANGUAGES:
        return default
    return db.func.coalesce(db.func.nullif(columns[f"{attribute}_{locale}"], ""), default)


# -- the score sheet ---------------------------------------------------------------------------

@dataclass
class Sheet:
    """A score sheet as typed: values and comments keyed by criterion id."""

    values: dict[int, str] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)
    overall_comment: str = ""


def parse_value(raw: str) -> Decimal | None:
    """'7', '7.5' and '7,5' are numbers; anything else (including 'NaN' and '1e1') is not."""
    text = raw.strip().replace(",", ".")
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already rules these out
        return None


@dataclass(frozen=True)
class RubricLine:
    """One criterion of a contest's rubric, in the reader's language: what a sheet is checked against
    and what the judge's page shows, read as a row (the judges' busiest requests load no rubric objects)."""

    id: int
    local_name: str
    local_description: str
    weight: Decimal
    scale_min: int
    scale_max: int


def rubric(contest_id: int) -> list[RubricLine]:
    """The contest's criteria in their order, named in the reader's language (one statement)."""
    rows = db.session.execute(_rubric_statement(locale_now()), {"contest_id": contest_id}).all()
    return [RubricLine(*row) for row in rows]


@cache
def _rubric_statement(locale: str):
    criteria = Criterion.__table__.c
    return (db.select(criteria.id, worded(Criterion, "name", locale), worded(Criterion, "description", locale),
                      criteria.weight, criteria.scale_min, criteria.scale_max)
            .where(criteria.contest_id == db.bindparam("contest_id")).order_by(criteria.position, criteria.id))


@dataclass(frozen=True)
class SheetRead:
    """A sheet as its page shows it, read as rows: the sheet as stored (:class:`sheet_store.StoredSheet`)
    and the content types of the entry's documents."""

    stored: sheet_store.StoredSheet
    content_types: list[str]

    @property
    def marks(self) -> list[sheet_store.MarkRow]:
        return list(self.stored.marks.values())

    @property
    def revising(self) -> bool:
        return self.stored.revision is not None

    @property
    def revision_number(self) -> int | None:
        return self.stored.revision.number if self.stored.revision else None

    @property
    def revision_comment(self) -> str:
        return self.stored.revision.values.overall_comment if self.stored.revision else ""

    @property
    def revision_marks(self) -> list[sheet_store.MarkRow]:
        return list(self.stored.revision.values.marks.values()) if self.stored.revision else []


def read_sheet(assignment: Assignment) -> SheetRead:
    """What :class:`SheetRead` holds, in two statements whatever the rubric's length."""
    content_types = db.session.scalars(_documents_statement(), {"entry_id": assignment.entry_id}).all()
    return SheetRead(sheet_store.read(assignment.id), list(content_types))


@cache
def _documents_statement():
    attachments = Attachment.__table__.c
    return (db.select(attachments.content_type).where(attachments.entry_id == db.bindparam("entry_id"))
            .order_by(attachments.id))


def record(assignment: Assignment, sheet: Sheet, *, final: bool, now: datetime | None = None,
           criteria: list[RubricLine] | None = None) -> Assignment:
    """Save a draft (any criteria) or submit (all criteria), only while the round is open.

    A submitted sheet is never edited in place: what the judge types goes to its open revision,
    and the submitted marks keep counting until the revision is submitted and replaces them.
    """
    if assignment.round == FINAL_ROUND:
        raise ScoreError("final_round_is_a_ballot")
    lock_sheet(assignment)
    ensure_open(assignment, now)
    criteria = rubric(assignment.entry_contest_id) if criteria is None else criteria
    if final and not criteria:
        raise ScoreError("rubric_missing")
    accepted: dict[int, sheet_store.MarkRow] = {}
    problems: dict[int, Message] = {}
    for criterion in criteria:
        raw = (sheet.values.get(criterion.id) or "").strip()
        comment = (sheet.comments.get(criterion.id) or "").strip()
        if not raw:
            if final:
                problems[criterion.id] = Message("score_missing", {"min": criterion.scale_min,
                                                                   "max": criterion.scale_max})
            elif comment:
                problems[criterion.id] = Message("score_needed_for_comment")
            continue
        problem = _value_problem(criterion, raw)
        if problem:
            problems[criterion.id] = problem
            continue
        accepted[criterion.id] = sheet_store.MarkRow(criterion.id, parse_value(raw), comment)
    if problems:
        incomplete = final and any(not (sheet.values.get(c.id) or "").strip() for c in criteria)
        raise ScoreError("criteria_unscored" if incomplete else "scores_to_correct", problems)
    _save(assignment, "sheet", final=final, now=now, marks=accepted, overall_comment=sheet.overall_comment.strip())
    return assignment


# What a save is recorded as in the audit log: of the sheet itself, or of its revision once submitted.
AUDITED_AS = {"sheet": ("sheet", "revision"), "ballot": ("ballot", "ballot_revision")}


def _save(assignment: Assignment, kind: str, *, final: bool, now: datetime | None, **typed) -> None:
    """Write a sheet or a ballot place (``kind``) read under its lock, record it in the audit log, and
    make the contest's stored rankings stale when what they count changed (a submission)."""
    revising = assignment.status is SheetStatus.SUBMITTED
    before, after = sheet_store.save(assignment, sheet_store.read(assignment.id), final=final, now=now or utcnow(),
                                     **typed)
    action = AUDITED_AS[kind][revising]
    audit.record(f"{action}.{'submitted' if final else 'saved'}", assignment, before=before, after=after,
                 entry=assignment.entry_id)
    if final:
        stored_rankings.inputs_changed(assignment.entry_contest_id)


def sheet_facts(sheet: Assignment | SheetRevision) -> dict:
    """A sheet's or a revision's values as the audit log keeps them, one flat key per thing typed."""
    return sheet_store.values_facts(sheet.marks, sheet.overall_comment, sheet.ballot_position)


def discard_revisions(assignments: list[Assignment], now: datetime | None = None) -> int:
    """Drop the judge's unsubmitted revisions of these sheets; the submitted values never moved.

    Only while the round is open, as a closed round's sheets never change. Returns how many went.
    """
    for assignment in assignments:
        lock_sheet(assignment)
    if assignments:
        ensure_open(assignments[0], now)
    discarded = 0
    for assignment in assignments:
        revision = assignment.open_revision
        if revision is not None:
            audit.record("revision.discarded", assignment, before=sheet_facts(revision), entry=assignment.entry_id)
            assignment.revisions.remove(revision)
            discarded += 1
    db.session.flush()
    return discarded


def _value_problem(criterion: Criterion, raw: str) -> Message | None:
    value = parse_value(raw)
    if value is None:
        return Message("score_not_a_number")
    if not criterion.scale_min <= value <= criterion.scale_max:
        return Message("score_off_scale", {"min": criterion.scale_min, "max": criterion.scale_max})
    if value.as_tuple().exponent < -2:
        return Message("score_too_precise")
    return None


def ensure_open(assignment: Assignment, now: datetime | None = None) -> None:
    why = why_closed(assignment, now)
    if why:
        raise ScoreError(why)


def why_closed(assignment: Assignment, now: datetime | None = None) -> Message | None:
    """Why the sheet cannot be changed now, or None while the round is open (dates as Tashkent shows them)."""
    now = now or utcnow()
    scoring_round = assignment.scoring_round
    if scoring_round is None:
        return Message("round_dates_unset", {"n": assignment.round})
    if now < scoring_round.opens_at:
        return Message("round_not_open_yet", {"n": assignment.round, "date": local_time(scoring_round.opens_at)})
    if now >= scoring_round.closes_at:
        return Message("round_closed", {"n": assignment.round, "date": local_time(scoring_round.closes_at)})
    return None


def closed_message(assignment: Assignment, now: datetime | None = None) -> str | None:
    """:func:`why_closed` in the reader's language."""
    why = why_closed(assignment, now)
    return say(why) if why else None


# What a judge's request changes on an assignment: read again once its lock is held. Its entry, contest
# and rubric stay as read (re-reading them all would cost a statement each on the busiest POST).
SHEET_COLUMNS = ("status", "overall_comment", "ballot_position", "submitted_at")
SHEET_COLLECTIONS = ("marks", "revisions")


def lock_sheet(assignment: Assignment) -> None:
    """Serialise one sheet's concurrent requests (a double click, two tabs, a conflict declared).

    What the request read before it held the lock may be out of date (another tab may have
    submitted the sheet meanwhile), so the sheet is read again under the lock: its columns by the
    locking statement itself, its marks and revisions when next used. Not in the locking statement:
    on PostgreSQL a statement that waited for the lock still sees the other tables as they were
    when it began, so the marks the other request wrote would be missed.
    """
    found = db.session.execute(_lock_statement(), {"assignment_id": assignment.id}).first()
    if found is None:
        raise ScoreError("sheet_gone")
    for name, value in zip(SHEET_COLUMNS, found):
        set_committed_value(assignment, name, value)
    db.session.expire(assignment, SHEET_COLLECTIONS)


@cache
def _lock_statement():
    assignments = Assignment.__table__.c
    return (db.select(*(assignments[name] for name in SHEET_COLUMNS))
            .where(assignments.id == db.bindparam("assignment_id")).with_for_update())


# -- the final round's ranking ballot ----------------------------------------------------------------

class BallotError(SheetRefusal):
    """What was wrong with a ballot: messages for the whole form, and one per finalist (by assignment id)."""

    @property
    def by_assignment(self) -> dict[int, str]:
        return self.by_key_text


def ballot(judge: User, contest: Contest) -> list[Assignment]:
    """The judge's finalists in the contest's final round, in a fixed order; conflicted pairs left out."""
    conflicted = db.select(Conflict.entry_id).where(Conflict.judge_id == judge.id)
    return list(db.session.scalars(
        db.select(Assignment).join(Entry, Assignment.entry_id == Entry.id)
        .where(Assignment.judge_id == judge.id, Assignment.round == FINAL_ROUND, Entry.contest_id == contest.id,
               Assignment.entry_id.not_in(conflicted))
        .options(selectinload(Assignment.entry).selectinload(Entry.field), selectinload(Assignment.revisions),
                 Assignment.conflict_fact())
        .order_by(Entry.id).execution_options(populate_existing=True)).all())


def ballot_state(assignments: list[Assignment]) -> str:
    """One state for the whole ballot: submitted only when every place is."""
    if assignments and all(a.status is SheetStatus.SUBMITTED for a in assignments):
        return "revising" if any(a.open_revision is not None for a in assignments) else "submitted"
    if any(a.ballot_position is not None for a in assignments):
        return "draft"
    return "not_started"


def record_ballot(assignments: list[Assignment], typed: dict[int, str], *, final: bool,
                  now: datetime | None = None) -> list[Assignment]:
    """Save a draft (any places typed) or submit (each finalist a place 1..n, each place once).

    ``typed`` maps assignment id to the place as typed. Only while the final round is open. As on
    a score sheet, a submitted place is changed in a revision and counts until that is submitted.
    """
    if not assignments:
        raise BallotError("no_finalists")
    for assignment in assignments:
        lock_sheet(assignment)
    ensure_open(assignments[0], now)
    n = len(assignments)
    problems: dict[int, Message] = {}
    places: dict[int, int] = {}
    for assignment in assignments:
        raw = (typed.get(assignment.id) or "").strip()
        if not raw:
            if final:
                problems[assignment.id] = Message("place_missing", {"n": n})
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= n:
            problems[assignment.id] = Message("place_not_whole", {"n": n})
            continue
        places[assignment.id] = int(raw)
    if final:
        holders: dict[int, list[int]] = {}
        for assignment_id, place in places.items():
            holders.setdefault(place, []).append(assignment_id)
        for place, ids in holders.items():
            if len(ids) > 1:
                for assignment_id in ids:
                    problems.setdefault(assignment_id, Message("place_repeated", {"p": place}))
    if problems:
        if final:
            raise BallotError("ballot_incomplete", problems, n=n)
        raise BallotError("places_to_correct", problems)
    when = now or utcnow()
    for assignment in assignments:
        _save(assignment, "ballot", final=final, now=when, place=places.get(assignment.id))
    return assignments


# -- files -------------------------------------------------------------------------------------

def blind_copy(attachment: Attachment) -> bytes:
    """The file's bytes with author metadata stripped; raises SanitizeError rather than leak them."""
    return sanitize(path_of(attachment).read_bytes(), attachment.content_type)


# -- conflicts ---------------------------------------------------------------------------------

def declare_conflict(assignment: Assignment, reason: str, *, by: User, now: datetime | None = None) -> Conflict:
    """Record the judge's conflict with the entry, which takes it out of their queue.

    Releasing the pair's open assignments and finding another judge is
    ``services.reassignment.declare_on_entry``'s part, which calls this first.
    """
    reason = reason.strip()
    if not reason:
        raise ScoreError("conflict_reason_missing")
    lock_sheet(assignment)
    if assignment.is_frozen(now):
        raise ScoreError("conflict_after_close", n=assignment.round)
    conflict = db.session.scalar(db.select(Conflict).where(
        Conflict.judge_id == assignment.judge_id, Conflict.entry_id == assignment.entry_id,
        Conflict.source == ConflictSource.DECLARED_ENTRY))
    if conflict is None:
        conflict = Conflict(judge_id=assignment.judge_id, entry_id=assignment.entry_id,
                            source=ConflictSource.DECLARED_ENTRY, reason=reason, created_by=by)
        db.session.add(conflict)
    else:
        conflict.reason = reason
    db.session.flush()
    return conflict
