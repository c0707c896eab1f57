"""Background jobs in one process: enqueue after commit, progress, failure, the heartbeat sweep, retry,
the status answer and the job pages. The real RQ worker is in test_jobs_worker.py."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from contest.extensions import db
from contest.jobs import queue
from contest.models import (
    AssignmentRun, AuditEvent, Job, JobFailure, JobStatus, Role, RunStatus, utcnow,
)
from tests.conftest import POSTGRES
from tests.job_kinds import FAIL_AT_STEP, marker_rows


@pytest.fixture(autouse=True)
def steps_succeed():
    FAIL_AT_STEP["step"] = None
    yield
    FAIL_AT_STEP["step"] = None


def enqueue_steps(**parameters) -> Job:
    return enqueue_steps_kind("test_steps", **parameters)


def enqueue_steps_kind(kind: str, **parameters) -> Job:
    job = queue.enqueue(kind, **parameters)
    db.session.commit()
    db.session.expire_all()
    return job


def lost_job(kind: str = "test_steps", minutes: int = 10, **parameters) -> Job:
    """A job a worker took and then went silent on (killed, say)."""
    silent_since = utcnow() - timedelta(minutes=minutes)
    job = Job(kind=kind, parameters_json=json.dumps(parameters), status=JobStatus.RUNNING, attempts=1,
              started_at=silent_since, heartbeat_at=silent_since, worker="gone:1:1")
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_runs_after_the_commit_that_queued_it_and_reports_progress(app):
    job = queue.enqueue("test_steps", steps=3, marker="done@example.uz")
    assert job.status is JobStatus.QUEUED and job.attempts == 0     # nothing runs inside the transaction
    db.session.commit()
    db.session.expire_all()
    assert job.status is JobStatus.DONE and job.attempts == 1
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.result == {"steps": 3} and job.finished_at >= job.started_at
    assert marker_rows("done@example.uz") == 1


def test_a_rolled_back_request_starts_no_job(app):
    queue.enqueue("test_steps", steps=1, marker="never@example.uz")
    db.session.rollback()
    db.session.commit()  # a later commit in the same session dispatches nothing left over
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0 and marker_rows("never@example.uz") == 0


def test_an_unknown_kind_is_refused(app):
    with pytest.raises(KeyError):
        queue.enqueue("no_such_kind")


def test_a_failing_job_is_failed_with_nothing_half_written_and_a_retry_finishes(app):
    FAIL_AT_STEP["step"] = 1
    job = enqueue_steps(steps=3, marker="half@example.uz")
    assert job.status is JobStatus.FAILED and job.failure is JobFailure.CRASHED
    assert "step 1 fails on purpose" in job.error and job.finished_at is not None
    assert marker_rows("half@example.uz") == 0                       # the row written before the error is gone

    FAIL_AT_STEP["step"] = None
    queue.retry(job)
    db.session.commit()
    db.session.expire_all()
    assert job.status is JobStatus.DONE and job.attempts == 2 and job.failure is None and job.error is None
    assert marker_rows("half@example.uz") == 1


def test_only_a_failed_job_is_retried(app):
    job = enqueue_steps(steps=1)
    with pytest.raises(queue.JobError):
        queue.retry(job)


def test_the_sweep_fails_a_job_whose_heartbeat_stopped_and_spares_a_live_one(app):
    lost = lost_job()
    live = Job(kind="test_steps", parameters_json="{}", status=JobStatus.RUNNING, started_at=utcnow(),
               heartbeat_at=utcnow() - timedelta(seconds=5), worker="alive:1:1")
    db.session.add(live)
    db.session.commit()
    assert queue.sweep() == 1
    db.session.commit()
    db.session.expire_all()
    assert lost.status is JobStatus.FAILED and lost.failure is JobFailure.WORKER_LOST
    assert "gone:1:1" in lost.error and lost.finished_at is not None
    assert live.status is JobStatus.RUNNING
    assert queue.sweep() == 0


def test_flask_jobs_sweep_fails_lost_jobs(app):
    job = lost_job()
    result = app.test_cli_runner().invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0 and "1 lost jobs marked failed" in result.output
    db.session.expire_all()
    assert job.status is JobStatus.FAILED


def test_a_new_job_sweeps_first(app):
    lost = lost_job()
    enqueue_steps(steps=1)
    assert lost.status is JobStatus.FAILED


@pytest.mark.skipif(not POSTGRES, reason="the sweep writes on a connection of its own")
def test_a_worker_whose_job_was_swept_meanwhile_discards_its_work(app):
    """The sweep failed the job while its worker was silent; when the worker finishes, nothing it did is kept."""
    job = enqueue_steps_kind("test_swept_midway", marker="late@example.uz")
    assert job.status is JobStatus.FAILED and job.failure is JobFailure.WORKER_LOST
    assert marker_rows("late@example.uz") == 0


def test_a_dry_run_follows_its_job_through_the_sweep_and_the_retry(app, client, organizer, make_season, make_user):
    contest = make_season().contests[0]
    run = AssignmentRun(contest=contest, instance_json=json.dumps({"k": 1, "entries": [], "judges": []}),
                        inputs_hash="x", status=RunStatus.RUNNING)
    db.session.add(run)
    db.session.flush()
    run.job = lost_job("assignment_run", run_id=run.id)
    db.session.commit()
    assert queue.sweep() == 1
    db.session.commit()
    db.session.expire_all()
    assert run.status is RunStatus.FAILED
    page = client.get(f"/organizer/assignment-runs/{run.id}").get_data(as_text=True)
    assert "stopped without finishing" in page

    response = client.post(f"/organizer/jobs/{run.job.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert run.job.status is JobStatus.DONE and run.job.attempts == 2
    assert run.status is not RunStatus.RUNNING and run.finished_at is not None
    assert client.get(f"/organizer/jobs/{run.job.id}/status").json["result_url"] == \
        f"/organizer/assignment-runs/{run.id}"


def test_a_dry_run_from_the_page_runs_as_a_job(app, client, organizer, make_season):
    contest = make_season().contests[0]
    response = client.post(f"/organizer/contests/{contest.id}/assignment/run")
    run = db.session.scalars(db.select(AssignmentRun)).one()
    assert response.headers["Location"].endswith(f"/organizer/assignment-runs/{run.id}")
    assert run.job.kind == "assignment_run" and run.job.status is JobStatus.DONE
    assert run.job.created_by == organizer and run.job.parameters == {"run_id": run.id}
    assert run.status is not RunStatus.RUNNING


# --------------------------------------------------------------------------- the status answer and the pages

def test_the_status_answer_reads_and_never_writes(app, client, organizer):
    job = lost_job()
    status = client.get(f"/organizer/jobs/{job.id}/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.json["status"] == "failed" and status.json["finished"] is True
    assert "stopped without finishing" in status.json["error"]
    db.session.expire_all()
    assert job.status is JobStatus.RUNNING      # shown as lost at once; only the sweep writes it failed


def test_the_status_answer_follows_a_running_job(app, client, organizer):
    job = Job(kind="test_steps", parameters_json="{}", status=JobStatus.RUNNING, started_at=utcnow(),
              heartbeat_at=utcnow(), progress_done=2, progress_total=8)
    db.session.add(job)
    db.session.commit()
    assert client.get(f"/organizer/jobs/{job.id}/status").json == {
        "id": job.id, "status": "running", "label": "running", "done": 2, "total": 8, "percent": 25,
        "finished": False, "error": "", "result_url": None}
    page = client.get(f"/organizer/jobs/{job.id}").get_data(as_text=True)
    assert 'data-job-running' in page and '<progress max="100" value="25"' in page and "jobs.js" in page


@pytest.mark.parametrize("language, failed, retry, listed", [
    ("uz", "Bu vazifani bajarayotgan ishchi jarayon", "Vazifani qayta ishga tushirish", "Vazifalar"),
    ("ru", "Обработчик, выполнявший эту задачу", "Повторить задачу", "Задачи"),
    ("en", "The worker running this job stopped", "Retry the job", "Jobs"),
])
def test_a_failed_job_page_says_why_and_offers_a_retry_in_each_language(app, client, organizer, language, failed,
                                                                         retry, listed):
    job = lost_job()
    queue.sweep()
    db.session.commit()
    client.post(f"/auth/language/{language}")
    page = client.get(f"/organizer/jobs/{job.id}").get_data(as_text=True)
    assert failed in page and retry in page and f'action="/organizer/jobs/{job.id}/retry"' in page
    assert "data-job-running" not in page
    assert listed in client.get("/organizer/jobs/").get_data(as_text=True)


def test_the_workbook_is_prepared_as_a_job_and_downloaded_from_its_page(app, client, organizer, make_season):
    season = make_season()
    response = client.post(f"/prizes/seasons/{season.id}/workbook", data={"lang": "ru"})
    job = db.session.scalars(db.select(Job)).one()
    assert response.headers["Location"].endswith(f"/organizer/jobs/{job.id}")
    assert job.kind == "season_workbook" and job.parameters == {"season_id": season.id, "locale": "ru"}
    assert job.status is JobStatus.DONE and job.result["filename"] == "season-2026-prizes.xlsx"
    page = client.get(f"/organizer/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/organizer/jobs/{job.id}/download"' in page
    download = client.get(f"/organizer/jobs/{job.id}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_a_job_without_a_file_has_no_download(app, client, organizer):
    job = enqueue_steps(steps=1)
    assert client.get(f"/organizer/jobs/{job.id}/download").status_code == 404


def test_judges_and_participants_see_no_job(app, client, make_user, login):
    job = enqueue_steps(steps=1)
    for role in (Role.JUDGE, Role.PARTICIPANT):
        login(make_user(role))
        assert client.get(f"/organizer/jobs/{job.id}").status_code == 403
        assert client.get(f"/organizer/jobs/{job.id}/status").status_code == 403
        assert client.post(f"/organizer/jobs/{job.id}/retry").status_code == 403


def test_retry_needs_a_csrf_token(app, client, organizer):
    job = lost_job()
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/organizer/jobs/{job.id}/retry").status_code == 400


# --------------------------------------------------------------------------- runners

def test_a_job_redis_refuses_is_failed_not_left_queued(app):
    app.config.update(JOBS_RUNNER="rq", JOBS_REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    job = enqueue_steps(steps=1)
    assert job.status is JobStatus.FAILED and job.failure is JobFailure.NOT_DISPATCHED


@pytest.mark.skipif(not POSTGRES, reason="a job thread needs a database connection of its own")
def test_the_local_thread_runner_runs_a_job_with_progress_seen_while_it_runs(app):
    app.config["JOBS_RUNNER"] = "threads"
    job = enqueue_steps(steps=4, pause=0.3)
    seen = set()
    for _ in range(100):
        db.session.expire_all()
        seen.add(job.progress_done)
        if job.status is JobStatus.DONE:
            break
        time.sleep(0.1)
    assert job.status is JobStatus.DONE and (job.progress_done, job.progress_total) == (4, 4)
    assert seen & {1, 2, 3}, seen            # progress committed apart from the work, while it ran


def test_changes_a_job_makes_are_logged_as_its_requesters(app, make_user):
    organizer = make_user(Role.ORGANIZER)
    queue.enqueue("test_audited", created_by=organizer, marker="audited@example.uz")
    db.session.commit()
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "user.created")).one()
    assert (event.actor_id, event.actor_label) == (organizer.id, organizer.email)
