"""Languages: Uzbek (Latin), Russian and English; money and time shown the local way."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, format_decimal, gettext
from flask_login import current_user

from contest.extensions import babel

LANGUAGE_NAMES = {"uz": "O‘zbekcha", "ru": "Русский", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


NO_BREAK = "\u00a0"


def format_soums(amount: int | None) -> str:
    """15000000000 -> '15 000 000 000 UZS' (whole soums, groups by spaces). The spaces are
    no-break spaces, so a sum is never broken over two lines in a table or a sentence."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", NO_BREAK) + NO_BREAK + "UZS"


def file_size(size: int) -> str:
    return gettext("%(size)s KB", size=format_decimal(round(size / 1024, 1)))


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time shown in Asia/Tashkent, the contest's clock."""
    if value is None:
        return ""
    return format_datetime(value, fmt) + " " + _tz_abbrev(value)


def _tz_abbrev(value: datetime) -> str:
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.astimezone(zone).strftime("(UTC%z)").replace("00)", ")").replace("+0", "+")


def coded_text(code: Mapping | None, render: Callable[[Mapping], str], english: str = "") -> str:
    """An engine's message code in the reader's language, or its ``english`` when there is no
    code (older stored answers) or ``render`` does not know it."""
    if not isinstance(code, Mapping):
        return english
    try:
        return render(code)
    except (KeyError, TypeError, ValueError):
        return english


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["soums"] = format_soums
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["file_size"] = file_size

    @app.context_processor
    def inject_languages():
        from flask_babel import get_locale

        return {"language_names": LANGUAGE_NAMES, "current_locale": str(get_locale())}
