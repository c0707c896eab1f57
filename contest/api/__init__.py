"""The JSON API under /api/v1: bearer tokens, the pages' own predicates and services, an OpenAPI document.

Routes attach to ``bp`` (a flask-smorest blueprint, so that their schemas make the document at
/api/v1/openapi.json). :func:`init_app` gives each app its own ``Api`` (the document of that app).
"""
from __future__ import annotations

from flask import Flask, current_app
from flask_smorest import Api, Blueprint

from contest.api.auth import API_PREFIX

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
        "info": {"description": "Every answer is JSON, errors included ({code, status, message, errors}). "
                                "Lists come in pages (page, per_page) with total and links."},
    },
}


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _limit_key() -> str:
    """One budget per token (a script behind a shared address is not starved by another), else per address."""
    from flask import request
    from flask_limiter.util import get_remote_address

    from contest.api.auth import bearer_secret
    from contest.models.people import hash_token

    secret = bearer_secret()
    return f"api-token:{hash_token(secret)}" if secret else f"api-address:{get_remote_address() or request.path}"


def init_app(app: Flask) -> None:
    from contest import RowIdConverter
    from contest.extensions import csrf

    for key, value in SPEC.items():
        app.config.setdefault(key, value)
    api = Api(app)
    api.register_converter(RowIdConverter, lambda _converter: {"type": "integer", "minimum": 0,
                                                                "maximum": 2**31 - 1})
    csrf.exempt(bp)  # bearer tokens, never cookies: there is no ambient credential to forge a request with
    api.register_blueprint(bp, url_prefix=API_PREFIX)


def _limit_blueprint() -> None:
    """Every API route shares one limit (API_RATE_LIMIT) per token; the limiter keeps it, so it is set once."""
    from contest.extensions import limiter

    limiter.limit(_rate_limit, key_func=_limit_key)(bp)


_limit_blueprint()

from contest.api import views  # noqa: E402,F401  (routes attach to bp)
