"""Background jobs: long work (dry runs, exports) run by a worker, its state kept here.

The row is the truth about a job, whichever runner executes it (an RQ worker, a local thread,
inline in tests): Redis only carries "run job 42". A running job's worker writes
``heartbeat_at``; a job whose heartbeat stops is marked failed by the sweep, never left running.
"""
from __future__ import annotations

import enum
import json
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from contest.extensions import db
from contest.models.people import User
from contest.models.types import UTCDateTime, utcnow


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self):
        return JOB_STATUS_LABELS[self]


JOB_STATUS_LABELS = {
    JobStatus.QUEUED: _l("queued"),
    JobStatus.RUNNING: _l("running"),
    JobStatus.DONE: _l("done"),
    JobStatus.FAILED: _l("failed"),
}


class JobFailure(str, enum.Enum):
    """Why a job failed, worded for the reader by the job pages (the technical detail is in ``error``)."""

    CRASHED = "crashed"                # the work raised; the traceback is in the worker's log
    WORKER_LOST = "worker_lost"        # no heartbeat: the worker process died or hung
    NOT_DISPATCHED = "not_dispatched"  # the queue (Redis) refused it


class Job(db.Model):
    """One piece of background work: what to do (``kind``, ``parameters``) and how it went."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_heartbeat_at", "status", "heartbeat_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    parameters_json: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[JobStatus] = mapped_column(
        db.Enum(JobStatus, native_enum=False, length=20, validate_strings=True), default=JobStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    failure: Mapped[JobFailure | None] = mapped_column(
        db.Enum(JobFailure, native_enum=False, length=20, validate_strings=True))
    error: Mapped[str | None] = mapped_column(Text)              # technical detail, for organizers
    result_json: Mapped[str | None] = mapped_column(Text)        # what the work made: {"run_id": 7}
    result_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # an export's bytes
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker: Mapped[str | None] = mapped_column(String(120))     # which process holds it: host:pid:thread

    created_by: Mapped[User | None] = relationship()

    @property
    def parameters(self) -> dict:
        return json.loads(self.parameters_json)

    @property
    def result(self) -> dict:
        return json.loads(self.result_json) if self.result_json else {}

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status is JobStatus.DONE:
            return 100
        return 100 * self.progress_done // self.progress_total if self.progress_total else 0

    def seems_lost(self, stale_after: timedelta, now: datetime | None = None) -> bool:
        """Running, but silent for longer than a live worker ever is: the sweep will fail it.

        Pages say so at once (they never write); the sweep makes it so.
        """
        last = self.heartbeat_at or self.started_at
        return self.status is JobStatus.RUNNING and last is not None and last < (now or utcnow()) - stale_after
