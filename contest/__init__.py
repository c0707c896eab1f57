"""The contest-judging platform: application factory."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from contest.config import Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The engines solve many small numeric problems; multi-threaded BLAS spends more time waking
# threads than computing (a 12-entry ranking took 1.1 s instead of 0.09 s on 2 busy cores).
# Set before anything loads numpy (openpyxl does); an explicit environment setting still wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def create_app(config: type[Config] | dict | None = None) -> Flask:
    from contest.edge import ContestFlask  # here, not above: importing an engine (contest.engines) loads no database

    app = ContestFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    register_security(app)
    register_logging(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'contest.db'}"
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")

    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def init_each(app: Flask, *modules: str) -> None:
    """Each module's ``init_app(app)``, in this order; imported only once the app is being built, so that
    no module imported by them imports the package back half-made."""
    for name in modules:
        importlib.import_module(name).init_app(app)


def register_security(app: Flask) -> None:
    """First of all: a production app with an unsafe setting refuses to be built at all."""
    init_each(app, "contest.security")


def register_logging(app: Flask) -> None:
    init_each(app, "contest.logs")


def register_extensions(app: Flask) -> None:
    from contest.auth import access
    from contest.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_each(app, "contest.edge", "contest.i18n", "contest.passwords", "contest.services.audit")
    access.init_app(app, login_manager)
    register_jobs(app)
    init_each(app, "contest.services.mail")


def register_jobs(app: Flask) -> None:
    """The job queue, and the modules that add job kinds beyond the app's own (JOBS_IMPORTS)."""
    init_each(app, "contest.jobs.queue", "contest.services.stored_rankings")
    for module in filter(None, (name.strip() for name in app.config["JOBS_IMPORTS"].split(","))):
        importlib.import_module(module)


def _numbers_up_to(limit: int) -> str:
    """A regular expression matching the decimal numbers 0..limit, e.g. 0..2147483647."""
    digits = str(limit)
    shorter = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    below_at = [f"{digits[:i]}[0-{int(d) - 1}]\\d{{{len(digits) - i - 1}}}" for i, d in enumerate(digits) if d != "0"]
    return "(?:" + "|".join(shorter + below_at + [digits]) + ")"


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route. A number beyond the id columns (INTEGER on PostgreSQL) names no row;
    the route's pattern does not admit it, so it answers 404 before the database refuses it with a 500."""

    regex = _numbers_up_to(2**31 - 1)


def register_url_converters(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter


# Each feature's blueprint (the package's ``bp``) and where its pages live, in the order they are registered.
BLUEPRINTS = (
    ("contest.main", None), ("contest.health", None), ("contest.auth", "/auth"), ("contest.submissions", "/entries"),
    ("contest.judging", "/judging"), ("contest.organizer", "/organizer"), ("contest.results", "/results"),
    ("contest.prizes", "/prizes"), ("contest.imports", "/organizer/import"), ("contest.jobs", "/organizer/jobs"),
    ("contest.mail", "/organizer/mail"), ("contest.public", "/public"), ("contest.certificates", "/certificates"),
    ("contest.tokens", "/tokens"),
)


def register_blueprints(app: Flask) -> None:
    for package, prefix in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(package).bp, url_prefix=prefix)
    init_each(app, "contest.api")  # the JSON API: flask-smorest's Api and its blueprint


def register_errorhandlers(app: Flask) -> None:
    init_each(app, "contest.errors")


def register_commands(app: Flask) -> None:
    init_each(app, "contest.cli", "contest.jobs.worker", "contest.mail.commands")
