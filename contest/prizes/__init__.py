from flask import Blueprint

bp = Blueprint("prizes", __name__)

from contest.prizes import views  # noqa: F401  (routes attach to bp)
