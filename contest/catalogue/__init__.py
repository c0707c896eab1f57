"""Every message the engines and the services' refusals give, worded once.

An engine or a service says *what* happened as a :class:`Message`: a code from a closed set and
its named parameters (ids, numbers, lists). This catalogue holds the one wording of each code,
marked for translation (``N_`` and ``NP_`` are the extraction markers). The engines' command
lines render English from it (:func:`english`); the web renders the same template in the
reader's language (``contest.i18n.say``). No other copy of a wording exists, so none can drift.

The per-area tables live beside this module (``scoring``, ``assignment``, ...) and are merged
into :data:`MESSAGES` on first use. A code is registered once: two areas cannot claim it.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol


def N_(message: str) -> str:
    """Marks a wording for the translation catalog; the text stays English here."""
    return message


@dataclass(frozen=True)
class Plural:
    """A wording with a singular and a plural form, chosen by the parameter ``count``."""

    singular: str
    plural: str
    count: str = "num"


def NP_(singular: str, plural: str, count: str = "num") -> Plural:
    """Marks a plural wording for the translation catalog (extracted with ``-k NP_:1,2``)."""
    return Plural(singular, plural, count)


@dataclass(frozen=True)
class Message:
    """A code and its parameters; ``as_json`` is how answers and stored snapshots carry it."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, **self.params}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        return cls(str(data["code"]), {key: value for key, value in data.items() if key != "code"})

    def __str__(self) -> str:
        return english(self)


class Translations(Protocol):
    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class _English:
    """The catalogue's own words: no translation."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


ENGLISH = _English()

# How one parameter's value is written into a sentence: (name, value) -> text.
Presenter = Callable[[str, Any], str]


def plain(value: Any) -> str:
    """A value as a sentence writes it: 10.0 -> "10", 2.5 -> "2.5", a list joined by commas."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(item) for item in value)
    return str(value)


def plain_presenter(name: str, value: Any) -> str:
    return plain(value)


def render(message: Message, translations: Translations = ENGLISH, present: Presenter = plain_presenter) -> str:
    """The message's sentence in the language of ``translations``, each parameter written by ``present``."""
    wording = MESSAGES()[message.code]
    values = {name: present(name, value) for name, value in message.params.items()}
    if isinstance(wording, Plural):
        count = message.params[wording.count]
        text = translations.ngettext(wording.singular, wording.plural, int(count))
        values.setdefault("num", plain(count))
    else:
        text = translations.gettext(wording)
    return text % values if "%" in text else text


def english(message: Message) -> str:
    """The English sentence: what the engines' command lines print."""
    return render(message)


class Refusal(ValueError):
    """Why a change cannot be made: one or more :class:`Message` codes, never free text.

    Services raise it (or a subclass naming their area) and flush nothing; the web shows each
    message in the reader's language and rolls back. ``str()`` is the English, for logs and CLIs.
    """

    def __init__(self, code: str | Message | Iterable[Message], **params: Any):
        if isinstance(code, str):
            self.messages = [Message(code, params)]
        elif isinstance(code, Message):
            self.messages = [code]
        else:
            self.messages = list(code)
        super().__init__("; ".join(english(message) for message in self.messages))

    @property
    def codes(self) -> list[str]:
        return [message.code for message in self.messages]


@cache
def MESSAGES() -> dict[str, str | Plural]:  # noqa: N802 - the catalogue, built once on first use
    """Every code's wording, gathered from the area modules of this package."""
    merged: dict[str, str | Plural] = {}
    for module in sorted(info.name for info in pkgutil.iter_modules(__path__)):
        table = importlib.import_module(f"{__name__}.{module}").MESSAGES
        for code, wording in table.items():
            if code in merged:
                raise RuntimeError(f"message code {code!r} is registered twice (again in {module})")
            merged[code] = wording
    return merged
