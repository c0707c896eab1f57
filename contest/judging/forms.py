"""The score sheet (one value and comment per criterion of the contest's rubric) and a declared conflict."""
from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from contest.forms import BaseForm
from contest.models import Assignment, Criterion, SheetRevision
from contest.services.judging import Sheet, format_value

COMMENT_MAX = 5000


class ScoreForm(BaseForm):
    """Fields `value_<criterion id>` and `comment_<criterion id>` are added per rubric by :func:`score_form`.

    Values are kept as typed (text): the service parses them, so a wrong one comes back with a
    message beside the field and the judge's other values untouched.
    """

    overall_comment = TextAreaField(_l("Overall comment"), validators=[Length(max=COMMENT_MAX)])
    save_draft = SubmitField(_l("Save draft"))
    submit_scores = SubmitField(_l("Submit scores"))

    criteria: ClassVar[list[Criterion]] = []  # set per rubric by score_form

    def value(self, criterion: Criterion):
        return self[f"value_{criterion.id}"]

    def comment(self, criterion: Criterion):
        return self[f"comment_{criterion.id}"]

    @property
    def final(self) -> bool:
        """Submit only when that button was pressed; anything else is a draft."""
        return bool(self.submit_scores.data)

    def to_sheet(self) -> Sheet:
        return Sheet(values={c.id: self.value(c).data or "" for c in self.criteria},
                     comments={c.id: self.comment(c).data or "" for c in self.criteria},
                     overall_comment=self.overall_comment.data or "")

    def load(self, sheet: Assignment | SheetRevision) -> None:
        """Fill the fields from the sheet itself, or from the revision the judge is editing."""
        marks = {mark.criterion_id: mark for mark in sheet.marks}
        for criterion in self.criteria:
            mark = marks.get(criterion.id)
            self.value(criterion).data = format_value(mark.value) if mark else ""
            self.comment(criterion).data = mark.comment if mark else ""
        self.overall_comment.data = sheet.overall_comment

    def show_problems(self, by_criterion: dict[int, str]) -> None:
        for criterion in self.criteria:
            if criterion.id in by_criterion:
                self.value(criterion).errors = [*self.value(criterion).errors, by_criterion[criterion.id]]


def score_form(criteria: list[Criterion], **kwargs) -> ScoreForm:
    """A ScoreForm with a value and a comment field for each criterion of this rubric."""
    attrs = {"criteria": list(criteria)}
    for criterion in criteria:
        attrs[f"value_{criterion.id}"] = StringField(_l("Score: %(name)s", name=criterion.local_name),
                                                     validators=[Length(max=20)])
        attrs[f"comment_{criterion.id}"] = TextAreaField(_l("Comment: %(name)s", name=criterion.local_name),
                                                         validators=[Length(max=COMMENT_MAX)])
    return type("RubricForm", (ScoreForm,), attrs)(**kwargs)


class ConflictForm(BaseForm):
    reason = TextAreaField(_l("Why you cannot judge this entry impartially"),
                           validators=[DataRequired(_l("Give a reason.")), Length(max=2000)])
    declare = SubmitField(_l("Declare a conflict"))


class BallotForm(BaseForm):
    """The final round's ranking ballot: a field `place_<assignment id>` per finalist, added by :func:`ballot_form`.

    Places are kept as typed (text): the service checks them, so a wrong one comes back with a
    message beside it and the judge's other places untouched.
    """

    save_draft = SubmitField(_l("Save draft"))
    submit_ballot = SubmitField(_l("Submit ballot"))

    assignments: ClassVar[list[Assignment]] = []  # set per judge by ballot_form

    def place(self, assignment: Assignment):
        return self[f"place_{assignment.id}"]

    @property
    def final(self) -> bool:
        return bool(self.submit_ballot.data)

    def typed(self) -> dict[int, str]:
        return {a.id: self.place(a).data or "" for a in self.assignments}

    def load(self, revising: bool) -> None:
        """Fill the places as submitted, or (``revising``) as in the judge's open revision."""
        for assignment in self.assignments:
            source = (revising and assignment.open_revision) or assignment
            position = source.ballot_position
            self.place(assignment).data = "" if position is None else str(position)

    def show_problems(self, by_assignment: dict[int, str]) -> None:
        for assignment in self.assignments:
            if assignment.id in by_assignment:
                self.place(assignment).errors = [*self.place(assignment).errors, by_assignment[assignment.id]]


def ballot_form(assignments: list[Assignment], **kwargs) -> BallotForm:
    """A BallotForm with a place field for each of the judge's finalists."""
    attrs = {"assignments": list(assignments)}
    for assignment in assignments:
        attrs[f"place_{assignment.id}"] = StringField(_l("Place of %(code)s", code=assignment.entry.code),
                                                      validators=[Length(max=10)])
    return type("FinalBallotForm", (BallotForm,), attrs)(**kwargs)
