"""The import form: one workbook, checked for its content (not its name) by the service."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from contest.forms import BaseForm


class ImportForm(BaseForm):
    file = FileField(_l("Filled-in template (.xlsx)"), validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Check and import"))
