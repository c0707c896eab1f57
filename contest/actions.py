"""Changes made from the web: made, or undone with the reason shown to the user.

Services only flush, and the request commits once at its end (``contest.edge``); a view hands its
change to :func:`commit_change` (a form that was already validated) or :func:`perform` (a button: a
CSRF-checked POST with no fields), or runs it in :func:`attempt` and answers a refusal itself. What cannot be
undone is asked first on a :func:`confirmation_page`, and runs only when :func:`confirmed`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import InputRequired

from contest.catalogue import Refusal
from contest.extensions import db
from contest.forms import BaseForm
from contest.i18n import say
from contest.services.versions import StaleEdit

T = TypeVar("T")


class ActionForm(BaseForm):
    """An empty form: a CSRF-protected button (submit, remove, detect...)."""


class ConfirmForm(BaseForm):
    """The confirmation page's form: an action that cannot be undone runs only with its ``confirm``."""

    confirm = HiddenField(default="yes", validators=[InputRequired()])
    seen = HiddenField()  # the fingerprint of what the page said would happen


def fingerprint(*what) -> str:
    """A short digest of what an action would do (the version it makes, its inputs), so that the
    action can tell whether it would still do what its confirmation page said."""
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:24]


def confirmed(would_do: str | None = None) -> bool:
    """Whether this POST was sent from a confirmation page (its ``confirm`` and a valid CSRF token)
    and, given the ``fingerprint`` of what the action would do now, whether that is still what the
    page showed.

    An action answers anything else by sending the user to its confirmation page, so an old form,
    a replayed request or a script without ``confirm`` changes nothing, and a change made by
    someone else in between (new scores, another publication) is read before it is committed.
    """
    form = ConfirmForm()
    if not form.validate_on_submit():
        return False
    # The page always sends what it showed; a client that read no page (a script) acts on what is there now.
    if would_do is not None and form.seen.data and form.seen.data != would_do:
        flash(_("What this would do has changed since the confirmation page was shown: read it again."), "warning")
        return False
    return True


@dataclass
class Confirmation:
    """What a confirmation page says before an action that cannot be undone.

    ``consequences`` say exactly what will happen (who is affected, which version is made);
    ``refusals`` say why it cannot be done now (then there is no button); ``carried`` are the
    fields the action needs from the page before it (a window that was typed, a method chosen).
    """

    title: str
    action_url: str
    submit_label: str
    back_url: str
    consequences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    carried: dict[str, str] = field(default_factory=dict)
    danger: bool = False
    seen: str = ""  # fingerprint() of what the consequences describe, checked by confirmed()


def confirmation_page(confirmation: Confirmation):
    """The one page that asks before an action that cannot be undone; it writes nothing."""
    return render_template("confirm.html", confirmation=confirmation, form=ConfirmForm(seen=confirmation.seen))


def flash_problems(error: Exception, category: str = "danger") -> None:
    """Each problem of a refusal flashed as it is told (see :func:`refusal_texts`)."""
    for text in refusal_texts(error):
        flash(text, category)


def under(field) -> Callable[[Exception], None]:
    """A refusal shown under a form field, so the form comes back with what was typed."""
    return lambda error: field.errors.extend(refusal_texts(error))


def refusal_texts(error: Exception) -> list[str]:
    """A refusal's messages in the reader's language; an older refusal's ``problems``, or its text."""
    if isinstance(error, Refusal):
        return [say(message) for message in error.messages]
    return list(getattr(error, "problems", None) or [str(error)])


def attempt(change: Callable[[], T], retries: int = 1) -> T:
    """Run a service change inside a SAVEPOINT: if it raises, its writes (and the audit events and jobs
    it staged) are undone and the request goes on, to answer with what was typed; the request's one
    commit happens at the edge (``contest.edge``).

    A ``StaleDataError`` means another save of the same row committed between the service's version
    check and its write: the change runs once more against what is stored now, where that check sees
    the new version and names what changed (or, if nothing the form shows did, saves over the part it
    does not show). Raced again, it is a :class:`StaleEdit`.
    """
    try:
        with db.session.begin_nested():
            return change()
    except StaleDataError as race:
        if not retries:
            raise StaleEdit([], []) from race
        return attempt(change, retries - 1)


def commit_change(change: Callable[[], object], refusals: tuple[type[Exception], ...],
                  done: str | Callable[[object], str], category: str = "success",
                  refused: Callable[[Exception], None] = flash_problems) -> bool:
    """Make a service change (see :func:`attempt`), flashing ``done`` (or ``done(outcome)``); the
    request commits it at its end.

    When the service refuses with a :class:`Refusal`, one of ``refusals``, or as stale
    (:class:`StaleEdit`: the form was read at an older version), the change is undone and the error
    goes to ``refused`` (by default each problem is flashed). Returns whether it was made.
    """
    try:
        outcome = attempt(change)
    except (Refusal, *refusals, StaleEdit) as error:
        refused(error)
        return False
    flash(done(outcome) if callable(done) else done, category)
    return True


def remove_at_version(remove: Callable[[int | None], object], refusals: tuple[type[Exception], ...],
                      done: str | Callable[[object], str], back: str, category: str = "info"):
    """A button that removes a versioned row as of the version its page showed (the form's ``version``),
    then goes ``back``. See :func:`perform`."""
    perform(lambda: remove(request.form.get("version", type=int)), refusals, done, category)
    return redirect(back)


def perform(change: Callable[[], object], refusals: tuple[type[Exception], ...], done: str | Callable[[object], str],
            category: str = "success") -> bool:
    """Run a service change for a button press; a request without a valid CSRF token gets 400
    before anything runs. See :func:`commit_change`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    return commit_change(change, refusals, done, category)
