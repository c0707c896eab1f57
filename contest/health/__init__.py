from flask import Blueprint

bp = Blueprint("health", __name__)

from contest.health import views  # noqa: E402,F401  (routes attach to bp)
