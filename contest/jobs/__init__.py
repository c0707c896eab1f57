"""Background jobs: the job pages (this blueprint), and the machinery beside them.

- :mod:`contest.jobs.registry`: the kinds of job (one decorator each);
- :mod:`contest.jobs.queue`: ``enqueue``, ``retry``, ``sweep``, dispatch after commit;
- :mod:`contest.jobs.runner`: running one job, its heartbeat and progress;
- :mod:`contest.jobs.worker`: ``flask worker``, ``flask jobs sweep``, the function RQ calls.
"""
from flask import Blueprint

bp = Blueprint("jobs", __name__)

from contest.jobs import views  # noqa: E402,F401  (routes attach to bp)
