from flask import Blueprint

bp = Blueprint("tokens", __name__)

from contest.tokens import views  # noqa: E402,F401  (routes attach to bp)
