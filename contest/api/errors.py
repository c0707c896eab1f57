"""The API's errors: always JSON, shaped as the OpenAPI document says (flask-smorest's ErrorSchema).

The app's error handlers (contest/errors.py) answer with :func:`error_response` for any request
under the API prefix, so an unknown address, a wrong method, a rate limit or an unexpected failure
there is JSON too, never the HTML error page.
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from contest.catalogue import Refusal
from contest.i18n import say

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Send a valid API token: Authorization: Bearer <token>."),
    403: _l("This token may not do this."),
    404: _l("There is nothing at this address, or this token may not see it."),
    405: _l("This method is not allowed here."),
    409: _l("The request conflicts with the current state of the resource."),
    413: _l("The request is larger than the site accepts."),
    422: _l("The data sent could not be processed."),
    429: _l("Too many requests with this token; wait a little, then try again."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
}


def error_response(code: int, message: str | None = None, errors: dict | None = None, headers: dict | None = None,
                   refusal: Refusal | None = None):
    """The JSON error; a refusal's message is each of its messages in the reader's language, and ``refusals``
    carry their codes and parameters, for a program to act on."""
    if refusal is not None:
        message = message or " ".join(say(item) for item in refusal.messages)
    payload = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"),
               "message": str(message or MESSAGES.get(code, MESSAGES[500]))}
    if errors:
        payload["errors"] = errors
    if refusal is not None:
        payload["refusals"] = [item.as_json() for item in refusal.messages]
    response = jsonify(payload)
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    response.headers.update(headers or {})
    return response


def from_http_exception(error: HTTPException):
    """An abort in the API: webargs' validation problems (422) come as ``errors``, by field."""
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    return error_response(error.code or 500, data.get("message"), errors if isinstance(errors, dict) else None,
                          data.get("headers"))
