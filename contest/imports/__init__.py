from flask import Blueprint

bp = Blueprint("imports", __name__)

from contest.imports import views  # noqa: F401  (routes attach to bp)
