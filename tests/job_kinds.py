"""Job kinds for the job tests, registered like the app's own; the worker subprocess imports this
module through JOBS_IMPORTS, so it runs exactly these."""
from __future__ import annotations

import time

from contest.extensions import db
from contest.jobs.registry import job_kind
from contest.jobs.runner import JobContext
from contest.models import Job, JobFailure, JobStatus, Role, User

# Set by a test to make "test_steps" raise at that step (inline runs only: same process).
FAIL_AT_STEP: dict[str, int | None] = {"step": None}


@job_kind("test_steps", "Test steps")
def steps(context: JobContext, steps: int, pause: float = 0.0, marker: str | None = None) -> dict:
    """Write a marker row first (as real work writes early), then take ``steps`` steps of ``pause`` seconds."""
    if marker:
        db.session.add(User(email=marker, full_name="Written by a job", role=Role.PARTICIPANT))
        db.session.flush()
    for step in range(steps):
        if FAIL_AT_STEP["step"] == step:
            raise RuntimeError(f"step {step} fails on purpose")
        time.sleep(pause)
        context.progress(step + 1, steps)
    return {"steps": steps}


def marker_rows(marker: str) -> int:
    return db.session.scalar(db.select(db.func.count(User.id)).where(User.email == marker))


@job_kind("test_swept_midway", "Test swept midway")
def swept_midway(context: JobContext, marker: str) -> dict:
    """Write a marker, then have the job failed under it, as the sweep does to a worker it thinks dead."""
    db.session.add(User(email=marker, full_name="Written by a job", role=Role.PARTICIPANT))
    db.session.flush()
    with db.engine.begin() as connection:  # another connection: the sweep, in another process
        connection.execute(db.update(Job.__table__).where(Job.__table__.c.id == context.job_id)
                           .values(status=JobStatus.FAILED.value, failure=JobFailure.WORKER_LOST.value))
    return {}


@job_kind("test_audited", "Test audited")
def audited(context: JobContext, marker: str) -> dict:
    """A change the audit log records, as an organizer's job (an import, say) makes one."""
    from contest.services import audit

    user = User(email=marker, full_name="Written by a job", role=Role.PARTICIPANT)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, after={"email": marker})
    return {}
