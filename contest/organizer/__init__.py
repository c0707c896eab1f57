"""The organizers' area (its routes in ``views``, ``panel`` and ``audit``)."""
from flask import Blueprint, abort, redirect, url_for

from contest.models import Season

bp = Blueprint("organizer", __name__)


def current_season() -> Season:
    """The current season; while there is none, the organizer is sent to create it."""
    season = Season.current()
    if season is None:
        abort(redirect(url_for("organizer.new_season")))
    return season


from contest.organizer import audit, panel, views  # noqa: E402,F401  (routes attach to bp)
