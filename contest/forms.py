"""The base of every form: Flask-WTF's CSRF, and WTForms' own messages in the reader's language."""
from __future__ import annotations

from flask_wtf import FlaskForm

from contest.i18n import FORM_MESSAGES


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            """WTForms' public hook for its validators' messages: our catalog first, then WTForms'."""
            return FORM_MESSAGES
