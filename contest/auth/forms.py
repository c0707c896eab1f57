"""Account forms: registration, sign-in, password change and invitation."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from contest.forms import BaseForm
from contest.i18n import by_name
from contest.models import CATEGORY_LABELS, REGIONS, User


def category_choices():
    return [("", _l("Choose…"))] + by_name((c.value, label) for c, label in CATEGORY_LABELS.items())


def region_choices():
    return [("", _l("Choose…"))] + by_name(REGIONS.items())


def long_enough(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(n)d characters.", n=minimum))


def new_password_fields(label=_l("New password")):
    """The 'password + repeat' pair every password-setting form shares."""
    return (
        PasswordField(label, validators=[DataRequired(), long_enough]),
        PasswordField(_l("Repeat the password"),
                      validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))]),
    )


PHONE = Regexp(r"^\+?[0-9 ()-]{7,20}$", message=_l("Enter a phone number such as +998 90 123 45 67."))


class ProfileFields:
    """Who a participant is: the data eligibility and the organizers' statistics rest on."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), choices=category_choices, validators=[DataRequired()])
    organization = StringField(_l("Organization (university, school or enterprise)"),
                               validators=[DataRequired(), Length(max=200)])
    region = SelectField(_l("Region"), choices=region_choices, validators=[DataRequired()])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), PHONE])


class RegistrationForm(ProfileFields, BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password, confirm = new_password_fields(_l("Password"))
    submit = SubmitField(_l("Create account"))

    def validate_email(self, field):
        if User.by_email(field.data):
            raise ValidationError(_l("An account with this email already exists."))


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(lazy_pgettext("action", "Sign in"))


class ChangePasswordForm(BaseForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Change password"))


class ResetRequestForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class SetPasswordForm(BaseForm):
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Set password"))
