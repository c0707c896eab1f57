from flask import Blueprint

bp = Blueprint("prizes", __name__)

from contest.prizes import views  # noqa: E402,F401  (routes attach to bp)
