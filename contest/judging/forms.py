"""The score sheet (one value and comment per criterion of the contest's rubric) and a declared conflict."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from contest.forms import BaseForm
from contest.i18n import FORM_MESSAGES
from contest.models import Assignment, Criterion
from contest.services.judging import Sheet
from contest.services.sheet_store import format_value

COMMENT_MAX = 5000
VALUE_MAX = 20
# WTForms' Length message, which contest.i18n carries in the reader's language (not extracted again here)
TOO_LONG = ("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.")


@dataclass
class RubricInput:
    """One input of the rubric: what it holds (as typed, or as stored) and the messages beside it.

    The page writes the inputs itself (templates/judging/rubric.html), with the names, ids, labels and
    limits WTForms' widgets gave them: the busiest page of a judging rush built and rendered a WTForms
    form of twice as many fields as the rubric has criteria on every request.
    """

    name: str
    maxlength: int
    value: str = ""
    errors: list[str] = field(default_factory=list)


class ScoreForm:
    """The score sheet as posted: ``value_<criterion id>`` and ``comment_<criterion id>`` per criterion of
    the rubric, an overall comment, and the button pressed. The CSRF token is checked before the view runs
    (CSRFProtect guards every POST).

    Values are kept as typed (text): the service parses them, so a wrong one comes back with a
    message beside the field and the judge's other values untouched.
    """

    def __init__(self, criteria: list[Criterion], formdata: Mapping[str, str] | None = None):
        self.criteria = list(criteria)
        self.formdata = formdata if formdata is not None else {}
        self.inputs = {name: RubricInput(name, limit, self.formdata.get(name) or "")
                       for name, limit in self._limits()}

    def _limits(self):
        yield "overall_comment", COMMENT_MAX
        for criterion in self.criteria:
            yield f"value_{criterion.id}", VALUE_MAX
            yield f"comment_{criterion.id}", COMMENT_MAX

    def value(self, criterion: Criterion) -> RubricInput:
        return self.inputs[f"value_{criterion.id}"]

    def comment(self, criterion: Criterion) -> RubricInput:
        return self.inputs[f"comment_{criterion.id}"]

    @property
    def overall_comment(self) -> RubricInput:
        return self.inputs["overall_comment"]

    @property
    def final(self) -> bool:
        """Submit only when that button was pressed; anything else is a draft."""
        return self.formdata.get("submit_scores") not in (None, "", "false")

    @property
    def errors(self) -> dict[str, list[str]]:
        return {name: shown.errors for name, shown in self.inputs.items() if shown.errors}

    def validate(self) -> bool:
        """No input longer than its limit (the browser's maxlength, checked again here), in WTForms' words."""
        for shown in self.inputs.values():
            if len(shown.value) > shown.maxlength:
                shown.errors.append(FORM_MESSAGES.ngettext(*TOO_LONG, shown.maxlength) % {"max": shown.maxlength})
        return not self.errors

    def to_sheet(self) -> Sheet:
        return Sheet(values={c.id: self.value(c).value for c in self.criteria},
                     comments={c.id: self.comment(c).value for c in self.criteria},
                     overall_comment=self.overall_comment.value)

    def load(self, marks: Iterable, overall_comment: str) -> None:
        """Fill the inputs from the sheet's marks (or its open revision's), as stored."""
        for mark in marks:
            if f"value_{mark.criterion_id}" in self.inputs:
                self.inputs[f"value_{mark.criterion_id}"].value = format_value(mark.value)
                self.inputs[f"comment_{mark.criterion_id}"].value = mark.comment
        self.overall_comment.value = overall_comment

    def show_problems(self, by_criterion: dict[int, str]) -> None:
        for criterion in self.criteria:
            if criterion.id in by_criterion:
                self.value(criterion).errors.append(by_criterion[criterion.id])


def score_form(criteria: list[Criterion], formdata: Mapping[str, str] | None = None) -> ScoreForm:
    """The rubric's inputs: empty, or as posted (``formdata``)."""
    return ScoreForm(criteria, formdata)


REASON_MAX = 2000


class ConflictForm(BaseForm):
    reason = TextAreaField(_l("Why you cannot judge this entry impartially"),
                           validators=[DataRequired(_l("Give a reason.")), Length(max=REASON_MAX)])
    declare = SubmitField(_l("Declare a conflict"))


def conflict_input(form: ConflictForm | None = None) -> RubricInput:
    """The entry page's reason box: empty, or as a declaration posted with ``form`` came back."""
    if form is None:
        return RubricInput("reason", REASON_MAX)
    return RubricInput("reason", REASON_MAX, form.reason.data or "", list(form.reason.errors))


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
