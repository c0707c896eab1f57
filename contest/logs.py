"""Logs a machine can read: one JSON object per line, each carrying the id of the request it belongs to.

Every request gets an id: the `X-Request-ID` a load balancer sent, when it is a sane token, or a new
one. It is echoed in the response's `X-Request-ID` header and stamped on every log record emitted
while the request runs, whoever emits it (the app, a library, gunicorn), and one access line per
request records what was asked, the answer, how long it took and who asked.

gunicorn.conf.py installs :data:`LOGGING` in production; development keeps Flask's plain lines.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, g, has_request_context, request
from flask_login import user_logged_in

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like: a UUID, a hex or base64url token, a dotted or dashed trace id.
# Anything longer or stranger is replaced, so a client cannot forge log lines or fill the disk.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ACCESS_LOGGER = "contest.access"

# The attributes every LogRecord has; anything else on a record was passed in `extra=` and is logged.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, message, request id, pid, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Stamps the current request's id on records emitted during it (set on handlers, so it sees
    every logger's records, not only the app's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


def _handler(stream: str) -> dict:
    return {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"],
            "stream": f"ext://sys.{stream}"}


# logging.config.dictConfig form: the app's records and the access lines on stdout, gunicorn's own
# (start, workers, timeouts) on stderr; gunicorn's access log stays off, the app writes the access lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "filters": {"request_id": {"()": RequestIdFilter}},
    "handlers": {"stdout": _handler("stdout"), "stderr": _handler("stderr")},
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def request_id_from(header: str | None) -> str:
    """The incoming id when it is sane, else a fresh one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def init_app(app: Flask) -> None:
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def start_request() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        if "request_id" not in g:  # a request refused before its before_request functions ran
            g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        response.headers[REQUEST_ID_HEADER] = g.request_id
        started = g.get("request_started")
        access.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user_id": g.get("user_id"),
        })
        return response

    user_logged_in.connect(_remember_signed_in_user, app)


def _remember_signed_in_user(_app: Flask, user, **_extra) -> None:
    g.user_id = user.id
