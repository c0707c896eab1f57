"""What gunicorn really writes in production: only JSON lines, and each request's lines share its id."""
from __future__ import annotations

import subprocess
import sys
import urllib.request

from contest import PROJECT_ROOT
from tests.served.server import Browser, gunicorn, production_environment

PASSWORD = "organizer-pass-1"


def test_gunicorn_writes_json_lines_that_carry_the_request_id(tmp_path, served_database, redis_server):
    environment = production_environment(served_database, REDIS_URL=redis_server)
    subprocess.run([sys.executable, "-m", "flask", "create-user", "--role", "organizer", "--email", "org@example.uz",
                    "--name", "Organizer", "--password", PASSWORD], cwd=PROJECT_ROOT, env=environment, check=True,
                   capture_output=True, timeout=120)
    with gunicorn(tmp_path, environment, workers=2) as served:
        sent = urllib.request.Request(f"{served.url}/healthz", headers={"X-Request-ID": "balancer-1234"})
        with urllib.request.urlopen(sent, timeout=30) as answer:
            assert answer.headers["X-Request-ID"] == "balancer-1234"
        browser = Browser(served.url)
        token = browser.csrf_token("/auth/login")
        status, _page = browser.post("/auth/login", {"csrf_token": token, "email": "org@example.uz",
                                                     "password": PASSWORD})
        assert status == 302
        assert browser.get("/organizer/seasons/new")[0] == 200
        records = served.log_records()  # every line of stdout and stderr parses as JSON

    gunicorn_lines = [record for record in records if record["logger"] == "gunicorn.error"]
    assert any(record["message"].startswith("Booting worker") for record in gunicorn_lines)
    access = {(record["method"], record["path"]): record for record in served.access_records()}
    assert access[("GET", "/healthz")]["request_id"] == "balancer-1234"
    assert access[("GET", "/healthz")]["status"] == 200
    signed_in, page = access[("POST", "/auth/login")]["user_id"], access[("GET", "/organizer/seasons/new")]
    assert signed_in is not None and page["user_id"] == signed_in
    assert page["status"] == 200 and page["duration_ms"] > 0
    ids = [record["request_id"] for record in served.access_records()]
    assert len(ids) == len(set(ids))  # a fresh id for every request that brought none
