from flask import Blueprint

bp = Blueprint("imports", __name__)

from contest.imports import views  # noqa: E402,F401  (routes attach to bp)
