"""Buttons that change data: a CSRF-checked POST, then one commit, or one rollback and a message."""
from __future__ import annotations

from typing import Callable

from flask import abort, flash
from flask_wtf import FlaskForm

from contest.extensions import db


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button (submit, withdraw, remove, publish...)."""


def perform(change: Callable[[], object], refusals: tuple[type[Exception], ...], done: str | Callable[[object], str],
            category: str = "success") -> bool:
    """Run a service change for a button press.

    The change only flushes; here it is committed and ``done`` is flashed, or, when the
    service refuses with one of ``refusals``, everything is rolled back and each problem is
    flashed. A request without a valid CSRF token gets 400 before anything runs.
    """
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        outcome = change()
    except refusals as error:
        db.session.rollback()
        for problem in getattr(error, "problems", None) or [str(error)]:
            flash(problem, "danger")
        return False
    db.session.commit()
    flash(done(outcome) if callable(done) else done, category)
    return True
