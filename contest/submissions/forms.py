"""The entry form: the work itself, up to four co-authors, and the file upload."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, FieldList, Form, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from contest.auth.forms import category_choices
from contest.forms import BaseForm
from contest.i18n import by_name
from contest.models import MAX_AUTHORS
from contest.services.entries import CoAuthor, EntryDraft


class CoAuthorForm(Form):
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Category"), choices=category_choices, validators=[Optional()])
    organization = StringField(_l("Organization"), validators=[Optional(), Length(max=200)])


class EntryForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    field_id = SelectField(_l("Engineering field"), coerce=lambda v: int(v) if v else None,
                           validators=[Optional()])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)])
    description = TextAreaField(_l("Description"), validators=[Length(max=50000)])
    # No max_entries: extra rows reach the service, which refuses them with a message.
    co_authors = FieldList(FormField(CoAuthorForm), min_entries=MAX_AUTHORS - 1)
    save = SubmitField(_l("Save draft"))

    def set_fields(self, contest) -> None:
        self.field_id.choices = [("", _l("Choose…"))] + by_name((f.id, f.local_name) for f in contest.fields)

    def to_draft(self) -> EntryDraft:
        return EntryDraft(
            title=self.title.data or "", summary=self.summary.data or "", description=self.description.data or "",
            field_id=self.field_id.data,
            co_authors=tuple(CoAuthor(email=row.email.data or "", full_name=row.full_name.data or "",
                                      category=row.category.data or "", organization=row.organization.data or "")
                             for row in self.co_authors))

    def load(self, entry) -> None:
        self.title.data, self.summary.data, self.description.data = entry.title, entry.summary, entry.description
        self.field_id.data = entry.field_id
        for row, author in zip(self.co_authors, entry.authors[1:]):
            row.email.data = author.email or ""
            row.full_name.data = author.full_name
            row.category.data = author.category.value
            row.organization.data = author.organization


class UploadForm(BaseForm):
    file = FileField(_l("Document (PDF, PNG or JPEG)"), validators=[FileRequired(_l("Choose a file."))])
    upload = SubmitField(_l("Attach"))
