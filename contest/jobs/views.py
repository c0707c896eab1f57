"""The job pages: a list for organizers, one page per job with a progress bar, its JSON status, retry, download.

The status answer and the pages only read: a job whose worker went silent is shown as lost at
once, and the sweep (in the worker, before any enqueue or retry, or ``flask jobs sweep``)
writes it failed.
"""
from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from contest.actions import ActionForm, perform
from contest.auth.access import staff_required
from contest.downloads import send_download
from contest.extensions import db
from contest.i18n import local_time
from contest.jobs import bp, queue, runner
from contest.jobs.registry import KINDS
from contest.models import Job, JobFailure, JobStatus

JOBS_LISTED = 100


@bp.app_template_filter("job_title")
def job_title(job: Job) -> str:
    kind = KINDS.get(job.kind)
    return str(kind.title) if kind else job.kind


def is_lost(job: Job) -> bool:
    return job.seems_lost(queue.stale_after()) and not runner.is_running_here(job.id)


@bp.app_template_filter("job_failure")
def failure_text(job: Job) -> str:
    """Why the job failed (or is about to be failed by the sweep), in the reader's language."""
    if is_lost(job) or job.failure is JobFailure.WORKER_LOST:
        last = job.heartbeat_at or job.started_at
        return _("The worker running this job stopped without finishing (last heard from %(time)s). Nothing it "
                 "did was kept; retry the job.", time=local_time(last))
    if job.failure is JobFailure.NOT_DISPATCHED:
        return _("The job could not be handed to a worker (the job queue did not answer). Retry it once the "
                 "queue is back.")
    if job.failure is JobFailure.CRASHED:
        return _("The job stopped with an error; nothing it did was kept. The error is logged; you can retry "
                 "the job.")
    return ""


def result_url(job: Job) -> str | None:
    """Where the organizer finds what a finished job made."""
    if job.status is not JobStatus.DONE:
        return None
    if "filename" in job.result:
        return url_for("jobs.download", job_id=job.id)
    endpoint = KINDS[job.kind].result_endpoint if job.kind in KINDS else None
    return url_for(endpoint, **job.result) if endpoint else None


def status_of(job: Job) -> dict:
    lost = is_lost(job)
    status = JobStatus.FAILED if lost else job.status
    return {"id": job.id, "status": status.value, "label": str(status.label), "done": job.progress_done,
            "total": job.progress_total, "percent": job.percent, "finished": lost or job.finished,
            "error": failure_text(job) if status is JobStatus.FAILED else "", "result_url": result_url(job)}


@bp.get("/")
@staff_required
def index():
    jobs = db.session.scalars(db.select(Job).options(selectinload(Job.created_by))
                              .order_by(Job.id.desc()).limit(JOBS_LISTED)).all()
    return render_template("jobs/index.html", jobs=jobs, is_lost=is_lost)


@bp.get("/<int:job_id>")
@staff_required
def job(job_id: int):
    job = db.get_or_404(Job, job_id)
    return render_template("jobs/job.html", job=job, status=status_of(job), action=ActionForm())


@bp.get("/<int:job_id>/status")
@staff_required
def status(job_id: int):
    response = jsonify(status_of(db.get_or_404(Job, job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:job_id>/retry")
@staff_required
def retry(job_id: int):
    job = db.get_or_404(Job, job_id)
    perform(lambda: queue.retry(job), (queue.JobError,), _("The job is queued again."), "info")
    return redirect(url_for("jobs.job", job_id=job.id))


@bp.get("/<int:job_id>/download")
@staff_required
def download(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.status is not JobStatus.DONE or job.result_file is None:
        abort(404)
    return send_download(job.result_file, job.result["content_type"], job.result["filename"])

