"""The score sheet (one value and comment per criterion of the contest's rubric) and a declared conflict."""
from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from contest.models import Assignment, Criterion
from contest.services.judging import Sheet, format_value

COMMENT_MAX = 5000


class ScoreForm(FlaskForm):
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

    def load(self, assignment: Assignment) -> None:
        marks = {mark.criterion_id: mark for mark in assignment.marks}
        for criterion in self.criteria:
            mark = marks.get(criterion.id)
            self.value(criterion).data = format_value(mark.value) if mark else ""
            self.comment(criterion).data = mark.comment if mark else ""
        self.overall_comment.data = assignment.overall_comment

    def show_problems(self, by_criterion: dict[int, str]) -> None:
        for criterion in self.criteria:
            if criterion.id in by_criterion:
                self.value(criterion).errors = [*self.value(criterion).errors, by_criterion[criterion.id]]


def score_form(criteria: list[Criterion], **kwargs) -> ScoreForm:
    """A ScoreForm with a value and a comment field for each criterion of this rubric."""
    attrs = {"criteria": list(criteria)}
    for criterion in criteria:
        attrs[f"value_{criterion.id}"] = StringField(_l("Score: %(name)s", name=criterion.name),
                                                     validators=[Length(max=20)])
        attrs[f"comment_{criterion.id}"] = TextAreaField(_l("Comment: %(name)s", name=criterion.name),
                                                         validators=[Length(max=COMMENT_MAX)])
    return type("RubricForm", (ScoreForm,), attrs)(**kwargs)


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("Why you cannot judge this entry impartially"),
                           validators=[DataRequired(_l("Give a reason.")), Length(max=2000)])
    declare = SubmitField(_l("Declare a conflict"))
