"""The kinds of job: a name, the function that does the work, and how its result is shown.

Adding a kind is one decorator on the function that does the work::

    @job_kind("season_workbook", _l("Season workbook"))
    def build_workbook(context: JobContext, season_id: int, locale: str) -> dict: ...

The function runs in a worker with an app context. It changes data through ``db.session`` and
only flushes: the runner commits its changes together with the job's "done", so a worker that
dies half-way leaves nothing half-written. It reports ``context.progress(done, total)``, may
``context.attach(...)`` a file, and returns a small JSON-able dict (the job's result).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contest.models import Job


@dataclass(frozen=True)
class JobKind:
    name: str
    title: object                                   # a lazy string, shown on the job pages
    work: Callable[..., dict | None]
    # The page that shows what the job made, given the result's keys as its URL arguments.
    result_endpoint: str | None = None
    # Keeps a row that follows the job (a dry run) in step when the job fails or is queued again
    # without its work running: called, in the same transaction, with the job in its new status.
    on_settled: Callable[[Job], None] | None = None


KINDS: dict[str, JobKind] = {}


def job_kind(name: str, title, *, result_endpoint: str | None = None,
             on_settled: Callable[[Job], None] | None = None):
    """Register the decorated function as the work of jobs of kind ``name``."""
    def register(work: Callable[..., dict | None]) -> Callable[..., dict | None]:
        if name in KINDS and KINDS[name].work is not work:
            raise ValueError(f"job kind {name!r} is registered twice")
        KINDS[name] = JobKind(name, title, work, result_endpoint, on_settled)
        return work
    return register


def kind_of(job: Job) -> JobKind:
    return KINDS[job.kind]



# Work the worker does between jobs, on every sweep (``flask worker``, ``flask jobs sweep``): small,
# idempotent checks that may queue jobs (mail whose back-off has passed, reminders now due). Each
# runs in an app context; the sweep commits after it.
PERIODIC: list[Callable[[], None]] = []


def periodic(check: Callable[[], None]) -> Callable[[], None]:
    """Run ``check`` on every sweep of the worker."""
    if check not in PERIODIC:
        PERIODIC.append(check)
    return check
