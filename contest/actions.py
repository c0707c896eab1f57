"""Changes made from the web: one commit, or one rollback and the reason shown to the user.

Services only flush; a view hands its change to :func:`commit_change` (a form that was already
validated) or :func:`perform` (a button: a CSRF-checked POST with no fields).
"""
from __future__ import annotations

from typing import Callable

from flask import abort, flash
from flask_wtf import FlaskForm

from contest.extensions import db


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button (submit, withdraw, remove, publish...)."""


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
