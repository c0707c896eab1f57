"""Changes made from the web: one commit, or one rollback and the reason shown to the user.

Services only flush; a view hands its change to :func:`commit_change` (a form that was already
validated) or :func:`perform` (a button: a CSRF-checked POST with no fields). What cannot be
undone is asked first on a :func:`confirmation_page`, and runs only when :func:`confirmed`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import abort, flash, render_template
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired

from contest.extensions import db


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button (submit, remove, detect...)."""


class ConfirmForm(FlaskForm):
    """The confirmation page's form: an action that cannot be undone runs only with its ``confirm``."""

    confirm = HiddenField(default="yes", validators=[InputRequired()])


def confirmed() -> bool:
    """Whether this POST was sent from a confirmation page (its ``confirm`` and a valid CSRF token).

    An action answers anything else by sending the user to its confirmation page, so an old form,
    a replayed request or a script without ``confirm`` changes nothing.
    """
    return ConfirmForm().validate_on_submit()


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


def confirmation_page(confirmation: Confirmation):
    """The one page that asks before an action that cannot be undone; it writes nothing."""
    return render_template("confirm.html", confirmation=confirmation, form=ConfirmForm())


def flash_problems(error: Exception) -> None:
    """Each problem of a refusal as an error message (``problems`` if the error lists them)."""
    for problem in getattr(error, "problems", None) or [str(error)]:
        flash(problem, "danger")


def under(field) -> Callable[[Exception], None]:
    """A refusal shown under a form field, so the form comes back with what was typed."""
    return lambda error: field.errors.append(str(error))


def commit_change(change: Callable[[], object], refusals: tuple[type[Exception], ...],
                  done: str | Callable[[object], str], category: str = "success",
                  refused: Callable[[Exception], None] = flash_problems) -> bool:
    """Run a service change and commit it, flashing ``done`` (or ``done(outcome)``).

    When the service refuses with one of ``refusals`` everything is rolled back and the error
    goes to ``refused`` (by default each problem is flashed). Returns whether it was saved.
    """
    try:
        outcome = change()
    except refusals as error:
        db.session.rollback()
        refused(error)
        return False
    db.session.commit()
    flash(done(outcome) if callable(done) else done, category)
    return True


def perform(change: Callable[[], object], refusals: tuple[type[Exception], ...], done: str | Callable[[object], str],
            category: str = "success") -> bool:
    """Run a service change for a button press; a request without a valid CSRF token gets 400
    before anything runs. See :func:`commit_change`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    return commit_change(change, refusals, done, category)
