"""The judges' hot path measured in one process, by counts that do not depend on what else the machine runs.

bench/load.py measures throughput against gunicorn, which needs a quiet machine. This benchmark replays the
same requests inside one process with Flask's test client, on PostgreSQL (and Redis for the limiter, as in
production), and counts per request what the app itself does (the test client's own work is left out):

  calls   Python function calls (a sys.setprofile counter), a deterministic measure of the Python work
  sql     SQL statements sent to the database
  cpu_ms  this process's CPU time (measured in a second pass, without the profile hook)

for the judges' three requests (their queue, an entry, a score POST), the smallest signed-in page (the
floor of bench/load.py, /judging/declarations) and /healthz. The last line is
``judge_path: queue_calls=... entry_calls=... score_calls=... floor_calls=... judge_to_floor=...``, where
judge_to_floor is the judges' mean calls per request over the floor page's. It counts the app's half of
bench/load.py's ratio_to_bare; the database's half (what PostgreSQL spends on the statements) is not in it.

Run as ``python bench/judge_path.py`` with PostgreSQL and Redis on loopback (SERVED_POSTGRES_URL,
SERVED_REDIS_URL); ``--rounds`` replays (default 60) after ``--warmup`` unmeasured ones.
"""
from __future__ import annotations

import argparse
import logging
import logging.config
import os
import random
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import event  # noqa: E402

from contest import create_app  # noqa: E402
from contest.extensions import db  # noqa: E402
from contest.logs import LOGGING  # noqa: E402
from load import FLOOR_PAGE, Judge, seed  # noqa: E402
from tests.served.server import POSTGRES_URL, REDIS_URL, empty_schema  # noqa: E402

KINDS = ("queue", "entry", "score", "floor", "healthz")
JUDGE_KINDS = ("queue", "entry", "score")
SITE = "https://localhost"  # production cookies are Secure


class Meter:
    """Wraps the app's WSGI callable: counts what one request does inside the app, body included."""

    def __init__(self, app):
        self.wsgi_app, self.profiling = app.wsgi_app, False
        self.calls = self.statements = 0
        self.cpu = 0.0
        app.wsgi_app = self
        event.listen(db.engine, "before_cursor_execute", self._statement)

    def _statement(self, *_args) -> None:
        self.statements += 1

    def _profile(self, _frame, what, _arg) -> None:
        if what == "call":
            self.calls += 1

    def __call__(self, environ, start_response):
        self.calls = self.statements = 0
        started = time.process_time()
        if self.profiling:
            sys.setprofile(self._profile)
        try:
            body = self.wsgi_app(environ, start_response)
            chunks = list(body)
            if hasattr(body, "close"):
                body.close()
        finally:
            sys.setprofile(None)
            self.cpu = time.process_time() - started
        return chunks


def production_app(database_url: str):
    """The app as gunicorn serves it: production settings, Redis, JSON log lines (written to nowhere)."""
    os.environ["CONTEST_ENV"] = "production"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CONTEST_ENV": "production",
                      "SECRET_KEY": secrets.token_hex(32), "REDIS_URL": REDIS_URL,
                      "RATELIMIT_STORAGE_URI": REDIS_URL, "JOBS_REDIS_URL": REDIS_URL,
                      "CREDENTIAL_LIMIT_PER_ADDRESS": "100000 per minute"})
    logging.config.dictConfig(LOGGING)
    sink = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    for handler in logging.getLogger().handlers:
        handler.setStream(sink)
    return app


class TestJudge(Judge):
    """bench/load.py's judge, with Flask's test client for a browser."""

    def __init__(self, client, email: str, rng: random.Random):
        self.client, self.email, self.rng = client, email, rng
        self.browser = self

    def get(self, path: str) -> tuple[int, str]:
        answer = self.client.get(path, base_url=SITE)
        return answer.status_code, answer.get_data(as_text=True)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        answer = self.client.post(path, data=form, base_url=SITE, headers={"Referer": SITE + path})  # CSRF over HTTPS
        return answer.status_code, answer.get_data(as_text=True)

    def csrf_token(self, path: str) -> str:
        return Judge.CSRF.search(self.get(path)[1]).group(1)


class Recorder:
    """bench/load.py's tally, keeping what the meter saw of each request instead of its latency."""

    def __init__(self, meter: Meter):
        self.meter = meter
        self.seen: dict[str, list[tuple[int, int, float]]] = defaultdict(list)

    def timed(self, kind: str, call, expected: int):
        status, page = call()
        if status != expected:
            raise RuntimeError(f"{kind} answered {status}, not {expected}: {page[:300]}")
        self.seen[kind].append((self.meter.calls, self.meter.statements, self.meter.cpu))
        return status, page


def replay(meter: Meter, judge: TestJudge, rounds: int, profiling: bool) -> dict[str, list[tuple]]:
    """``rounds`` of bench/load.py's queue, entry, score POST, then the floor page and /healthz;
    per kind, (calls, statements, cpu seconds) of each request."""
    meter.profiling = profiling
    recorder = Recorder(meter)
    for _ in range(rounds):
        judge.one_round(recorder, pause=0.0, until=float("inf"))
        recorder.timed("floor", lambda: judge.get(FLOOR_PAGE), 200)
        recorder.timed("healthz", lambda: judge.get("/healthz"), 200)
    return recorder.seen


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=600)
    parser.add_argument("--judges", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    arguments = parser.parse_args()

    with empty_schema(POSTGRES_URL) as database_url:
        builder = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CONTEST_ENV": "development"})
        with builder.app_context():
            db.create_all()
            db.engine.dispose()
        emails = seed(database_url, arguments.entries, arguments.judges)
        app = production_app(database_url)
        with app.app_context():
            meter = Meter(app)
        client = app.test_client()
        judge = TestJudge(client, emails[0], random.Random(10))
        judge.sign_in()
        replay(meter, judge, arguments.warmup, profiling=False)
        counted = replay(meter, judge, arguments.rounds, profiling=True)
        timed = replay(meter, judge, arguments.rounds, profiling=False)
        with app.app_context():
            db.engine.dispose()

    print(f"judge_path: PostgreSQL, {arguments.entries} entries, {arguments.judges} judges, "
          f"{arguments.rounds} rounds after {arguments.warmup} warm-up rounds")
    figures = {}
    for kind in KINDS:
        calls, statements = mean(c for c, _s, _t in counted[kind]), mean(s for _c, s, _t in counted[kind])
        cpu_ms = 1000 * mean(t for _c, _s, t in timed[kind])
        figures[kind] = calls
        print(f"{kind:<8} calls={calls:8.0f} sql={statements:5.1f} cpu_ms={cpu_ms:6.2f}")
    judges = mean(figures[kind] for kind in JUDGE_KINDS)
    print("judge_path: " + " ".join(f"{kind}_calls={figures[kind]:.0f}" for kind in KINDS)
          + f" judge_to_floor={judges / figures['floor']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
