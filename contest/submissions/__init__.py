from flask import Blueprint

bp = Blueprint("submissions", __name__)

from contest.submissions import views  # noqa: E402,F401  (routes attach to bp)
