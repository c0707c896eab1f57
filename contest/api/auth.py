"""Who calls the API: the owner of the bearer token, and never the holder of a session cookie.

Flask-Login asks :func:`load_cookie_user` (the app's user loader) first; under the API prefix it
answers no one, so a browser's session or remember cookie counts for nothing there, and Flask-Login
then asks :func:`load_token_user` (its request loader), which reads only the Authorization header.
Everywhere else the header counts for nothing. `current_user` is thus the token's owner inside the
API, and the services (the audit log's actor, the judges' predicates) need no second path.
"""
from __future__ import annotations

from flask import g, request

from contest.models import ApiToken, User

API_PREFIX = "/api/v1"


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def bearer_secret() -> str | None:
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def load_token_user(_request) -> User | None:
    """The owner of a live token named by the Authorization header, on API requests only."""
    if not is_api_request():
        return None
    secret = bearer_secret()
    token = ApiToken.by_secret(secret) if secret else None
    if token is None:
        return None
    g.api_token = token
    g.user_id = token.owner_id  # for the request's access log line
    return token.owner


def current_token() -> ApiToken | None:
    return g.get("api_token")
