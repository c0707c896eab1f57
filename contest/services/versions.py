"""No lost updates: a save made from a form read at an older version of its record is refused
when a value the form shows has changed since, and the refusal names each such value.

A form carries what it was read at (:class:`Seen`: the record's version and a short digest of
each value it showed). The service calls :func:`check` (or :func:`check_all` for a form with a
row per record) before changing anything. A version that moved on because of a value this form
does not show (a contest's judges per entry, set on the panel page) refuses nothing: nothing the
organizer typed would overwrite it. The race between this check and the write is caught by the
ORM's version column (``StaleDataError``), and :func:`contest.actions.commit_change` then runs
the change again against what is stored now, so this check names what changed.
"""
from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from contest.models.versioned import Versioned

REMOVAL_MESSAGE = _l("Someone else changed this since you opened the page, so it is not removed. Read it again, "
                     "then remove it if you still want to.")
STALE_MESSAGE = _l("Someone else saved this since you opened it, so nothing of yours is saved yet. "
                   "What you typed is kept: compare it with what is saved now, then save again.")


@dataclass(frozen=True)
class Seen:
    """What an edit form was read at. ``version`` None means the client read no form (a script):
    it acts on what is stored now. ``key`` says where the form shows the record (a row's prefix),
    and comes back with the changes so the form can show them beside what was typed."""

    version: int | None
    digests: Mapping[str, str] = field(default_factory=dict)
    key: str = ""


@dataclass(frozen=True)
class Changed:
    """A value shown by the form that is no longer what it was when the form was read."""

    key: str
    name: str
    stored: object
    record: str = ""  # the row's name in a form with a row per record


@dataclass(frozen=True)
class Fresh:
    """What a refused form is read at now, so that its next save goes through."""

    key: str
    version: int
    digests: Mapping[str, str]


class StaleEdit(Exception):
    """A save refused because what it would overwrite changed since its form was read."""

    def __init__(self, changes: list[Changed], fresh: list[Fresh], message=STALE_MESSAGE):
        self.changes, self.fresh = changes, fresh
        super().__init__(str(message))


@dataclass(frozen=True)
class Read:
    """One record of a form, with what the form says it was read at and the values it shows."""

    record: Versioned
    seen: Seen | None
    shown: Mapping[str, object]
    name: str = ""


def digests(shown: Mapping[str, object]) -> dict[str, str]:
    return {name: _digest(value) for name, value in shown.items()}


def encode(digests_: Mapping[str, str]) -> str:
    return json.dumps(digests_, sort_keys=True, separators=(",", ":"))


def decode(text: str | None) -> dict[str, str]:
    """The digests a form sent back; anything unreadable counts as "every value changed"."""
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def check(record: Versioned, seen: Seen | None, shown: Mapping[str, object]) -> None:
    check_all([Read(record, seen, shown)])


def check_all(reads: Iterable[Read]) -> None:
    """Refuse (:class:`StaleEdit`) when any record moved on since its form was read and a value the
    form shows differs from what the form was read with; otherwise change nothing."""
    changes, fresh = [], []
    for read in reads:
        key = read.seen.key if read.seen else ""
        now = digests(read.shown)
        fresh.append(Fresh(key, read.record.version, now))
        if read.seen is None or read.seen.version is None or read.seen.version == read.record.version:
            continue
        changes += [Changed(key, name, value, read.name) for name, value in read.shown.items()
                    if now[name] != read.seen.digests.get(name)]
    if changes:
        raise StaleEdit(changes, fresh)


def check_removal(record: Versioned, version: int | None) -> None:
    """A removal offered by a page read at an older version of the record is refused: what it would
    remove is no longer what the page showed. ``version`` None: the client read no page."""
    if version is not None and version != record.version:
        raise StaleEdit([], [], REMOVAL_MESSAGE)


def _digest(value: object) -> str:
    """A short digest of a value as stored, the same on SQLite and PostgreSQL."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
    elif isinstance(value, datetime):  # forms show and send times to the minute
        text = value.astimezone(timezone.utc).replace(second=0, microsecond=0).isoformat()
    elif isinstance(value, enum.Enum):
        text = str(value.value)
    else:
        text = "" if value is None else str(value)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
