"""The base of every form: Flask-WTF's CSRF, and WTForms' own messages in the reader's language."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, Field, HiddenField, StringField

from contest.i18n import FORM_MESSAGES
from contest.models.versioned import Versioned
from contest.services import versions
from contest.services.versions import Seen, StaleEdit


class Shown:
    """A field of ours that writes its value for its input itself (soums grouped, Tashkent time): the
    input (WTForms' widget hook ``_value``) and the "changed since" box both show :meth:`shown_text`."""

    def shown_text(self) -> str:
        raise NotImplementedError

    def _value(self) -> str:
        return self.shown_text()


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            """WTForms' public hook for its validators' messages: our catalog first, then WTForms'."""
            return FORM_MESSAGES


@dataclass(frozen=True)
class StaleRow:
    """One line of the "changed since you opened it" box: what is saved now against what was typed."""

    label: str
    stored: str
    typed: str


class StaleChanges:
    """A mixin for a form that saves versioned records: when a save is refused as stale, the form
    keeps what was typed and shows beside it what is saved now (``stale``), and its rows carry the
    fresh versions so the next save goes through."""

    stale: tuple[StaleRow, ...] = ()
    stale_message = versions.STALE_MESSAGE

    def refused_or(self, otherwise: Callable[[Exception], None]) -> Callable[[Exception], None]:
        """For :func:`contest.actions.commit_change`: a stale save fills the box; any other refusal
        goes to ``otherwise``. Either way the form comes back with what was typed."""
        def refused(error: Exception) -> None:
            if isinstance(error, StaleEdit):
                self.show_stale(error)
            else:
                otherwise(error)
        return refused

    def refused_under(self, field: Field) -> Callable[[Exception], None]:
        """As :meth:`refused_or`, with any other refusal shown under ``field``."""
        from contest.actions import refusal_texts  # the actions build on these forms

        return self.refused_or(lambda error: field.errors.extend(refusal_texts(error)))

    def show_stale(self, error: StaleEdit) -> None:
        """Name what changed beside what was typed, and carry the fresh versions for the next save."""
        fields = {f.name: f for f in _fields_of(self)}
        for fresh in error.fresh:
            fields[fresh.key + "version"].data = fresh.version
            fields[fresh.key + "seen"].data = versions.encode(fresh.digests)
        rows = []
        for change in error.changes:
            typed = fields[change.key + change.name]
            label = f"{change.record} · {typed.label.text}" if change.record else str(typed.label.text)
            rows.append(StaleRow(label, _shown(typed, change.stored), _shown(typed)))
        self.stale = tuple(rows) or (StaleRow(str(_l("Everything on this form")), "", ""),)


class VersionedForm(StaleChanges):
    """A mixin for the edit form of one :class:`Versioned` record, or of one row of a list form: it
    carries the version it was read at and a digest of each value it showed."""

    version = HiddenField()
    seen = HiddenField()

    @staticmethod
    def stamp(record: Versioned | None, shown: Mapping[str, object]) -> dict:
        """Form data for a record read now: the values the form shows, its version and their digests
        (version 0 for a record not made yet: whoever makes it first makes this form stale)."""
        return {**shown, "version": record.version if record is not None else 0,
                "seen": versions.encode(versions.digests(shown))}

    def read_at(self) -> Seen:
        """What this form (or row) was read at, as it came back."""
        version = self.version.data
        return Seen(version=int(version) if str(version or "").isdigit() else None,
                    digests=versions.decode(self.seen.data),
                    key=self.version.name.removesuffix(self.version.short_name))


def answer_status(*forms) -> int:
    """A page's status after a POST: 409 for a stale save, 422 for input to correct, else 200."""
    if any(getattr(form, "stale", ()) for form in forms if form is not None):
        return 409
    return 422 if any(form is not None and form.errors for form in forms) else 200


def _fields_of(form) -> Iterator[Field]:
    """Every field of a form, the fields of its list rows included."""
    for field in form:
        if hasattr(field, "entries"):              # a FieldList
            for entry in field.entries:
                yield from _fields_of(entry.form) if hasattr(entry, "form") else (entry,)
        elif hasattr(field, "form"):               # a FormField
            yield from _fields_of(field.form)
        else:
            yield field


_TYPED = object()


def _shown(field: Field, value: object = _TYPED) -> str:
    """A field's value as its input shows it: what was typed, or ``value`` (a stored one) written
    the way the field writes it (soums grouped, Tashkent time, a choice's label)."""
    if value is _TYPED:
        return _text(field)
    typed = field.data, field.raw_data, field.object_data, field.process_errors
    try:
        field.raw_data = None
        field.process(None, value)
        return _text(field)
    finally:
        field.data, field.raw_data, field.object_data, field.process_errors = typed


def _text(field: Field) -> str:
    """What the field's input shows, read from the field's public attributes as WTForms' inputs write
    it: a choice's label; our own fields' text (:class:`Shown`); numbers and times as typed, else the
    value (a decimal to its places)."""
    if getattr(field, "choices", None):
        labels = {str(choice[0]): str(choice[1]) for choice in field.iter_choices()}
        return labels.get(str(field.data), str(field.data or ""))
    if isinstance(field, Shown):
        return field.shown_text()
    if field.raw_data and not isinstance(field, StringField):
        return " ".join(field.raw_data)
    if field.data is None:
        return ""
    if isinstance(field, DecimalField) and field.places is not None and isinstance(field.data, Decimal):
        return str(field.data.quantize(Decimal(1).scaleb(-field.places)))
    return str(field.data)
