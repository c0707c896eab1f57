"""Putting jobs in line: :func:`enqueue`, :func:`retry`, and the heartbeat :func:`sweep`.

These only flush, like every service. A job is handed to its runner after the transaction that
created it commits (a session ``after_commit`` hook), so no worker ever looks for a row that is
not there yet, and a request that rolls back starts nothing. The runner is chosen by
``JOBS_RUNNER``:

- ``rq``: RQ on ``JOBS_REDIS_URL`` (``flask worker`` or ``rq worker`` runs the jobs);
- ``threads``: a small thread pool in this process, when there is no Redis;
- ``inline``: at once, in the committing thread (tests).
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import event, func, update
from sqlalchemy.orm import Session

from contest.catalogue import Refusal
from contest.extensions import db
from contest.jobs import runner
from contest.jobs.registry import KINDS
from contest.pending import listen as listen_pending
from contest.pending import outermost, pending
from contest.models import Job, JobFailure, JobStatus, User, utcnow

PENDING = "jobs_to_dispatch"      # Session.info key: jobs created or retried in this transaction
RQ_ENTRY = "contest.jobs.worker.perform"


class JobError(Refusal):
    """A job action refused; the message says why."""


def enqueue(kind: str, *, created_by: User | None = None, **parameters) -> Job:
    """A new job of ``kind`` with JSON-able ``parameters``; it starts once the transaction commits."""
    if kind not in KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    sweep()
    job = Job(kind=kind, parameters_json=_as_json(parameters), created_by=created_by)
    db.session.add(job)
    db.session.flush()
    _dispatch_after_commit(job)
    return job


def latest(kind: str, **parameters) -> Job | None:
    """The newest job of ``kind`` asked for with exactly these parameters."""
    return db.session.scalar(db.select(Job).where(Job.kind == kind, Job.parameters_json == _as_json(parameters))
                             .order_by(Job.id.desc()).limit(1))


def _as_json(parameters: dict) -> str:
    return json.dumps(parameters, sort_keys=True)


def retry(job: Job) -> Job:
    """Queue a failed job again, as it was first asked for; it starts once the transaction commits."""
    sweep()
    db.session.refresh(job)
    if job.status is not JobStatus.FAILED:
        raise JobError("job_not_failed")
    job.status, job.failure, job.error = JobStatus.QUEUED, None, None
    job.progress_done = job.progress_total = 0
    job.worker = job.started_at = job.finished_at = job.heartbeat_at = None
    runner.settled(job)
    _dispatch_after_commit(job)
    return job


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])


def sweep() -> int:
    """Fail every running job whose worker has been silent too long (it died, or hangs); flushes.

    Returns how many. A job failed here had its work rolled back with its worker (the work
    commits only with "done"), so it can simply be retried.
    """
    cutoff = utcnow() - stale_after()
    last_sign = func.coalesce(Job.heartbeat_at, Job.started_at)
    lost = db.session.execute(db.select(Job.id, Job.worker, last_sign).where(
        Job.status == JobStatus.RUNNING, last_sign < cutoff)).all()
    failed = 0
    for job_id, worker, last in lost:
        if runner.is_running_here(job_id):
            continue
        detail = f"no heartbeat from worker {worker} since {last:%Y-%m-%d %H:%M:%S} UTC"
        failed += runner.fail(job_id, JobFailure.WORKER_LOST, detail, worker=worker)
    return failed + _sweep_lost_from_the_queue(cutoff)


def _sweep_lost_from_the_queue(cutoff) -> int:
    """Fail queued jobs that RQ no longer holds (Redis restarted or flushed): no worker will ever take
    them. A job still waiting in a long queue is in Redis, and is left alone however old it is."""
    app = current_app._get_current_object()
    if app.config["JOBS_RUNNER"] != "rq":
        return 0
    from rq.job import Job as RQJob

    waiting = db.session.scalars(db.select(Job.id).where(Job.status == JobStatus.QUEUED, Job.created_at < cutoff))
    connection = rq_queue(app).connection
    lost = [job_id for job_id in waiting if not RQJob.exists(rq_job_id(job_id), connection=connection)]
    failed = 0
    for job_id in lost:
        if db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED).values(
                status=JobStatus.FAILED, failure=JobFailure.NOT_DISPATCHED, finished_at=utcnow(),
                error="the queue (Redis) no longer holds this job").execution_options(
                synchronize_session=False)).rowcount:
            job = db.session.get(Job, job_id)
            db.session.refresh(job)
            runner.settled(job)
            failed += 1
    return failed


def rq_job_id(job_id: int) -> str:
    """The job's id on RQ, so that the sweep can ask whether the queue still holds it."""
    return f"contest-job-{job_id}"


