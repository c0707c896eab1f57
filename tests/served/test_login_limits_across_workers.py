"""Password guessing meets one budget however gunicorn spreads the attempts over its workers."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import redis

from tests.served.server import Browser, gunicorn, production_environment

LIMIT = 6


def test_failed_sign_ins_are_counted_once_across_gunicorn_workers(tmp_path, served_database, redis_server):
    prefix = f"served-limits-{uuid.uuid4().hex}"
    environment = production_environment(
        served_database, REDIS_URL=redis_server, RATELIMIT_KEY_PREFIX=prefix,
        CREDENTIAL_LIMIT_PER_ACCOUNT=f"{LIMIT} per 15 minutes", CREDENTIAL_LIMIT_PER_ADDRESS="1000 per 15 minutes")
    try:
        with gunicorn(tmp_path, environment, workers=2) as served:
            browser = Browser(served.url)
            token = browser.csrf_token("/auth/login")

            def guess(attempt: int) -> int:
                # A spoofed client address must not buy a fresh budget: no proxy hop is trusted.
                status, _page = browser.post("/auth/login", {"csrf_token": token, "email": "nobody@example.uz",
                                                             "password": f"guess {attempt}"},
                                             **{"X-Forwarded-For": f"203.0.113.{attempt}"})
                return status

            with ThreadPoolExecutor(max_workers=2) as pool:
                # In pairs: while one worker checks a password, the other takes the next connection.
                allowed = [status for pair in range(LIMIT // 2) for status in pool.map(guess, (2 * pair, 2 * pair + 1))]
                refused = list(pool.map(guess, range(LIMIT, LIMIT + 6)))

            assert allowed == [401] * LIMIT
            assert refused == [429] * 6
            checked_by = {record["pid"] for record in served.access_records()
                          if (record["method"], record["path"], record["status"]) == ("POST", "/auth/login", 401)}
            assert len(checked_by) == 2, served.access_records()  # both workers counted into one budget
            assert set(served.worker_pids()) >= checked_by
    finally:
        connection = redis.Redis.from_url(redis_server)
        assert list(connection.scan_iter(f"{prefix}:*")), "the budget was not kept in Redis"
        for key in connection.scan_iter(f"{prefix}:*"):
            connection.delete(key)
