"""Prize forms: the catalogue, a new country, the what-if, a winner's ranked countries."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from contest.forms import BaseForm, VersionedForm
from contest.models import SHARE_RULES
from contest.organizer.forms import SoumField, TashkentDateTimeField


class CostField(SoumField):
    """Whole soums as SoumField reads them, but a minus sign is read too, so the rule that refuses a
    negative cost can say so in words instead of "not a number"."""

    def process_formdata(self, valuelist):
        if valuelist:
            raw = re.sub(r"[\s\u00a0\u202f,]", "", valuelist[0]).removesuffix("UZS")
            if not raw:
                self.data = None
                return
            if not re.fullmatch(r"-?\d+", raw):
                self.data = None
                raise ValueError(_l("Enter a whole number of soums, e.g. 15 000 000 000."))
            self.data = int(raw)


class _Row(BaseForm):
    class Meta:
        csrf = False


class PrizeRowForm(VersionedForm, _Row):
    id = HiddenField()
    name = StringField(_l("Prize"), validators=[Length(max=120)])
    cost = CostField(_l("Cost (UZS)"))


class CountryRowForm(VersionedForm, _Row):
    id = HiddenField()
    name = StringField(_l("Country"), validators=[Length(max=80)])
    cost = CostField(_l("Cost per person (UZS)"))
    capacity = IntegerField(_l("Places"), validators=[Optional()])


class CatalogueForm(VersionedForm, BaseForm):
    """The season's prize settings (the form's own version) and a row per prize and country (each its own)."""

    internship_places = IntegerField(_l("Internship places"), validators=[InputRequired()])
    share_rule = SelectField(_l("How the places are shared between the contests"),
                             choices=lambda: list(SHARE_RULES.items()))
    preferences_close_at = TashkentDateTimeField(_l("Preferences close (Tashkent time)"), validators=[Optional()])
    prizes = FieldList(FormField(PrizeRowForm))
    countries = FieldList(FormField(CountryRowForm))
    submit = SubmitField(_l("Save the catalogue"))


class NewCountryForm(BaseForm):
    code = StringField(_l("Code (e.g. FR)"), validators=[DataRequired(), Length(max=8)])
    name = StringField(_l("Country"), validators=[DataRequired(), Length(max=80)])
    cost = CostField(_l("Cost per person (UZS)"), validators=[InputRequired()])
    capacity = IntegerField(_l("Places"), validators=[InputRequired()])
    add = SubmitField(_l("Add the country"))


class ChangeFields(BaseForm):
    """One change to a country's cost or places, or to a fixed prize's cost."""

    target = SelectField(_l("Change"), validators=[InputRequired()])
    cost = CostField(_l("New cost (UZS)"))
    capacity = IntegerField(_l("New number of places"), validators=[Optional()])


class ApplyChangeForm(VersionedForm, ChangeFields):
    """The what-if's apply button, at the version of the country or prize it was computed from."""


class WhatIfForm(ChangeFields):
    """Read from the query string: it computes, it never saves; the apply button posts it again."""

    class Meta:
        csrf = False


class PreferencesForm(BaseForm):
    countries = FieldList(StringField(), min_entries=0)
    submit = SubmitField(_l("Save my choices"))
