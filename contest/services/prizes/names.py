"""Names and explanations in the reader's language: default countries and prizes translated,
the engines' reasons worded by the message catalogue."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from contest.catalogue import Presenter
from contest.catalogue import allocation as allocation_words
from contest.catalogue import winners as winners_words
from contest.i18n import coded_text, say
from contest.money import NO_BREAK
from contest.models import FixedPrize
from contest.services.prizes.seed import DEFAULT_COUNTRIES, default_prize_name

# The default countries' names in the reader's language (the catalogue stores them in English).
COUNTRY_NAMES = {"DE": _l("Germany"), "JP": _l("Japan"), "CN": _l("China"), "RU": _l("Russia"),
                 "IT": _l("Italy"), "TR": _l("Turkey"), "KR": _l("South Korea"), "SG": _l("Singapore")}
_DEFAULT_NAMES = {code: name for code, name, _cost, _places in DEFAULT_COUNTRIES}

# The engines give each explanation as a reason (a code with named parameters; docs/allocation.md
# and docs/prizes.md), worded once in contest/catalogue/allocation.py and winners.py. These render
# the reasons in the current language. A reason the catalogue does not know (a newer engine, an
# old snapshot without reasons) is shown with the English it was stored with.

def country_name(code: str, name: str | None = None) -> str:
    """A default country under its default name is shown translated; a name an organizer typed, as typed."""
    if code in COUNTRY_NAMES and (not name or name == _DEFAULT_NAMES[code]):
        return str(COUNTRY_NAMES[code])
    return name or code


def prize_name(prize: FixedPrize) -> str:
    """A prize under its default name (stored in the language of the day it was created) is shown in the
    reader's language; a name an organizer typed, as typed."""
    defaults = set()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            defaults.add(default_prize_name(prize.contest))
    return default_prize_name(prize.contest) if prize.name in defaults else prize.name


def country_names(rows: list[dict]) -> dict[str, str]:
    """{code: name in the reader's language} for catalogue rows as the engine gets them."""
    return {row["id"]: country_name(row["id"], row.get("name")) for row in rows}


def allocation_presenter(names: Mapping[str, str]) -> Presenter:
    return allocation_words.presenter(lambda country: names.get(country, country), NO_BREAK)


def allocation_text(reason: Mapping | None, names: Mapping[str, str], english: str = "") -> str:
    """One allocation reason in the reader's language; ``names`` from :func:`country_names`."""
    present = allocation_presenter(names)
    return coded_text(reason, lambda found: allocation_words.sentence(
        found, lambda message: say(message, present), lambda country: names.get(country, country)), english)


def selection_text(reason: Mapping | None, contests: Mapping[str, str], english: str = "") -> str:
    """One winners-rule reason in the reader's language; ``contests`` gives contest names by id."""
    present = winners_words.presenter(lambda contest: contests.get(contest, contest))
    return coded_text(reason, lambda found: winners_words.sentence(found, lambda message: say(message, present)),
                      english)


@dataclass
class Explained:
    """Every explanation of one allocation (and the selection it came from), in the reader's language."""

    countries: dict[str, str]          # code -> name
    allocation: dict[str, str]         # person -> why they got what they got
    selection: dict[str, str]          # person -> why they were (not) selected
    skipped: list[str]                 # one line per skipped team


def explain(selection_result: dict, selection_instance: dict, country_rows: list[dict],
            allocation_result: dict | None) -> Explained:
    """Render a selection and its allocation, live or as committed (both keep these plain dicts)."""
    names = country_names(country_rows)
    contests = {c["id"]: c.get("name") or c["id"] for c in selection_instance.get("contests", [])}
    result = allocation_result or {}
    english = result.get("explanations", {})
    reasons = result.get("reasons", {})
    chosen = {person: allocation_text(reasons.get(person), names, text) for person, text in english.items()}
    picked_english = selection_result.get("explanations", {})
    picked_reasons = selection_result.get("reasons", {})
    picked = {person: selection_text(picked_reasons.get(person), contests, text)
              for person, text in picked_english.items()}
    skipped = [selection_text({"code": "team_did_not_fit", **{k: s[k] for k in ("contest", "entry_rank", "team",
                                                                                  "left")}}, contests)
               for s in selection_result.get("skipped", [])]
    return Explained(names, chosen, picked, skipped)
