"""Jobs on the real stack: PostgreSQL, Redis and a `flask worker` (or `rq worker`) process started here.

A job runs to done on the worker; a worker killed with SIGKILL in the middle of a job leaves the
job running only until the sweep of the next worker marks it failed, with nothing of its work
written; the retried job finishes on the new worker. These tests skip when PostgreSQL or Redis is
not reachable, except under CI, where they fail.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import create_engine, text

from contest import PROJECT_ROOT, create_app
from contest.extensions import db
from contest.jobs import queue
from contest.models import Job, JobFailure, JobStatus, Role, RunStatus, User, utcnow
from contest.services import judge_assignment, seasons
from tests.conftest import POSTGRES, config_for_tests
from tests.job_kinds import marker_rows

PG_URL = os.environ["TEST_DATABASE_URL"] if POSTGRES else os.environ.get(
    "PG_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Short enough for a test, long enough that a worker under load on two shared cores is not judged dead.
HEARTBEAT_SECONDS, STALE_SECONDS = 1, 4


def stack_or_skip() -> None:
    problems = []
    try:
        psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        problems.append(f"PostgreSQL at {PG_URL}: {error}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.ConnectionError as error:
        problems.append(f"Redis at {REDIS_URL}: {error}")
    if problems:
        if os.environ.get("CI"):
            pytest.fail("the job worker tests need " + "; ".join(problems))
        pytest.skip("not reachable: " + "; ".join(problems))


class Stack:
    """A PostgreSQL schema and a Redis queue of this test's own, the app on them, and its worker processes."""

    def __init__(self, tmp_path: Path):
        tag = secrets.token_hex(4)
        self.schema, self.queue_name, self.logs = f"pytest_jobs_{os.getpid()}_{tag}", f"test-jobs-{tag}", tmp_path
        self.database_url = f"{PG_URL}?options=-csearch_path%3D{self.schema}"
        with create_engine(PG_URL).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        self.app = create_app(config_for_tests(
            SQLALCHEMY_DATABASE_URI=self.database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
            JOBS_RUNNER="rq", JOBS_REDIS_URL=REDIS_URL, JOBS_QUEUE=self.queue_name,
            JOBS_STALE_SECONDS=STALE_SECONDS, UPLOAD_FOLDER=str(tmp_path / "uploads")))
        self.workers: list[subprocess.Popen] = []

    def environment(self) -> dict[str, str]:
        """A production configuration, as a deployment gives the worker: the same database and Redis."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("JOBS_", "TEST_"))}
        env.update(CONTEST_ENV="production", SECRET_KEY=secrets.token_hex(32), DATABASE_URL=self.database_url,
                   REDIS_URL=REDIS_URL, JOBS_QUEUE=self.queue_name, JOBS_IMPORTS="tests.job_kinds",
                   JOBS_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS), JOBS_STALE_SECONDS=str(STALE_SECONDS),
                   JOBS_SWEEP_SECONDS="1", UPLOAD_FOLDER=str(self.logs / "uploads"), FLASK_APP="run.py")
        return env

    def start(self, *command: str) -> subprocess.Popen:
        log = open(self.logs / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115 - the process writes it
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.environment(), stdout=log,
                                   stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def flask_worker(self) -> subprocess.Popen:
        return self.start(sys.executable, "-m", "flask", "worker")

    def worker_logs(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.logs.glob("worker-*.log")))

    def wait(self, job_id: int, condition, timeout: float = 60) -> Job:
        deadline = time.monotonic() + timeout
        while True:
            db.session.expire_all()
            job = db.session.get(Job, job_id)
            if condition(job):
                return job
            if time.monotonic() > deadline:
                pytest.fail(f"job {job_id} is {job.status.value} after {timeout} s; worker logs:\n{self.worker_logs()}")
            time.sleep(0.2)

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).delete(f"rq:queue:{self.queue_name}")
        with create_engine(PG_URL).begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))


@pytest.fixture
def stack(tmp_path):
    stack_or_skip()
    stack = Stack(tmp_path)
    with stack.app.app_context():
        db.create_all()
        try:
            yield stack
        finally:
            db.session.remove()
            db.engine.dispose()
            stack.close()


def finished(job: Job) -> bool:
    return job.status in (JobStatus.DONE, JobStatus.FAILED)


def test_jobs_run_to_done_on_a_flask_worker(stack):
    now = utcnow()
    season = seasons.create_season(2026, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9),
                                   fields=("Energy", "IT"))
    organizer = User(email="organizer@example.uz", full_name="Organizer", role=Role.ORGANIZER)
    db.session.add(organizer)
    db.session.flush()
    run = judge_assignment.start_run(season.contests[0], organizer)
    steps = queue.enqueue("test_steps", steps=3, pause=0.1, marker="steps@example.uz")
    workbook = queue.enqueue("season_workbook", season_id=season.id, locale="uz")
    db.session.commit()
    worker = stack.flask_worker()

    steps = stack.wait(steps.id, finished)
    assert steps.status is JobStatus.DONE, steps.error
    assert (steps.progress_done, steps.progress_total, steps.attempts) == (3, 3, 1)
    assert f":{worker.pid}:" in steps.worker and marker_rows("steps@example.uz") == 1
    workbook = stack.wait(workbook.id, finished)
    assert workbook.status is JobStatus.DONE and workbook.result_file[:2] == b"PK"
    assert stack.wait(run.job_id, finished).status is JobStatus.DONE
    db.session.refresh(run)
    assert run.status in (RunStatus.DONE, RunStatus.FAILED) and run.finished_at is not None


def test_a_worker_killed_mid_job_leaves_it_failed_by_the_sweep_and_a_retry_finishes_on_a_new_worker(stack):
    job = queue.enqueue("test_steps", steps=16, pause=0.25, marker="killed@example.uz")
    db.session.commit()
    first = stack.flask_worker()
    running = stack.wait(job.id, lambda j: j.status is JobStatus.RUNNING and j.progress_done >= 2)
    assert f":{first.pid}:" in running.worker
    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=30) == -signal.SIGKILL

    time.sleep(HEARTBEAT_SECONDS * 2)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status is JobStatus.RUNNING  # no one has swept yet
    assert marker_rows("killed@example.uz") == 0                   # the work died uncommitted with its worker

    second = stack.flask_worker()                                     # its sweep finds the silent job
    failed = stack.wait(job.id, lambda j: j.status is not JobStatus.RUNNING, timeout=STALE_SECONDS * 10)
    assert failed.status is JobStatus.FAILED and failed.failure is JobFailure.WORKER_LOST
    assert str(first.pid) in failed.error and marker_rows("killed@example.uz") == 0

    queue.retry(failed)
    db.session.commit()
    done = stack.wait(job.id, finished)
    assert done.status is JobStatus.DONE, done.error
    assert done.attempts == 2 and f":{second.pid}:" in done.worker
    assert (done.progress_done, done.progress_total) == (16, 16)
    assert marker_rows("killed@example.uz") == 1


def test_a_plain_rq_worker_builds_the_app_and_runs_the_job(stack):
    job = queue.enqueue("test_steps", steps=2, marker="rq@example.uz")
    db.session.commit()
    rq = stack.start(str(Path(sys.executable).parent / "rq"), "worker", "--burst", "--url", REDIS_URL,
                     stack.queue_name)
    assert rq.wait(timeout=120) == 0, stack.worker_logs()
    job = stack.wait(job.id, finished, timeout=5)
    assert job.status is JobStatus.DONE, job.error
    assert marker_rows("rq@example.uz") == 1


def test_a_queued_job_the_queue_lost_is_failed_by_the_sweep_and_one_still_waiting_is_not(stack):
    """Redis keeps nothing on disk here: restarted, it forgets what was queued, and no worker would ever run it."""
    lost = queue.enqueue("test_steps", steps=1, marker="lost@example.uz")
    waiting = queue.enqueue("test_steps", steps=1, marker="waiting@example.uz")
    db.session.commit()
    redis.Redis.from_url(REDIS_URL).delete(f"rq:job:{queue.rq_job_id(lost.id)}")   # what a restart does to it
    db.session.execute(db.update(Job).values(created_at=utcnow() - timedelta(seconds=STALE_SECONDS * 2)))
    db.session.commit()

    assert queue.sweep() == 1
    db.session.commit()
    db.session.expire_all()
    assert (lost.status, lost.failure) == (JobStatus.FAILED, JobFailure.NOT_DISPATCHED)
    assert waiting.status is JobStatus.QUEUED     # still in Redis: a worker will take it, however long it waits

    queue.retry(lost)
    db.session.commit()
    stack.flask_worker()
    assert stack.wait(lost.id, finished).status is JobStatus.DONE
    assert stack.wait(waiting.id, finished).status is JobStatus.DONE
    assert marker_rows("lost@example.uz") == marker_rows("waiting@example.uz") == 1
