"""gunicorn settings for `make serve` (gunicorn reads this file from the working directory).

Every setting can be overridden on the command line or from the environment: BIND, WEB_CONCURRENCY.
"""
import gc
import multiprocessing
import os

from gunicorn.glogging import Logger

from contest.logs import LOGGING

wsgi_app = "run:app"
bind = os.environ.get("BIND", "127.0.0.1:8000")
# The pages are CPU-bound Python: two processes per core keep the cores busy while one waits on
# the database; a single-core box still gets two.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A request that runs longer than this is a bug or belongs on a background job; the worker is
# killed and replaced rather than left hanging.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 20
# JSON lines with a request id on stdout and stderr (contest/logs.py); the app writes the access lines.
logconfig_dict = LOGGING
accesslog = None


class AppWritesTheAccessLines(Logger):
    """gunicorn's logger, without its access line: the app writes one per request (contest/logs.py). With a
    log configuration set, gunicorn would otherwise build its own line for every request (about 3 % of a
    worker's time under load) and hand it to a logger with no handler."""

    access_log_enabled = False


logger_class = AppWritesTheAccessLines


def post_worker_init(worker):
    """Said once the app is loaded: from here on this worker takes requests (tests and benchmarks wait for it).

    The app's ~200 000 objects built at start-up live as long as the worker: frozen out of the garbage
    collector, they are no longer scanned by every full collection, which took 150-230 ms each, in the
    middle of some request (bench/load.py's paced p95); after the freeze a full collection takes a few ms.
    """
    gc.collect()  # what start-up left over goes now, not kept forever
    gc.freeze()
    worker.log.info("Worker ready (pid: %s)", worker.pid)
