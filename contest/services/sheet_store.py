"""A score sheet's stored values as rows: read in one statement, written in a few Core statements.

The score POST is the judges' busiest write. Through the ORM it loaded the sheet's marks and
revisions as objects and flushed them through the unit of work, which cost more Python than every
statement it sent; here the sheet is read as rows under its lock and only what changed is written,
each kind of change in one statement. Objects of the sheet that the session already holds are
expired, so whoever reads them next reads what was written.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, cast, delete, func, insert, inspect, null, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value

from contest.extensions import db
from contest.models import Assignment, Mark, RevisionMark, SheetRevision, SheetStatus

MARKS, REVISION_MARKS = Mark.__table__, RevisionMark.__table__
ASSIGNMENTS, REVISIONS = Assignment.__table__, SheetRevision.__table__


class MarkRow(NamedTuple):
    """One criterion's value and comment, on a sheet or on its revision."""

    criterion_id: int
    value: Decimal
    comment: str


@dataclass(frozen=True)
class SheetValues:
    """What a judge types on a sheet, or on its revision: marks by criterion, an overall comment, a ballot place."""

    marks: dict[int, MarkRow]
    overall_comment: str
    place: int | None

    def facts(self) -> dict:
        """The values as the audit log keeps them, one flat key per thing typed."""
        return values_facts(self.marks.values(), self.overall_comment, self.place)


def format_value(value: Decimal | None) -> str:
    """7.00 -> '7', 7.50 -> '7.5': a stored mark as a judge would type it."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def values_facts(marks, overall_comment: str, place: int | None) -> dict:
    """A sheet's or a revision's values (``marks`` as rows or objects) as the audit log keeps them."""
    facts: dict = {}
    for mark in sorted(marks, key=lambda mark: mark.criterion_id):
        facts[f"criterion {mark.criterion_id}"] = format_value(mark.value)
        if mark.comment:
            facts[f"criterion {mark.criterion_id} comment"] = mark.comment
    if overall_comment:
        facts["overall_comment"] = overall_comment
    if place is not None:
        facts["place"] = place
    return facts


@dataclass(frozen=True)
class OpenRevision:
    """The judge's unsubmitted change to a submitted sheet, as stored."""

    id: int
    number: int
    values: SheetValues


@dataclass(frozen=True)
class StoredSheet:
    """A sheet's marks, its open revision (if any) and the number its last revision took, read in one statement."""

    marks: dict[int, MarkRow]
    revision: OpenRevision | None
    last_number: int

    def sheet(self, assignment: Assignment) -> SheetValues:
        """The sheet's own values, with the comment and place its (locked) row holds."""
        return SheetValues(self.marks, assignment.overall_comment or "", assignment.ballot_position)


def read(assignment_id: int) -> StoredSheet:
    """The sheet as stored; read under :func:`contest.services.judging.lock_sheet` before a change."""
    marks: dict[int, MarkRow] = {}
    revision_marks: dict[int, MarkRow] = {}
    revision_row, last_number = None, 0
    for row in db.session.execute(_read_statement(), {"assignment_id": assignment_id}):
        if row.revision_id is None:
            if row.criterion_id is None:
                last_number = row.number or 0
            else:
                marks[row.criterion_id] = MarkRow(row.criterion_id, row.value, row.comment)
            continue
        revision_row = row
        if row.criterion_id is not None:
            revision_marks[row.criterion_id] = MarkRow(row.criterion_id, row.value, row.comment)
    revision = None if revision_row is None else OpenRevision(
        revision_row.revision_id, revision_row.number,
        SheetValues(revision_marks, revision_row.overall or "", revision_row.place))
    return StoredSheet(marks, revision, last_number)


@cache
def _read_statement():
    """The sheet's marks, its open revision with its marks, its revisions' last number: one statement, built once."""
    assignment_id = bindparam("assignment_id")
    no_integer = cast(null(), Integer)
    sheet_marks = select(no_integer.label("revision_id"), no_integer.label("number"), null().label("overall"),
                         no_integer.label("place"), MARKS.c.criterion_id, MARKS.c.value, MARKS.c.comment
                         ).where(MARKS.c.assignment_id == assignment_id)
    open_revision = (
        select(REVISIONS.c.id, REVISIONS.c.number, REVISIONS.c.overall_comment, REVISIONS.c.ballot_position,
               REVISION_MARKS.c.criterion_id, REVISION_MARKS.c.value, REVISION_MARKS.c.comment)
        .select_from(REVISIONS.outerjoin(REVISION_MARKS, REVISION_MARKS.c.revision_id == REVISIONS.c.id))
        .where(REVISIONS.c.assignment_id == assignment_id, REVISIONS.c.submitted_at.is_(None)))
    last_number = select(no_integer, func.max(REVISIONS.c.number), null(), no_integer, no_integer, null(), null()
                         ).where(REVISIONS.c.assignment_id == assignment_id)
    return union_all(sheet_marks, open_revision, last_number)


KEEP = object()  # a value of :func:`save` the judge did not send: it stays as stored


