"""Languages: Uzbek (Latin), Russian and English; money and time shown the local way."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import numbers, support
from flask import Flask, current_app, has_request_context, request, session, url_for
from flask_babel import format_datetime, format_decimal, get_locale, get_translations, gettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from wtforms.i18n import messages_path

from contest.catalogue import N_, Message, Presenter, plain_presenter, render
from contest.extensions import babel
from contest.money import soums

LANGUAGE_NAMES = {"uz": "O‘zbekcha", "ru": "Русский", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    named = (request.view_args or {}).get("lang")  # a page whose address names its language (the public pages)
    if named in languages:
        return named
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]



# The Uzbek Latin alphabet in its order: oʻ, gʻ, sh and ch are letters of their own, after z.
UZBEK_LETTERS = ("a", "b", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u",
                 "v", "x", "y", "z", "oʻ", "gʻ", "sh", "ch")
_UZBEK_LETTER = re.compile("|".join(sorted(UZBEK_LETTERS, key=len, reverse=True)) + "|.", re.DOTALL)
_UZBEK_APOSTROPHES = str.maketrans({"‘": "ʻ", "’": "ʻ", "'": "ʻ", "`": "ʻ", "ʼ": "ʻ"})


def collation_key(text: str) -> str:
    """A key that sorts names the way the reader's alphabet does (Babel has no collation, PyICU is not
    installed). Uzbek: oʻ, gʻ, sh, ch after z, however the apostrophe was typed; Russian: ё with е;
    otherwise case-insensitive. Spaces and digits sort before letters."""
    folded = str(text).casefold()
    language = str(get_locale()) if has_request_context() else current_app.config["BABEL_DEFAULT_LOCALE"]
    if language == "ru":
        return folded.replace("ё", "е")
    if language != "uz":
        return folded
    key = []
    for unit in _UZBEK_LETTER.findall(folded.translate(_UZBEK_APOSTROPHES)):
        if unit in UZBEK_LETTERS:
            key.append(chr(0x1000 + UZBEK_LETTERS.index(unit)))
        elif unit != "ʻ":  # a lone apostrophe (the glottal stop, ma'no) does not change the order
            key.append(chr(0x2000 + ord(unit)) if unit.isalpha() else unit)
    return "".join(key)


def by_name(pairs, name=lambda pair: pair[1]) -> list:
    """Choices, rows or objects in the reader's alphabetical order of their names."""
    return sorted(pairs, key=lambda item: collation_key(str(name(item))))


def file_size(size: int) -> str:
    return gettext("%(size)s KB", size=format_decimal(round(size / 1024, 1)))


def decimal_text(value) -> str:
    """``format_decimal`` in the reader's language, remembered per language and value: a rubric's weights
    and a sheet's marks are the same few numbers on every judge's page."""
    return _decimal_text(get_locale(), value)


@lru_cache(maxsize=4096)
def _decimal_text(locale, value) -> str:
    return numbers.format_decimal(value, locale=locale)


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time shown in Asia/Tashkent, the contest's clock."""
    if value is None:
        return ""
    return format_datetime(value, fmt) + " " + _tz_abbrev(value)


def _tz_abbrev(value: datetime) -> str:
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.astimezone(zone).strftime("(UTC%z)").replace("00)", ")").replace("+0", "+")


def say(message: Message, present: Presenter = plain_presenter) -> str:
    """A catalogue message (an engine's code, a refusal) in the reader's language."""
    return render(message, get_translations(), present)


def coded_text(code: Mapping | None, render: Callable[[Mapping], str], english: str = "") -> str:
    """An engine's message code in the reader's language, or its ``english`` when there is no
    code (older stored answers) or ``render`` does not know it."""
    if not isinstance(code, Mapping):
        return english
    try:
        return render(code)
    except (KeyError, TypeError, ValueError):
        return english


# WTForms' own messages that our forms can show. WTForms translates them into Russian but not into
# Uzbek, so our catalog carries them. A plural's two English forms are two entries: Uzbek does not
# inflect a noun after a number.
VALIDATOR_MESSAGES = frozenset((
    N_("This field is required."),
    N_("Invalid email address."),
    N_("Invalid input."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field must be at least %(min)d character long."),
    N_("Field must be at least %(min)d characters long."),
    N_("Field cannot be longer than %(max)d character."),
    N_("Field cannot be longer than %(max)d characters."),
    N_("Field must be exactly %(max)d character long."),
    N_("Field must be exactly %(max)d characters long."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
))


@cache
def _shipped_form_messages(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class FormMessages:
    """The translations our forms give WTForms (``Form.Meta.get_translations``, WTForms' public hook):
    ours for VALIDATOR_MESSAGES, WTForms' own for the rest and wherever our catalog leaves a message
    untranslated (Russian: WTForms has its plurals)."""

    def gettext(self, string: str) -> str:
        ours = get_translations().ugettext(string) if string in VALIDATOR_MESSAGES else string
        return ours if ours != string else _shipped_form_messages(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        chosen = singular if n == 1 else plural
        ours = get_translations().ugettext(chosen) if chosen in VALIDATOR_MESSAGES else chosen
        return ours if ours != chosen else _shipped_form_messages(str(get_locale())).ungettext(singular, plural, n)


FORM_MESSAGES = FormMessages()


def template_gettext(translations: support.NullTranslations) -> dict[str, Callable]:
    """``_``, ``gettext``, ``ngettext`` and ``pgettext`` for one rendering, bound to the reader's catalog.

    They behave as Jinja's new-style gettext that Flask-Babel installs (autoescaped, always a format
    string), but find the catalog once per page instead of once per string: a judge's page has some
    fifty strings, and each lookup through Flask-Babel asks the request's context for the locale again.
    """
    @pass_context
    def gettext(context, string: str, **variables) -> str:
        if context.eval_ctx.autoescape and not variables:
            return _escaped(translations, string)
        text = translations.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def pgettext(context, string_context: str, string: str, **variables) -> str:
        variables.setdefault("context", string_context)
        text = translations.upgettext(string_context, string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "pgettext": pgettext}


@lru_cache(maxsize=8192)
def _escaped(translations: support.NullTranslations, string: str) -> Markup:
    """A sentence of a template without parameters, as the page writes it: the same for every page in a language."""
    return Markup(translations.ugettext(string)) % {}


@lru_cache(maxsize=4096)
def _path_for(script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def path_for(endpoint: str, **values) -> str:
    """``url_for`` of a page of this site (a path, no anchor), built once per process: the judges' pages
    and the layout link the same few dozen places on every request. Only for absolute endpoint names;
    no route of the app has URL defaults that could change the answer between requests."""
    return _path_for(request.script_root, endpoint, tuple(sorted(values.items())))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    app.jinja_env.filters["soums"] = soums  # the one money format (contest.money)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.globals["path_for"] = path_for

    @app.context_processor
    def inject_languages():
        return {"language_names": LANGUAGE_NAMES, "current_locale": str(get_locale()),
                **template_gettext(get_translations())}
