"""Issuing an API token: a name to recognise it by, and what it may do (within the owner's role)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from contest.forms import BaseForm
from contest.models import Role
from contest.models.api_tokens import ROLE_SCOPES, SCOPE_LABELS


class TokenForm(BaseForm):
    name = StringField(_l("Token name"), validators=[DataRequired(_l("Give the token a name.")), Length(max=80)])
    scopes = SelectMultipleField(_l("Permissions"), validators=[DataRequired(_l("Choose at least one permission."))],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    issue = SubmitField(_l("Issue a token"))


def token_form(role: Role, **kwargs) -> TokenForm:
    """The form with the permissions this role may grant, all ticked until the person unticks some."""
    form = TokenForm(**kwargs)
    form.scopes.choices = [(scope, SCOPE_LABELS[scope]) for scope in ROLE_SCOPES.get(role, ())]
    if not form.is_submitted():
        form.scopes.data = [scope for scope, _label in form.scopes.choices]
    return form
