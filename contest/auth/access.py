"""Who is signed in, and which role may open which page."""
from __future__ import annotations

from functools import cache, wraps
from urllib.parse import urlsplit

from flask import Flask, abort, g
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required

from contest.extensions import db
from contest.models import Role, User


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    from contest.api.auth import load_token_user

    login_manager.request_loader(load_token_user)


def load_user(user_id: str) -> User | None:
    """Cookies carry 'id.session_version'; an old version means a session that was ended.
    The API is never opened by a cookie: there only a bearer token counts (contest/api/auth.py)."""
    from contest.api.auth import is_api_request

    if is_api_request():
        return None
    try:
        raw_id, raw_version = user_id.split(".")
        user = db.session.execute(_user_statement(), {"user_id": int(raw_id)}).scalar_one_or_none()
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if user is None or user.session_version != version:
        return None
    g.user_id = user.id  # for the request's access log line
    return user


@cache
def _user_statement():
    """The signed-in user's row, read on every request: a statement built (and keyed) once."""
    return db.select(User).where(User.id == db.bindparam("user_id"))


def role_required(*roles: Role):
    """Sign-in first, then the role; a signed-in user of another role gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(Role.ORGANIZER, Role.ADMIN)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site may follow a login: no scheme, no host, no '//' tricks."""
    if not target or "\\" in target or any(ch in target for ch in "\r\n\t"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
