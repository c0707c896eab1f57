"""Organizer forms: seasons, contest windows, rubric criteria, judge invitations, entry and audit filters."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateTimeLocalField, DecimalField, EmailField, Field, FieldList, FormField, HiddenField, IntegerField,
    SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from contest.auth.forms import category_choices, region_choices
from contest.forms import BaseForm, Shown, StaleChanges, VersionedForm
from contest.i18n import by_name
from contest.models import CONTEST_LABELS, STATUS_LABELS, Entry
from contest.services.seasons import CRITERION_WORDING


class SoumField(Shown, Field):
    """Whole soums, typed with or without group spaces: '15 000 000 000'."""

    widget = TextInput()

    def shown_text(self) -> str:
        return "" if self.data is None else f"{self.data:,}".replace(",", " ")

    def process_formdata(self, valuelist):
        if valuelist:
            raw = re.sub(r"[\s\u00a0\u202f,]", "", valuelist[0]).removesuffix("UZS")
            if not re.fullmatch(r"\d+", raw):
                self.data = None
                raise ValueError(_l("Enter a whole number of soums, e.g. 15 000 000 000."))
            self.data = int(raw)


class TashkentDateTimeField(Shown, DateTimeLocalField):
    """A wall-clock time typed in Tashkent, kept as an aware UTC datetime."""

    def shown_text(self) -> str:
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


FIELD_LINES_HELP = _l("Write the Uzbek name, then the Russian and English names after a bar: "
                      "Energetika | Энергетика | Energy. Readers whose language has no name see the Uzbek one.")


class SeasonFields(BaseForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    budget = SoumField(_l("Prize budget (UZS)"), validators=[InputRequired()])
    submit = SubmitField(_l("Save"))


class SeasonForm(VersionedForm, SeasonFields):
    """A season's settings, edited: it carries the version it was read at."""


class NewSeasonForm(SeasonFields):
    opens_at = TashkentDateTimeField(_l("Submissions open (Tashkent time)"), validators=[InputRequired()])
    closes_at = TashkentDateTimeField(_l("Submissions close (Tashkent time)"), validators=[InputRequired()])
    fields = TextAreaField(_l("Engineering fields, one per line"), description=FIELD_LINES_HELP)


class ContestForm(VersionedForm, BaseForm):
    opens_at = TashkentDateTimeField(_l("Submissions open (Tashkent time)"), validators=[InputRequired()])
    closes_at = TashkentDateTimeField(_l("Submissions close (Tashkent time)"), validators=[InputRequired()])
    max_entries_per_author = IntegerField(_l("Entries per lead author"), validators=[InputRequired(),
                                                                                      NumberRange(1, 50)])
    fields = TextAreaField(_l("Engineering fields, one per line"), description=FIELD_LINES_HELP)
    submit = SubmitField(_l("Save"))


class CriterionForm(VersionedForm, BaseForm):
    """A criterion's name and description in Uzbek (required: the primary wording), Russian and English."""

    WORDING = CRITERION_WORDING

    name = StringField(_l("Criterion (in Uzbek)"), validators=[DataRequired(), Length(max=120)])
    name_ru = StringField(_l("Criterion in Russian"), validators=[Optional(), Length(max=120)])
    name_en = StringField(_l("Criterion in English"), validators=[Optional(), Length(max=120)])
    description = TextAreaField(_l("What judges should look for (in Uzbek)"), validators=[Length(max=2000)])
    description_ru = TextAreaField(_l("What judges should look for, in Russian"), validators=[Length(max=2000)])
    description_en = TextAreaField(_l("What judges should look for, in English"), validators=[Length(max=2000)])
    weight = DecimalField(_l("Weight"), places=3, validators=[InputRequired(), NumberRange(min=0.001, max=100)])
    scale_min = IntegerField(_l("Lowest mark"), default=1, validators=[InputRequired(), NumberRange(0, 100)])
    scale_max = IntegerField(_l("Highest mark"), default=10, validators=[InputRequired(), NumberRange(1, 100)])
    submit = SubmitField(_l("Save criterion"))


