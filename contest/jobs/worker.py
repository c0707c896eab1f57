"""The worker side: what RQ calls, ``flask worker``, and ``flask jobs sweep``.

``flask worker`` runs an RQ worker inside the app context and sweeps for lost jobs every
``JOBS_SWEEP_SECONDS``. A plain ``rq worker --url $REDIS_URL contest-jobs`` works too:
:func:`perform` then builds the app itself (from the same environment); run ``flask jobs
sweep`` from cron beside it, since plain RQ does not sweep our table.
"""
from __future__ import annotations

import threading

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext

from contest.extensions import db
from contest.jobs import queue, runner
from contest.jobs.registry import PERIODIC

_app_for_rq: Flask | None = None


def perform(job_id: int) -> None:
    """The function RQ runs: execute the job in an app context (the worker's, or one built here)."""
    if has_app_context():
        _perform_here(job_id)
        return
    global _app_for_rq
    if _app_for_rq is None:
        from contest import create_app

        _app_for_rq = create_app()
    with _app_for_rq.app_context():
        _perform_here(job_id)


def _perform_here(job_id: int) -> None:
    try:
        runner.execute(job_id)
    finally:
        db.session.remove()


class Sweeper:
    """A thread that fails lost jobs every few seconds while the worker lives."""

    def __init__(self, app: Flask, every: float):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(app, every), name="job-sweeper", daemon=True)
        self._thread.start()

    def _run(self, app: Flask, every: float) -> None:
        while True:
            with app.app_context():
                try:
                    if queue.sweep():
                        app.logger.warning("lost jobs marked failed")
                    db.session.commit()
                    run_periodic()
                except Exception:  # noqa: BLE001 - the database may be away for a moment; sweep again later
                    db.session.rollback()
                    app.logger.exception("job sweep failed")
                finally:
                    db.session.remove()
            if self._stop.wait(every):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--name", default=None, help="The worker's name in RQ (default: host and process).")
@with_appcontext
def worker_command(burst: bool, name: str | None) -> None:
    """Run background jobs from Redis (RQ) until stopped, sweeping for lost jobs meanwhile."""
    from rq import SimpleWorker

    app = current_app._get_current_object()
    if not app.config.get("JOBS_REDIS_URL"):
        raise click.UsageError("set REDIS_URL (or JOBS_REDIS_URL): without Redis, jobs run inside the web process")
    rq_queue = queue.rq_queue(app)
    sweeper = Sweeper(app, app.config["JOBS_SWEEP_SECONDS"])
    try:
        # SimpleWorker runs each job in this process, in this app context: a job dies with its worker
        # and the sweep fails it, rather than living on as an orphaned fork nobody watches.
        SimpleWorker([rq_queue], connection=rq_queue.connection, name=name).work(burst=burst)
    finally:
        sweeper.stop()


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Mark failed the running jobs whose worker stopped sending heartbeats."""
    failed = queue.sweep()
    db.session.commit()
    run_periodic()
    click.echo(f"{failed} lost jobs marked failed")


def run_periodic() -> None:
    """The registered periodic checks, each committed on its own (one failing leaves the others' work)."""
    for check in PERIODIC:
        try:
            check()
            db.session.commit()
        except Exception:  # noqa: BLE001 - a check that fails now runs again at the next sweep
            db.session.rollback()
            current_app.logger.exception("periodic check %s failed", check.__name__)


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_group)
