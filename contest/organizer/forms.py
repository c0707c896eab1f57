"""Organizer forms: seasons, contest windows, rubric criteria, judge invitations, entry filters."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField, DecimalField, EmailField, Field, IntegerField, SelectField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from contest.auth.forms import category_choices, region_choices
from contest.models import CONTEST_LABELS, STATUS_LABELS


class SoumField(Field):
    """Whole soums, typed with or without group spaces: '15 000 000 000'."""

    widget = TextInput()

    def _value(self):
        return "" if self.data is None else f"{self.data:,}".replace(",", " ")

    def process_formdata(self, valuelist):
        if valuelist:
            raw = re.sub(r"[\s\u00a0\u202f,]", "", valuelist[0]).removesuffix("UZS")
            if not re.fullmatch(r"\d+", raw):
                self.data = None
                raise ValueError(_l("Enter a whole number of soums, e.g. 15 000 000 000."))
            self.data = int(raw)


class TashkentDateTimeField(DateTimeLocalField):
    """A wall-clock time typed in Tashkent, kept as an aware UTC datetime."""

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        return self.data.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M")

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=_zone())


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


class SeasonForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    budget = SoumField(_l("Prize budget (UZS)"), validators=[InputRequired()])
    submit = SubmitField(_l("Save"))


class NewSeasonForm(SeasonForm):
    opens_at = TashkentDateTimeField(_l("Submissions open (Tashkent time)"), validators=[InputRequired()])
    closes_at = TashkentDateTimeField(_l("Submissions close (Tashkent time)"), validators=[InputRequired()])
    fields = TextAreaField(_l("Engineering fields, one per line"))


class ContestForm(FlaskForm):
    opens_at = TashkentDateTimeField(_l("Submissions open (Tashkent time)"), validators=[InputRequired()])
    closes_at = TashkentDateTimeField(_l("Submissions close (Tashkent time)"), validators=[InputRequired()])
    max_entries_per_author = IntegerField(_l("Entries per lead author"), validators=[InputRequired(),
                                                                                      NumberRange(1, 50)])
    fields = TextAreaField(_l("Engineering fields, one per line"))
    submit = SubmitField(_l("Save"))


class CriterionForm(FlaskForm):
    name = StringField(_l("Criterion"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("What judges should look for"), validators=[Length(max=2000)])
    weight = DecimalField(_l("Weight"), places=3, validators=[InputRequired(), NumberRange(min=0.001, max=100)])
    scale_min = IntegerField(_l("Lowest mark"), default=1, validators=[InputRequired(), NumberRange(0, 100)])
    scale_max = IntegerField(_l("Highest mark"), default=10, validators=[InputRequired(), NumberRange(1, 100)])
    submit = SubmitField(_l("Save criterion"))


class InviteJudgeForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    organization = StringField(_l("Organization"), validators=[DataRequired(), Length(max=200)])
    region = SelectField(_l("Region"), choices=region_choices, validators=[Optional()])
    submit = SubmitField(_l("Create the account and show the link"))


class EntryFilterForm(FlaskForm):
    """Read from the query string; it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    contest = SelectField(_l("Contest"), validators=[Optional()], coerce=lambda v: int(v) if v else None)
    field = SelectField(_l("Field"), validators=[Optional()], coerce=lambda v: int(v) if v else None)
    region = SelectField(_l("Region"), choices=lambda: [("", _l("All"))] + region_choices()[1:],
                         validators=[Optional()])
    category = SelectField(_l("Category"), choices=lambda: [("", _l("All"))] + category_choices()[1:],
                           validators=[Optional()])
    status = SelectField(_l("Status"), choices=lambda: [("", _l("All"))] + [(s.value, label) for s, label in STATUS_LABELS.items()],
                         validators=[Optional()])
    q = StringField(_l("Title or author"), validators=[Optional(), Length(max=100)])

    def set_season(self, season) -> None:
        self.contest.choices = [("", _l("All"))] + [(c.id, CONTEST_LABELS[c.kind]) for c in season.contests]
        self.field.choices = [("", _l("All"))] + [
            (f.id, f"{f.name} ({CONTEST_LABELS[c.kind]})") for c in season.contests for f in c.fields]


def parse_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]

