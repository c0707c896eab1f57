from flask import Blueprint

bp = Blueprint("organizer", __name__)

from contest.organizer import audit, panel, views  # noqa: E402,F401  (routes attach to bp)
