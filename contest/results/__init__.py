from flask import Blueprint

bp = Blueprint("results", __name__)

from contest.results import views  # noqa: E402,F401  (routes attach to bp)