# --------------------------------------------------------------------------- dispatch after commit

def _dispatch_after_commit(job: Job) -> None:
    """Remembered for the transaction's commit; a rollback (of it, or of the savepoint around it) forgets it."""
    pending(db.session(), PENDING).append(job.id)


def _after_commit(session: Session) -> None:
    if not outermost(session):  # a savepoint released: the job's row is not committed yet
        return
    jobs = session.info.pop(PENDING, None)
    if jobs:
        app = current_app._get_current_object()
        for job_id in jobs:
            dispatch(app, job_id)


def dispatch(app: Flask, job_id: int) -> None:
    """Hand a committed, queued job to the configured runner."""
    how = app.config["JOBS_RUNNER"]
    if how == "inline":
        _execute_in_new_context(app, job_id)
    elif how == "threads":
        _thread_pool(app).submit(_execute_in_new_context, app, job_id)
    elif how == "rq":
        try:
            rq_queue(app).enqueue(RQ_ENTRY, job_id, job_id=rq_job_id(job_id),
                                  job_timeout=app.config["JOBS_TIMEOUT_SECONDS"],
                                  result_ttl=0, failure_ttl=24 * 3600, description=f"contest job {job_id}")
        except Exception as error:  # noqa: BLE001 - Redis down: say so on the job, not with a 500 after the commit
            app.logger.exception("job %s could not be queued on Redis", job_id)
            _refuse_undispatched(job_id, f"{type(error).__name__}: {error}")
    else:
        raise ValueError(f"JOBS_RUNNER must be inline, threads or rq, not {how!r}")


def _execute_in_new_context(app: Flask, job_id: int) -> None:
    """A fresh app context has a fresh session, apart from the one whose commit queued the job."""
    with app.app_context():
        try:
            runner.execute(job_id)
        finally:
            db.session.remove()


def _refuse_undispatched(job_id: int, detail: str) -> None:
    """Fail a job the queue refused; on a connection of its own, since the committing session cannot write now."""
    with db.engine.begin() as connection:
        connection.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(
            status=JobStatus.FAILED.value, failure=JobFailure.NOT_DISPATCHED.value, error=detail,
            finished_at=utcnow()))


def _thread_pool(app: Flask) -> ThreadPoolExecutor:
    pool = app.extensions.get("jobs_threads")
    if pool is None:
        pool = app.extensions["jobs_threads"] = ThreadPoolExecutor(
            max_workers=app.config["JOBS_THREADS"], thread_name_prefix="job")
    return pool


def rq_queue(app: Flask):
    """The RQ queue the jobs go to (one Redis connection per app)."""
    queue = app.extensions.get("jobs_rq_queue")
    if queue is None:
        from redis import Redis
        from rq import Queue

        queue = app.extensions["jobs_rq_queue"] = Queue(
            app.config["JOBS_QUEUE"], connection=Redis.from_url(app.config["JOBS_REDIS_URL"]))
    return queue


def init_app(app: Flask) -> None:
    """Choose the runner (RQ when Redis is configured) and dispatch jobs after each commit."""
    if not app.config.get("JOBS_RUNNER"):
        app.config["JOBS_RUNNER"] = "rq" if app.config.get("JOBS_REDIS_URL") else "threads"
    if app.config["JOBS_RUNNER"] == "rq" and not app.config.get("JOBS_REDIS_URL"):
        raise RuntimeError("JOBS_RUNNER is rq but neither JOBS_REDIS_URL nor REDIS_URL is set")
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
    listen_pending()