def save(assignment: Assignment, stored: StoredSheet, *, final: bool, now: datetime, marks=KEEP,
         overall_comment=KEEP, place=KEEP) -> tuple[dict, dict]:
    """Write what the judge typed (``marks`` by criterion, ``overall_comment``, ``place``; each may be
    :data:`KEEP`) to the sheet, or to its revision once the sheet is submitted, and submit it if ``final``.

    A submitted sheet is never edited in place: the values go to its open revision (a new one starts
    from the submitted comment and place), and submitting the revision makes them the sheet's.
    Returns the audit facts before and after: of the sheet, or of the revision while it is a draft.
    """
    current = stored.sheet(assignment)
    revising = assignment.status is SheetStatus.SUBMITTED
    if revising:
        base = stored.revision.values if stored.revision else SheetValues({}, current.overall_comment, current.place)
    else:
        base = current
    typed = _typed(base, marks, overall_comment, place)
    before = (stored.revision.values if revising and not final and stored.revision else current).facts()
    if revising:
        _write_revision(assignment, stored, typed, final=final, now=now)
    if final or not revising:  # the sheet itself takes the values: a draft before submission, or a submission
        columns = {"overall_comment": typed.overall_comment, "ballot_position": typed.place}
        if final:
            columns.update(status=SheetStatus.SUBMITTED, submitted_at=now)
        _write_marks(MARKS, "assignment_id", assignment.id, current.marks, typed.marks)
        _write_sheet(assignment, columns)
    _forget_loaded(assignment)
    return before, typed.facts()


def _typed(base: SheetValues, marks, overall_comment, place) -> SheetValues:
    changes = {name: value for name, value in
               (("marks", marks), ("overall_comment", overall_comment), ("place", place)) if value is not KEEP}
    return replace(base, **changes)


def _write_revision(assignment: Assignment, stored: StoredSheet, typed: SheetValues, *, final: bool,
                    now: datetime) -> None:
    submitted_at = now if final else None
    if stored.revision is None:
        revision_id = db.session.execute(_new_revision_statement(), {
            "assignment_id": assignment.id, "number": stored.last_number + 1, "opened_at": now,
            "replaces_submitted_at": assignment.submitted_at, "overall_comment": typed.overall_comment,
            "ballot_position": typed.place, "submitted_at": submitted_at}).scalar_one()
        _write_marks(REVISION_MARKS, "revision_id", revision_id, {}, typed.marks)
        return
    revision = stored.revision
    _write_marks(REVISION_MARKS, "revision_id", revision.id, revision.values.marks, typed.marks)
    changes = {"submitted_at": submitted_at} if final else {}
    if typed.overall_comment != revision.values.overall_comment:
        changes["overall_comment"] = typed.overall_comment
    if typed.place != revision.values.place:
        changes["ballot_position"] = typed.place
    if changes:
        db.session.execute(_update_row_statement(REVISIONS, tuple(changes)), {"row_id": revision.id, **changes})


def _write_marks(table, owner: str, owner_id: int, stored: dict[int, MarkRow], wanted: dict[int, MarkRow]) -> None:
    """Make the owner's rows in ``table`` hold exactly ``wanted``: one statement per kind of change, none if none."""
    gone = [criterion_id for criterion_id in stored if criterion_id not in wanted]
    added = [mark for criterion_id, mark in wanted.items() if criterion_id not in stored]
    moved = [mark for criterion_id, mark in wanted.items()
             if criterion_id in stored and stored[criterion_id][1:] != mark[1:]]
    insert_marks, update_marks, delete_marks = _marks_statements(table, owner)
    if gone:
        db.session.execute(delete_marks, {"owner_id": owner_id, "criteria": gone})
    if added:
        db.session.execute(insert_marks, [{owner: owner_id, "criterion_id": mark.criterion_id, "value": mark.value,
                                           "comment": mark.comment} for mark in added])
    if moved:
        db.session.execute(update_marks, [{"owner_id": owner_id, "criterion": mark.criterion_id,
                                           "new_value": mark.value, "new_comment": mark.comment} for mark in moved])


@cache
def _marks_statements(table, owner: str):
    """Insert, update and delete of a sheet's or a revision's marks, built once (the busiest POST writes them)."""
    owner_column = table.c[owner]
    return (insert(table),
            update(table).where(owner_column == bindparam("owner_id"), table.c.criterion_id == bindparam("criterion"))
            .values(value=bindparam("new_value"), comment=bindparam("new_comment")),
            delete(table).where(owner_column == bindparam("owner_id"),
                                table.c.criterion_id.in_(bindparam("criteria", expanding=True))))


@cache
def _new_revision_statement():
    return insert(REVISIONS).returning(REVISIONS.c.id)


@cache
def _update_row_statement(table, names: tuple[str, ...]):
    """``UPDATE table SET <names> WHERE id = :row_id``, built once for each set of columns a save changes."""
    return update(table).where(table.c.id == bindparam("row_id")).values({name: bindparam(name) for name in names})


def _write_sheet(assignment: Assignment, columns: dict) -> None:
    """Update the sheet's row where a column changes, and what the session holds of it."""
    changes = {name: value for name, value in columns.items() if getattr(assignment, name) != value}
    if not changes:
        return
    db.session.execute(_update_row_statement(ASSIGNMENTS, tuple(changes)), {"row_id": assignment.id, **changes})
    for name, value in changes.items():
        set_committed_value(assignment, name, value)


def _forget_loaded(assignment: Assignment) -> None:
    """The session's objects of this sheet (its marks, revisions and their marks) are read again when next used."""
    db.session.expire(assignment, ("marks", "revisions"))
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, (Mark, SheetRevision)) and inspect(loaded).dict.get("assignment_id") == assignment.id:
            db.session.expire(loaded)
        elif isinstance(loaded, RevisionMark):
            db.session.expire(loaded)
