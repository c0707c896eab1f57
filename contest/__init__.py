"""The contest-judging platform: application factory."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from contest.config import Config
from contest.edge import ContestFlask

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The engines solve many small numeric problems; multi-threaded BLAS spends more time waking
# threads than computing (a 12-entry ranking took 1.1 s instead of 0.09 s on 2 busy cores).
# Set before anything loads numpy (openpyxl does); an explicit environment setting still wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def create_app(config: type[Config] | dict | None = None) -> Flask:
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


def register_security(app: Flask) -> None:
    """First of all: a production app with an unsafe setting refuses to be built at all."""
    from contest import security

    security.init_app(app)


def register_logging(app: Flask) -> None:
    from contest import logs

    logs.init_app(app)


def register_extensions(app: Flask) -> None:
    from contest import i18n, passwords
    from contest.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from contest import edge

    edge.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    passwords.init_app(app)
    from contest.services import audit

    audit.init_app(app)
    from contest.auth import access

    access.init_app(app, login_manager)
    register_jobs(app)
    from contest.services import mail

    mail.init_app(app)


def register_jobs(app: Flask) -> None:
    """The job queue, and the modules that add job kinds beyond the app's own (JOBS_IMPORTS)."""
    import importlib

    from contest.jobs import queue
    from contest.services import stored_rankings

    queue.init_app(app)
    stored_rankings.init_app(app)
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


def register_blueprints(app: Flask) -> None:
    from contest import api
    from contest.auth import bp as auth_bp
    from contest.certificates import bp as certificates_bp
    from contest.health import bp as health_bp
    from contest.imports import bp as imports_bp
    from contest.jobs import bp as jobs_bp
    from contest.mail import bp as mail_bp
    from contest.judging import bp as judging_bp
    from contest.main import bp as main_bp
    from contest.organizer import bp as organizer_bp
    from contest.prizes import bp as prizes_bp
    from contest.public import bp as public_bp
    from contest.results import bp as results_bp
    from contest.submissions import bp as submissions_bp
    from contest.tokens import bp as tokens_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(submissions_bp, url_prefix="/entries")
    app.register_blueprint(judging_bp, url_prefix="/judging")
    app.register_blueprint(organizer_bp, url_prefix="/organizer")
    app.register_blueprint(results_bp, url_prefix="/results")
    app.register_blueprint(prizes_bp, url_prefix="/prizes")
    app.register_blueprint(imports_bp, url_prefix="/organizer/import")
    app.register_blueprint(jobs_bp, url_prefix="/organizer/jobs")
    app.register_blueprint(mail_bp, url_prefix="/organizer/mail")
    app.register_blueprint(public_bp, url_prefix="/public")
    app.register_blueprint(certificates_bp, url_prefix="/certificates")
    app.register_blueprint(tokens_bp, url_prefix="/tokens")
    api.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from contest import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from contest import cli

    cli.init_app(app)
    from contest.jobs import worker

    worker.init_app(app)
    from contest.mail import commands as mail_commands

    mail_commands.init_app(app)
