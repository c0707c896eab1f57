"""`/healthz`: what a load balancer asks before sending traffic."""
from __future__ import annotations

from unittest import mock

import redis
from sqlalchemy.exc import OperationalError


def test_health_answers_json_without_touching_the_session(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert "Set-Cookie" not in answer.headers


def test_an_unreachable_database_makes_the_server_unhealthy(client):
    with mock.patch("contest.health.views.db.session.execute", side_effect=OperationalError("SELECT 1", {}, None)):
        answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json["status"] == "unavailable" and answer.json["database"] == "unavailable"


def test_redis_is_checked_when_configured(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json["redis"] == "unavailable"
    with mock.patch.object(redis.Redis, "ping", return_value=True):
        assert client.get("/healthz").json == {"status": "ok", "database": "ok", "redis": "ok"}
