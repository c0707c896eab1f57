from flask import Blueprint

bp = Blueprint("auth", __name__)

from contest.auth import views  # noqa: E402,F401  (routes attach to bp)
