"""What a participant reads of a published ranking: their entry's standing and the judges'
comments, without any judge's name."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from contest.engines.scoring import RankedEntry
from contest.extensions import db
from contest.models import Assignment, Entry, ResultSnapshot, SheetStatus
from contest.services.sheet_store import format_value
from contest.services.results import read_ranking


@dataclass
class MarkedCriterion:
    """A criterion as its authors read it under a judge's comment: its name and that judge's mark."""

    name: str
    mark: str
    scale_max: int


@dataclass
class Comment:
    """One comment of a judge, with the criteria it was written on (none: the overall comment)."""

    text: str
    criteria: list[MarkedCriterion]


@dataclass
class JudgeComments:
    """One judge's comments, under a neutral name ("Judge A") that says nothing of who they are."""

    label: str
    comments: list[Comment]


def entry_comments(entry: Entry, published_at: datetime) -> list[JudgeComments]:
    """The judges' comments on an entry as its authors may read them: grouped by judge, without any
    judge's name, each under the criteria it was written on with their marks, and never twice (a
    judge's text repeated on another criterion, sheet or as the overall comment is shown once)."""
    sheets = db.session.scalars(db.select(Assignment).where(
        Assignment.entry_id == entry.id, Assignment.status == SheetStatus.SUBMITTED,
        Assignment.submitted_at <= published_at).order_by(Assignment.id)).all()
    by_judge: dict[int, dict[str, Comment]] = {}
    for sheet in sheets:
        said = by_judge.setdefault(sheet.judge_id, {})
        for mark in sorted(sheet.marks, key=lambda m: (m.criterion.position, m.criterion_id)):
            text = mark.comment.strip()
            if text:
                comment = said.setdefault(text, Comment(text, []))
                if all(c.name != mark.criterion.local_name for c in comment.criteria):
                    comment.criteria.append(MarkedCriterion(mark.criterion.local_name, format_value(mark.value),
                                                            mark.criterion.scale_max))
        if sheet.overall_comment.strip():
            said.setdefault(sheet.overall_comment.strip(), Comment(sheet.overall_comment.strip(), []))
    said_something = [said for said in by_judge.values() if said]
    return [JudgeComments(_("Judge %(letter)s", letter=judge_letter(n)), list(said.values()))
            for n, said in enumerate(said_something)]


def judge_letter(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: a neutral name for the n-th judge of an entry."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def published_standing(entry: Entry) -> tuple[ResultSnapshot, RankedEntry] | None:
    """The entry's row in the latest published ranking of its contest, if any."""
    snapshot = ResultSnapshot.latest(entry.contest_id)
    if snapshot is None:
        return None
    row = read_ranking(snapshot.result).row_of().get(entry.id)
    return None if row is None else (snapshot, row)
