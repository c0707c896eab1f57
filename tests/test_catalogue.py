"""The message catalogue: one wording per code, translated into Uzbek and Russian with the same
parameters, rendered in English for the engines' command lines and in the reader's language on
the web."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.support import Translations

from contest.catalogue import ENGLISH, MESSAGES, Message, Plural, Refusal, english, render

TRANSLATIONS = Path(__file__).resolve().parent.parent / "contest" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _forms(wording) -> list[str]:
    return [wording.singular, wording.plural] if isinstance(wording, Plural) else [wording]


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_every_code_is_translated_with_the_same_parameters(language):
    translations = Translations.load(str(TRANSLATIONS), [language])
    missing, mismatched = [], []
    for code, wording in MESSAGES().items():
        if isinstance(wording, Plural):
            translated = [translations.ngettext(wording.singular, wording.plural, n) for n in (1, 2, 5)]
        else:
            translated = [translations.gettext(wording)]
        if any(text in _forms(wording) for text in translated):
            missing.append(code)
        wanted = set().union(*(PLACEHOLDER.findall(form) for form in _forms(wording)))
        for text in translated:
            if set(PLACEHOLDER.findall(text)) - wanted - {"num"}:
                mismatched.append((code, text))
    assert not missing, f"{language}: codes without a translation: {missing}"
    assert not mismatched, f"{language}: translations naming parameters the code does not give: {mismatched}"


def test_every_wording_renders_with_its_own_parameters():
    for code, wording in MESSAGES().items():
        names = set().union(*(PLACEHOLDER.findall(form) for form in _forms(wording)))
        params = {name: 3 for name in names}
        if isinstance(wording, Plural):
            params[wording.count] = 3
        assert english(Message(code, params)), code


def test_plural_and_presenter():
    plural = Plural("%(num)s entry", "%(num)s entries", "count")
    MESSAGES()["_test_plural"] = plural
    try:
        assert render(Message("_test_plural", {"count": 1}), ENGLISH) == "1 entry"
        assert render(Message("_test_plural", {"count": 4}), ENGLISH) == "4 entries"
    finally:
        del MESSAGES()["_test_plural"]


def test_a_refusal_carries_codes_and_reads_in_english():
    code = next(iter(MESSAGES()), None)
    if code is None:
        pytest.skip("no code registered yet")
    wording = MESSAGES()[code]
    names = set().union(*(PLACEHOLDER.findall(form) for form in _forms(wording)))
    params = {name: 1 for name in names}
    if isinstance(wording, Plural):
        params[wording.count] = 1
    refusal = Refusal(code, **params)
    assert refusal.codes == [code]
    assert str(refusal) == english(Message(code, params))
    assert isinstance(refusal, ValueError)
