"""Configuration classes; every setting can be overridden from the environment."""
from __future__ import annotations

import os

# The key `make run` and the tests sign sessions with. It is public (it is in this file), so anyone
# can forge a session with it: outside development and testing the app refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-change-me"


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Production-minded defaults: SQLite under instance/ unless DATABASE_URL says otherwise."""

    # "production" unless told otherwise: a server nobody configured must refuse, not run unsafely.
    CONTEST_ENV = os.environ.get("CONTEST_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host; 0 trusts none of them.
    PROXY_HOPS = _int_env("PROXY_HOPS", 0)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite under instance/
    # Shared state across app servers and workers (login limits, jobs); None: all in this process.
    REDIS_URL = os.environ.get("REDIS_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Uploads: the request cap turns into a 413 page; the per-file and per-entry caps into messages.
    MAX_CONTENT_LENGTH = _int_env("MAX_UPLOAD_BYTES", 30 * 1024 * 1024)
    ATTACHMENT_MAX_BYTES = _int_env("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    ENTRY_ATTACHMENTS_MAX_BYTES = _int_env("ENTRY_ATTACHMENTS_MAX_BYTES", 25 * 1024 * 1024)
    ENTRY_ATTACHMENTS_MAX_COUNT = _int_env("ENTRY_ATTACHMENTS_MAX_COUNT", 10)
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # None: instance/uploads
    LANGUAGES = ("uz", "ru", "en")
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "uz")
    BABEL_DEFAULT_TIMEZONE = "Asia/Tashkent"
    DISPLAY_TIMEZONE = "Asia/Tashkent"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 14
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    INVITE_VALID_HOURS = _int_env("INVITE_VALID_HOURS", 72)
    PASSWORD_MIN_LENGTH = 8
    # argon2id parameters (contest/passwords.py PROFILES): OWASP's first recommended configuration.
    PASSWORD_HASH_PROFILE = os.environ.get("PASSWORD_HASH_PROFILE", "OWASP_ARGON2ID")
    # Password guessing: failed attempts on any password form, per account and per client address
    # (limits' notation). In Redis when REDIS_URL is set, so every worker counts against one budget.
    CREDENTIAL_LIMIT_PER_ACCOUNT = os.environ.get("CREDENTIAL_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    CREDENTIAL_LIMIT_PER_ADDRESS = os.environ.get("CREDENTIAL_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    RATELIMIT_ENABLED = True  # explicit: Flask-Limiter otherwise keeps the previous app's setting
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_STORAGE_OPTIONS = {"key_prefix": os.environ.get("RATELIMIT_KEY_PREFIX", "contest-limits")}
    RATELIMIT_STRATEGY = "moving-window"
    ENTRIES_PER_PAGE = 50
    # Requests to /api/v1 per token (or per address without one), in limits' notation; beyond it a JSON 429.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    # A ranking of more score rows than this is computed by a background job, not in the request
    # (about 1 000 entries with 3 sheets of 4 criteria; a national contest takes tens of seconds).
    RANKING_INLINE_MAX_SCORES = _int_env("RANKING_INLINE_MAX_SCORES", 12_000)
    # Background jobs (contest/jobs). With Redis they go to RQ workers (`flask worker`); without it,
    # to a small thread pool in the web process. JOBS_RUNNER may force "rq", "threads" or "inline".
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL") or os.environ.get("REDIS_URL")
    JOBS_RUNNER = os.environ.get("JOBS_RUNNER")  # None: rq when JOBS_REDIS_URL is set, else threads
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "contest-jobs")
    JOBS_THREADS = _int_env("JOBS_THREADS", 2)
    # A running job's worker writes a heartbeat every JOBS_HEARTBEAT_SECONDS; one silent for
    # JOBS_STALE_SECONDS is failed by the sweep, which `flask worker` runs every JOBS_SWEEP_SECONDS.
    JOBS_HEARTBEAT_SECONDS = _int_env("JOBS_HEARTBEAT_SECONDS", 5)
    JOBS_STALE_SECONDS = _int_env("JOBS_STALE_SECONDS", 60)
    JOBS_SWEEP_SECONDS = _int_env("JOBS_SWEEP_SECONDS", 15)
    JOBS_TIMEOUT_SECONDS = _int_env("JOBS_TIMEOUT_SECONDS", 3600)
    # TrueType fonts embedded in certificates (regular, bold); they must cover Uzbek Latin and Cyrillic.
    CERTIFICATE_FONTS = (
        os.environ.get("CERTIFICATE_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        os.environ.get("CERTIFICATE_FONT_BOLD", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    )
    # Modules that register more job kinds (comma-separated), imported when the app is built.
    JOBS_IMPORTS = os.environ.get("JOBS_IMPORTS", "")
    # Mail (contest/mail): every message waits in the outbox table; with no MAIL_SERVER it stays
    # there (the organizers' outbox page shows it), otherwise a job hands it to this SMTP server.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int_env("MAIL_PORT", 587)
    MAIL_SECURITY = os.environ.get("MAIL_SECURITY", "starttls")   # starttls, ssl or none
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "contest@localhost")
    MAIL_TIMEOUT_SECONDS = _int_env("MAIL_TIMEOUT_SECONDS", 30)
    # A message the server refuses for a while is tried again after 1, 4, 16... times MAIL_RETRY_SECONDS,
    # and failed (shown to organizers) after MAIL_MAX_ATTEMPTS tries.
    MAIL_MAX_ATTEMPTS = _int_env("MAIL_MAX_ATTEMPTS", 6)
    MAIL_RETRY_SECONDS = _int_env("MAIL_RETRY_SECONDS", 60)
    # A message claimed by a sender that has been silent this long: the sender died handing it over.
    MAIL_CLAIM_STALE_SECONDS = _int_env("MAIL_CLAIM_STALE_SECONDS", 300)
    # Where the links in mail point (https://contest.example.uz); unset: the host of the request.
    PUBLIC_URL = os.environ.get("PUBLIC_URL")
    PASSWORD_RESET_VALID_MINUTES = _int_env("PASSWORD_RESET_VALID_MINUTES", 60)
    # Reset requests per email typed and per client address (limits' notation), whether the account exists or not.
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = os.environ.get("PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per hour")
    PASSWORD_RESET_LIMIT_PER_ADDRESS = os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "20 per hour")


class TestConfig(Config):
    """In-memory SQLite (or TEST_DATABASE_URL), no CSRF tokens to thread through forms."""

    TESTING = True
    CONTEST_ENV = "testing"
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    REDIS_URL = None  # a test that wants Redis says so; a developer's REDIS_URL must not leak in
    RATELIMIT_STORAGE_URI = "memory://"
    BABEL_DEFAULT_LOCALE = "en"
    JOBS_RUNNER = "inline"  # run jobs as their request commits, so tests need not poll
    SAFE_REQUESTS_WRITE_NOTHING = True  # a GET that writes fails the test that opens it (contest.edge)
    PASSWORD_HASH_PROFILE = "CHEAPEST"  # argon2id all the same, with parameters made for tests