class InviteJudgeForm(BaseForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    organization = StringField(_l("Organization"), validators=[DataRequired(), Length(max=200)])
    region = SelectField(_l("Region"), choices=region_choices, validators=[Optional()])
    submit = SubmitField(_l("Create the account and show the link"))


class EntryFilterForm(BaseForm):
    """Read from the query string; it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    contest = SelectField(_l("Contest"), validators=[Optional()], coerce=lambda v: int(v) if v else None)
    field = SelectField(_l("Field"), validators=[Optional()], coerce=lambda v: int(v) if v else None)
    region = SelectField(_l("Region"), choices=lambda: [("", _l("All"))] + region_choices()[1:],
                         validators=[Optional()])
    category = SelectField(_l("Category"), choices=lambda: [("", _l("All"))] + category_choices()[1:],
                           validators=[Optional()])
    status = SelectField(_l("Status"),
                         choices=lambda: [("", _l("All"))] + [(s.value, label) for s, label in STATUS_LABELS.items()],
                         validators=[Optional()])
    q = StringField(_l("Code, title or author"), validators=[Optional(), Length(max=100)])

    def set_season(self, season) -> None:
        self.contest.choices = [("", _l("All"))] + [(c.id, CONTEST_LABELS[c.kind]) for c in season.contests]
        self.field.choices = [("", _l("All"))] + [
            (f.id, f"{f.local_name} ({CONTEST_LABELS[c.kind]})")
            for c in season.contests for f in by_name(c.fields, lambda field: field.local_name)]


def parse_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]



class PanelJudgeForm(BaseForm):
    judge = SelectField(_l("Judge"), coerce=int, validators=[InputRequired()])
    min_load = IntegerField(_l("Fewest entries"), default=0, validators=[InputRequired(), NumberRange(0, 10000)])
    max_load = IntegerField(_l("Most entries"), default=40, validators=[InputRequired(), NumberRange(1, 10000)])
    submit = SubmitField(_l("Add to the panel"))


class PanelLoadRowForm(VersionedForm, BaseForm):
    """One member's row of the panel's table; its version is the member's."""

    class Meta:
        csrf = False

    id = HiddenField()
    min_load = IntegerField(_l("Fewest entries"), validators=[InputRequired(), NumberRange(0, 10000)])
    max_load = IntegerField(_l("Most entries"), validators=[InputRequired(), NumberRange(1, 10000)])


class PanelLoadsForm(StaleChanges, BaseForm):
    """The panel's table: every member's loads, saved together, each row at its member's version."""

    members = FieldList(FormField(PanelLoadRowForm))
    save_loads = SubmitField(_l("Save the loads"))


class JudgesPerEntryForm(VersionedForm, BaseForm):
    judges_per_entry = IntegerField(_l("Judges per entry"), validators=[InputRequired(), NumberRange(1, 20)])
    submit = SubmitField(_l("Save"))


class EntryJudgesForm(BaseForm):
    """One entry's own number of judges; empty means the contest's number."""

    judges_needed = IntegerField(_l("Judges for this entry (empty: the contest's number)"),
                                 validators=[Optional(), NumberRange(1, 20)])
    submit = SubmitField(_l("Save"))


class ScoringRoundForm(VersionedForm, BaseForm):
    opens_at = TashkentDateTimeField(_l("Scoring opens (Tashkent time)"), validators=[InputRequired()])
    closes_at = TashkentDateTimeField(_l("Scoring closes (Tashkent time)"), validators=[InputRequired()])
    submit = SubmitField(_l("Save the scoring window"))


class ManualConflictForm(BaseForm):
    judge = SelectField(_l("Judge"), coerce=int, validators=[InputRequired()])
    entry_code = StringField(_l("Entry code (E-00042)"), validators=[DataRequired(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Record the conflict"))


class DryRunForm(BaseForm):
    """How a dry run weighs even loads: off, or on with the share of affinity it may give up for them."""

    even_loads = BooleanField(_l("Even out the judges' loads"), default=True)
    affinity_share = DecimalField(_l("Affinity the engine may give up for even loads (%)"), default=0, places=None,
                                  validators=[Optional(), NumberRange(0, 100)])
    submit = SubmitField(_l("Dry run"))

    def load_evening(self) -> float | None:
        """The engine's ``load_evening``: None (off), or a share from 0 to 1."""
        return float(self.affinity_share.data or 0) / 100 if self.even_loads.data else None

    def show(self, load_evening: float | None) -> None:
        """Fill the form from a stored setting (the last run's)."""
        self.even_loads.data = load_evening is not None
        self.affinity_share.data = round((load_evening or 0) * 100, 4)


class ManualAssignmentForm(BaseForm):
    judge = SelectField(_l("Judge"), coerce=int, validators=[InputRequired()])
    entry_code = StringField(_l("Entry code (E-00042)"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("Assign"))


class ExpertiseForm(BaseForm):
    expertise = TextAreaField(_l("Fields of expertise, one per line as field:level (1 familiar, 2 experienced, "
                                 "3 expert)"))
    submit = SubmitField(_l("Save expertise"))


class DeclarationForm(BaseForm):
    kind = SelectField(_l("Conflict with"), choices=[("person", _l("a person (name or email)")),
                                                     ("organization", _l("an organization"))])
    value = StringField(_l("Name, email or organization"), validators=[DataRequired(), Length(max=254)])
    declare = SubmitField(_l("Declare"))


def parse_expertise(text: str | None) -> tuple[dict[str, int], list[str]]:
    """'Energy:3' lines to {field: level}; a bare field name means level 2."""
    found: dict[str, int] = {}
    problems = []
    for number, line in enumerate(parse_lines(text), start=1):
        name, _sep, level = line.rpartition(":") if ":" in line else (line, "", "2")
        name, level = name.strip(), level.strip()
        if not name or level not in {"1", "2", "3"}:
            problems.append(_l("Line %(n)d: write field:level with a level from 1 to 3.", n=number))
            continue
        found[name] = int(level)
    return found, problems


class AuditFilterForm(BaseForm):
    """The audit log's filters, read from the query string; it changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    person = SelectField(_l("Person"), validators=[Optional()])
    entry = StringField(_l("Entry code"), validators=[Optional(), Length(max=20)])
    action = SelectField(_l("Action"), validators=[Optional()])

    def set_choices(self, people: list[tuple[str, str]], actions: list[tuple[str, str]]) -> None:
        self.person.choices = [("", _l("Everyone"))] + people
        self.action.choices = [("", _l("All"))] + actions

    def validate_entry(self, field) -> None:
        if field.data and Entry.id_from_code(field.data) is None:
            raise ValidationError(_l("Type an entry code, such as E-00042."))
