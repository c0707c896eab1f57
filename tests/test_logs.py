"""Log lines are JSON objects that carry the request's id; the id comes from a sane X-Request-ID or is made."""
from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from flask import current_app

from contest.logs import ACCESS_LOGGER, LOGGING
from contest.models import Role


@pytest.fixture
def json_lines():
    """The production logging set-up (gunicorn.conf.py installs it), writing into a buffer."""
    buffer = io.StringIO()
    handlers = {name: {**handler, "stream": buffer} for name, handler in LOGGING["handlers"].items()}
    config = {**LOGGING, "handlers": handlers, "root": {"level": "INFO", "handlers": ["stdout"]}}
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.handlers[:], root.level = saved


def test_a_request_gets_an_id_echoed_in_the_response_and_on_its_access_line(client, json_lines):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    [access] = [line for line in json_lines() if line["logger"] == ACCESS_LOGGER]
    assert access["request_id"] == request_id
    assert (access["method"], access["path"], access["status"], access["user_id"]) == ("GET", "/healthz", 200, None)
    assert access["duration_ms"] >= 0 and access["level"] == "INFO" and access["time"].endswith("+00:00")


def test_a_sane_incoming_id_is_kept_and_a_strange_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.9c:01"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.9c:01"
    for strange in ("x" * 129, 'a"b', "two words", "<script>", ""):
        replaced = client.get("/healthz", headers={"X-Request-ID": strange}).headers["X-Request-ID"]
        assert replaced != strange and len(replaced) == 32


def test_every_record_emitted_during_a_request_carries_its_id(app, client, json_lines):
    @app.get("/log-something")
    def log_something():
        current_app.logger.warning("something happened to %s", "an entry")
        logging.getLogger("some.library").info("a library speaks")
        return "ok"

    response = client.get("/log-something", headers={"X-Request-ID": "trace-42"})
    assert response.headers["X-Request-ID"] == "trace-42"
    lines = json_lines()
    assert {(line["logger"], line["message"]) for line in lines} >= {
        ("contest", "something happened to an entry"), ("some.library", "a library speaks")}
    assert {line["request_id"] for line in lines} == {"trace-42"}


def test_the_access_line_names_the_signed_in_user(client, make_user, login, json_lines):
    judge = make_user(Role.JUDGE)
    login(judge)
    client.get("/judging/")
    access = [line for line in json_lines() if line["logger"] == ACCESS_LOGGER]
    assert [(line["method"], line["path"], line["user_id"]) for line in access] == [
        ("POST", "/auth/logout", None), ("POST", "/auth/login", judge.id), ("GET", "/judging/", judge.id)]


def test_records_outside_requests_have_no_id_and_exceptions_stay_on_one_line(json_lines):
    try:
        raise ValueError("broken\nacross lines")
    except ValueError:
        logging.getLogger("contest").exception("it failed")
    [line] = json_lines()
    assert "request_id" not in line
    assert line["message"] == "it failed" and "ValueError: broken\nacross lines" in line["exception"]
