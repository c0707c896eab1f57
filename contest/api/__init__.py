"""The JSON API under /api/v1: bearer tokens, the pages' own predicates and services, an OpenAPI document.

Routes attach to ``bp`` (a flask-smorest blueprint, so that their schemas make the document at
/api/v1/openapi.json). :func:`init_app` gives each app its own ``Api`` (the document of that app).
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_smorest import Api, Blueprint

from contest.api.auth import API_PREFIX, current_token
from contest.extensions import csrf, limiter

bp = Blueprint("api", __name__, description="Seasons, contests, entries, a judge's assignments and marks, "
                                            "published rankings and awards.")

SPEC = {
    "API_TITLE": "Contest judging API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "A token issued on the API tokens page (organizers, or a judge for themselves)."}}},
        "info": {"description": "Every answer is JSON, errors included ({code, status, message, errors}; "
                                "a refused change adds refusals: [{code, ...its parameters}]). "
                                "Lists come in pages (page, per_page) with total and links."},
    },
}


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _limit_key() -> str:
    """One budget per live token (a program behind a shared address is not starved by another); requests
    without one share their address's, so made-up tokens buy no fresh budget."""
    if current_user.is_authenticated and current_token() is not None:  # reads the token once, for the request
        return f"api-token:{current_token().id}"
    return f"api-address:{get_remote_address()}"


def init_app(app: Flask) -> None:
    from contest import RowIdConverter  # the app's package, which imports this one only inside create_app

    for key, value in SPEC.items():
        app.config.setdefault(key, value)
    api = Api(app)
    api.register_converter(RowIdConverter, lambda _converter: {"type": "integer", "minimum": 0,
                                                                "maximum": 2**31 - 1})
    csrf.exempt(bp)  # bearer tokens, never cookies: there is no ambient credential to forge a request with
    api.register_blueprint(bp, url_prefix=API_PREFIX)


# Every API route shares one limit (API_RATE_LIMIT) per token; the limiter object keeps it, so it is set once.
limiter.limit(_rate_limit, key_func=_limit_key)(bp)

from contest.api import views  # noqa: E402,F401  (routes attach to bp)
