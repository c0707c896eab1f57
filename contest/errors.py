"""Error pages in the site's style; no stack trace ever reaches a user."""
from __future__ import annotations

import time

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from contest.api.auth import is_api_request
from contest.api.errors import error_response, from_http_exception
from contest.catalogue import Refusal
from contest.edge import WriteOnSafeRequest, abandon
from contest.extensions import limiter
from contest.i18n import say

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This action is not allowed here.")),
    413: (_l("File too large"), _l("The upload is larger than the site accepts. Nothing else was lost: "
                                    "go back and choose a smaller file.")),
    422: (_l("Cannot process"), _l("The data sent could not be processed.")),
    429: (_l("Too many attempts"), _l("There were too many attempts to enter a password here. "
                                      "Please wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; "
                                          "please try again later.")),
}


def render_error(code: int, detail: str | None = None):
    if is_api_request():
        return error_response(code, detail)
    title, message = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(detail or message), status=code), code
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def init_app(app: Flask) -> None:
    """Registered after the blueprints, so these handlers replace the one flask-smorest's ``Api`` registers
    for every HTTPException of the app: HTML pages stay HTML, and under /api/v1 the answer is the API's JSON."""
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, str(_l("The form expired or was sent from elsewhere. Please try again.")))

    @app.errorhandler(RateLimitExceeded)
    def too_many_attempts(error: RateLimitExceeded):
        """The same page whether the account exists or not; Retry-After says when the window frees."""
        response = make_response(render_error(429))
        response.headers["Retry-After"] = str(max(1, int(limiter.current_limit.reset_at - time.time())))
        return response

    @app.errorhandler(Refusal)
    def refused(error: Refusal):
        """A service's refusal that its view did not answer: its reasons, in the reader's language (422)."""
        if is_api_request():
            return error_response(422, refusal=error)
        return render_error(422, " ".join(say(message) for message in error.messages))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400:
            return error
        if is_api_request():
            return from_http_exception(error)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if isinstance(error, WriteOnSafeRequest):
            raise error  # a bug the tests must see, not a page
        app.logger.exception("Unhandled error on %s", request.path)
        abandon()
        return render_error(InternalServerError.code)
