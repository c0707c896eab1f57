"""Configuration classes; every setting can be overridden from the environment."""
from __future__ import annotations

import os


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Production-minded defaults: SQLite under instance/ unless DATABASE_URL says otherwise."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite under instance/
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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    INVITE_VALID_HOURS = _int_env("INVITE_VALID_HOURS", 72)
    PASSWORD_MIN_LENGTH = 8
    ENTRIES_PER_PAGE = 50


class TestConfig(Config):
    """In-memory SQLite (or TEST_DATABASE_URL), no CSRF tokens to thread through forms."""

    TESTING = True
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    BABEL_DEFAULT_LOCALE = "en"
    ASSIGNMENT_INLINE = True  # solve dry runs in the request, so tests need not poll
