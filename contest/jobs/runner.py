"""Running one job: claim it, keep its heartbeat, do the work, commit the work with "done".

Whatever executes the job (an RQ worker, a local thread, inline in tests) calls
:func:`execute`. The work's changes and the job's "done" are one commit, guarded by the job
still being this worker's: if the sweep declared the worker lost meanwhile, the work is rolled
back rather than written over a job someone may already have retried.
"""
from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import update
from sqlalchemy.engine import Engine

from contest.extensions import db
from contest.jobs.registry import kind_of
from contest.models import Job, JobFailure, JobStatus, utcnow
from contest.services import audit

jobs_table = Job.__table__


def worker_name() -> str:
    """Who runs a job, as the job pages show it: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


# Jobs this process is running now: alive whatever their heartbeat says (see :func:`is_running_here`).
_running_here: set[int] = set()


def has_side_channel(engine: Engine) -> bool:
    """Whether progress and heartbeats can be committed on a connection of their own while the work's
    transaction is open. SQLite has one writer at a time (and in memory, one connection): there they
    are written with the work, at its end, and the database serves a single process."""
    return engine.dialect.name != "sqlite"


def is_running_here(job_id: int) -> bool:
    """A job this very process is working on: the sweep spares it even without heartbeats (SQLite)."""
    return job_id in _running_here


@dataclass
class JobContext:
    """What the work function sees of its job: its id, a progress report and a file to attach."""

    job_id: int
    worker: str
    engine: Engine | None                  # None: no side channel, progress is written at the end
    done: int = 0
    total: int = 0
    file: tuple[bytes, str, str] | None = field(default=None, repr=False)   # data, filename, content type

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` steps; committed at once, so the job page shows it while the work runs."""
        self.done, self.total = done, total
        if self.engine is not None:
            _write_own_row(self.engine, self.job_id, self.worker, progress_done=done, progress_total=total,
                           heartbeat_at=utcnow())

    def attach(self, data: bytes, filename: str, content_type: str) -> None:
        """The file the job made (an export), stored with the job and offered for download when it is done."""
        self.file = (data, filename, content_type)


def _write_own_row(engine: Engine, job_id: int, worker: str, **values) -> bool:
    """Update the job's row in a transaction of its own, only while this worker still runs it."""
    with engine.begin() as connection:
        return connection.execute(update(jobs_table).where(
            jobs_table.c.id == job_id, jobs_table.c.status == JobStatus.RUNNING.value,
            jobs_table.c.worker == worker).values(**values)).rowcount == 1


class Heartbeat:
    """A thread that tells the sweep, every few seconds, that this worker is still on the job."""

    def __init__(self, engine: Engine, job_id: int, worker: str, every: float):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(engine, job_id, worker, every),
                                        name=f"job-{job_id}-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self, engine: Engine, job_id: int, worker: str, every: float) -> None:
        while not self._stop.wait(every):
            try:
                if not _write_own_row(engine, job_id, worker, heartbeat_at=utcnow()):
                    return  # the job is no longer ours: failed by the sweep, or finished
            except Exception:  # noqa: BLE001 - a missed beat is retried; the sweep judges silence
                pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def claim(job_id: int, worker: str) -> bool:
    """Mark a queued job running on this worker; False if it is not queued (taken, failed, unknown)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, worker=worker, started_at=now, heartbeat_at=now, finished_at=None,
                attempts=Job.attempts + 1, progress_done=0, progress_total=0, failure=None, error=None)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return claimed


def fail(job_id: int, failure: JobFailure, detail: str, **still) -> bool:
    """Mark a running job failed (and whatever follows it), if it still matches ``still`` (column=value);
    flushes. False when it had moved on already (finished, or failed by someone else)."""
    conditions = [Job.id == job_id, Job.status == JobStatus.RUNNING]
    conditions += [getattr(Job, name) == value for name, value in still.items()]
    failed = db.session.execute(
        update(Job).where(*conditions)
        .values(status=JobStatus.FAILED, failure=failure, error=detail, finished_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount == 1
    if failed:
        job = db.session.get(Job, job_id)
        db.session.refresh(job)
        settled(job)
    return failed


def settled(job: Job) -> None:
    """Let the rows that follow the job take its new status; flushes."""
    hook = kind_of(job).on_settled
    if hook is not None:
        hook(job)
    db.session.flush()


def execute(job_id: int) -> JobStatus | None:
    """Run a queued job to its end in the current app context; None if it was not queued.

    The job's status is committed in the database whatever happens; an exception of the work
    fails the job (the traceback goes to the log) and never escapes.
    """
    app = current_app._get_current_object()
    worker = worker_name()
    if not claim(job_id, worker):
        return None
    _running_here.add(job_id)
    job = db.session.get(Job, job_id)
    engine = db.engine if has_side_channel(db.engine) else None
    context = JobContext(job_id, worker, engine)
    heartbeat = Heartbeat(engine, job_id, worker, app.config["JOBS_HEARTBEAT_SECONDS"]) if engine else None
    try:
        with audit.acting_as(job.created_by or "system"):  # the work's changes are logged as its requester's
            result = kind_of(job).work(context, **job.parameters) or {}
        values = dict(status=JobStatus.DONE, finished_at=utcnow(), result_json=json.dumps(result),
                      progress_done=max(context.done, context.total), progress_total=context.total)
        if context.file is not None:
            data, filename, content_type = context.file
            values.update(result_file=data, result_json=json.dumps(
                {**result, "filename": filename, "content_type": content_type}))
        finished = db.session.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.worker == worker)
            .values(**values).execution_options(synchronize_session=False)).rowcount == 1
        if finished:
            db.session.commit()
            return JobStatus.DONE
        db.session.rollback()
        app.logger.warning("job %s was taken from worker %s (declared lost); its work is discarded", job_id, worker)
        return None
    except Exception as error:  # noqa: BLE001 - the job must say it failed, not stay running
        db.session.rollback()
        app.logger.exception("job %s (%s) failed", job_id, job.kind)
        fail(job_id, JobFailure.CRASHED, f"{type(error).__name__}: {error}", worker=worker)
        db.session.commit()
        return JobStatus.FAILED
    finally:
        _running_here.discard(job_id)
        if heartbeat is not None:
            heartbeat.stop()

