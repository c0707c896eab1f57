"""The public front page and each role's home."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from contest.main import bp
from contest.models import Role, Season


@bp.get("/")
def index():
    return render_template("main/index.html", season=Season.current())


@bp.get("/dashboard")
@login_required
def dashboard():
    """Each role starts where its work is."""
    if current_user.role is Role.PARTICIPANT:
        return redirect(url_for("submissions.my_entries"))
    if current_user.is_staff:
        return redirect(url_for("organizer.overview"))
    return redirect(url_for("judging.queue"))
