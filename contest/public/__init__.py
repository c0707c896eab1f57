from flask import Blueprint

from contest.public.sessions import SharedPageSessions

bp = Blueprint("public", __name__)
# Pages the same for every visitor must neither read nor set the session cookie (see sessions.py).
bp.record_once(lambda state: setattr(state.app, "session_interface", SharedPageSessions()))

from contest.public import views  # noqa: E402,F401  (routes attach to bp)
