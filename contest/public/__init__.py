from flask import Blueprint

bp = Blueprint("public", __name__)

from contest.public import views  # noqa: E402,F401  (routes attach to bp)
