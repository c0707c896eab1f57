"""`make serve` as an operator runs it: it migrates an empty database and serves it with gunicorn, or refuses
in one readable line when SECRET_KEY is missing."""
from __future__ import annotations

import json
import os
import subprocess
import urllib.request

from sqlalchemy import create_engine, text

from contest import PROJECT_ROOT
from tests.served.server import empty_schema, free_port, production_environment, served_by


def test_make_serve_refuses_without_a_secret_key(postgres_server):
    environment = {key: value for key, value in production_environment(postgres_server).items()
                   if key != "SECRET_KEY"}
    refused = subprocess.run(["make", "-s", "serve"], cwd=PROJECT_ROOT, env=environment, capture_output=True,
                             text=True, timeout=300)
    assert refused.returncode != 0
    assert "The app refuses to start: SECRET_KEY is unset" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_make_serve_migrates_and_serves_with_json_logs(tmp_path, postgres_server, redis_server):
    port = free_port()
    with empty_schema(postgres_server) as database_url:
        environment = production_environment(database_url, REDIS_URL=redis_server, BIND=f"127.0.0.1:{port}",
                                             WEB_CONCURRENCY="2", PATH=f"{PROJECT_ROOT / '.venv' / 'bin'}:"
                                                                       f"{os.environ['PATH']}")
        with served_by(["make", "-s", "serve"], port, tmp_path, environment, workers=2, json_only=False) as served:
            with urllib.request.urlopen(f"{served.url}/healthz", timeout=30) as answer:
                assert json.load(answer) == {"status": "ok", "database": "ok", "redis": "ok"}
            with urllib.request.urlopen(f"{served.url}/auth/login", timeout=30) as answer:
                assert answer.status == 200
            engine = create_engine(database_url)
            with engine.connect() as connection:  # make serve ran the migrations
                assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
                assert connection.scalar(text("SELECT count(*) FROM users")) == 0
            engine.dispose()
            assert len(served.worker_pids()) == 2
            assert any(record["path"] == "/auth/login" for record in served.access_records())
