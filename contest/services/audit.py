"""The audit log: who changed what, appended to a hash chain in the same transaction as the change.

Business actions (a sheet submitted, an assignment committed, a ranking published...) call
:func:`record` from the service that makes them. Plain edits of the organizers' settings (contests,
rubrics, rounds, panels, the prize catalogue, conflicts) are recorded by mapper events as they are
flushed, field by field, so that no edit form needs its own call. A transaction's events join the chain as it commits,
serialised (on PostgreSQL by a transaction-scoped advisory lock; SQLite has one writer anyway), so
two requests never fork the chain, and an event rolled back with its change leaves no trace.
:func:`verify` walks the chain.
"""
from __future__ import annotations

import enum
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Integer, String, event, inspect, text
from sqlalchemy.orm import Session

from contest.extensions import db
from contest.models import (
    AllocationSnapshot, Assignment, AssignmentRun, AuditEvent, Conflict, ConflictDeclaration, Contest, ContestField,
    ContestJudge, Criterion, Entry, FixedPrize, InternshipCountry, OutboxMessage, PrizeSettings, ResultSnapshot,
    ScoringRound, Season, User, utcnow,
)
from contest.models.audit import GENESIS
from contest.pending import listen as listen_pending
from contest.pending import outermost, pending

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises appends.
CHAIN_LOCK = 0x6175646974  # "audit"
SYSTEM = "system"
STAGED = "audit_staged"  # session.info: the transaction's events, appended at its commit

# Settings edited on plain forms: their column changes are recorded by mapper events.
EDITED_IN_PLACE: dict[type, str] = {
    Season: "season", Contest: "contest", ContestField: "field", Criterion: "criterion",
    ScoringRound: "round", ContestJudge: "panel_member", Conflict: "conflict", ConflictDeclaration: "declaration",
    PrizeSettings: "prize_settings", FixedPrize: "prize", InternshipCountry: "country",
}

# Actions worded once, for the organizers' page; settings edits are "<thing>: <change>".
ACTION_LABELS = {
    "sheet.saved": _l("Score sheet saved as a draft"),
    "sheet.submitted": _l("Score sheet submitted"),
    "revision.saved": _l("Revision of a submitted sheet saved"),
    "revision.submitted": _l("Revision submitted: its marks replace the sheet's"),
    "revision.discarded": _l("Revision discarded"),
    "ballot.saved": _l("Final-round place saved as a draft"),
    "ballot.submitted": _l("Final-round place submitted"),
    "ballot_revision.saved": _l("Revision of a final-round place saved"),
    "ballot_revision.submitted": _l("Revision of a final-round place submitted"),
    "assignment.committed": _l("Assignment run committed"),
    "assignment.added": _l("Judge assigned by hand"),
    "assignment.removed": _l("Assignment removed"),
    "assignment.released": _l("Assignment released"),
    "assignment.reassigned": _l("Entry reassigned to another judge"),
    "final_round.opened": _l("Final round opened"),
    "ranking.published": _l("Ranking published"),
    "allocation.committed": _l("Prize allocation committed"),
    "certificates.issued": _l("Certificates issued"),
    "preferences.set": _l("Internship preferences set"),
    "import.participants": _l("Participants imported"),
    "import.judges": _l("Judges imported"),
    "api_token.issued": _l("API token issued"),
    "api_token.revoked": _l("API token revoked"),
    "user.created": _l("Staff account created"),
    "user.invited": _l("Judge invited"),
    "user.invite_reissued": _l("Invitation link issued again"),
    "user.invite_accepted": _l("Invitation accepted, password set"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset from an emailed link"),
    "mail.batch_sent": _l("Held mail sent"),
    "mail.retried": _l("Failed mail sent again"),
    "judge.expertise_set": _l("Judge's expertise set"),
    "entry.withdrawn": _l("Entry withdrawn"),
    "entry.judges_needed": _l("Number of judges for an entry set"),
}
THING_LABELS = {
    "season": _l("Season"), "contest": _l("Contest"), "field": _l("Field"), "criterion": _l("Criterion"),
    "round": _l("Scoring window"), "panel_member": _l("Panel member"), "conflict": _l("Conflict"),
    "declaration": _l("Conflict declaration"), "prize_settings": _l("Prize settings"), "prize": _l("Fixed prize"),
    "country": _l("Internship country"), "assignment": _l("Assignment"), "assignment_run": _l("Assignment run"),
    "ranking": _l("Published ranking"), "allocation": _l("Prize allocation"), "user": _l("Account"),
    "entry": _l("Entry"), "author": _l("Co-author"), "import": _l("Import"), "mail": _l("Mail"),
}
CHANGE_LABELS = {"created": _l("added"), "updated": _l("changed"), "deleted": _l("removed")}
ACTOR_LABELS = {"cli": _l("Command line"), SYSTEM: _l("System")}

# What the business events are about, named in the log as these words (else the class name, lowercased).
SUBJECT_NAMES: dict[type, str] = {
    **EDITED_IN_PLACE, Assignment: "assignment", AssignmentRun: "assignment_run", ResultSnapshot: "ranking",
    AllocationSnapshot: "allocation", User: "user", Entry: "entry", OutboxMessage: "mail",
}

_acting_as: ContextVar[User | str | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(actor: User | str):
    """Who the changes made inside are recorded as, where there is no signed-in user (the CLI)."""
    token = _acting_as.set(actor)
    try:
        yield
    finally:
        _acting_as.reset(token)


def plain(value):
    """A value as it is stored in the log's JSON (and hashed): numbers, strings, lists, dicts."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields whose value differs, from both sides."""
    keys = [key for key in {**before, **after} if plain(before.get(key)) != plain(after.get(key))]
    return ({key: before[key] for key in keys if key in before},
            {key: after[key] for key in keys if key in after})


def _actor(explicit: User | str | None) -> tuple[int | None, str]:
    actor = explicit if explicit is not None else _acting_as.get()
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if isinstance(actor, User):
        return actor.id, actor.email
    return None, actor or SYSTEM


def _head(session: Session) -> tuple[int, str]:
    """The chain's last (seq, hash), holding the append lock until this transaction ends (on PostgreSQL
    one statement, ``audit_chain_head``; SQLite lets one writer in at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(_locked_head_statement(), {"key": CHAIN_LOCK}).first()
    else:
        row = session.execute(_head_statement()).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


@cache
def _head_statement():
    events = AuditEvent.__table__.c
    return db.select(events.seq, events.hash).order_by(events.seq.desc()).limit(1)


@cache
def _locked_head_statement():
    return text("SELECT seq, hash FROM audit_chain_head(:key)").columns(seq=Integer, hash=String)


def _subject(subject) -> tuple[str, int | None]:
    if subject is None:
        return "", None
    if isinstance(subject, tuple):
        return subject
    kind = SUBJECT_NAMES.get(type(subject)) or type(subject).__name__.lower()
    return kind, inspect(subject).identity[0] if inspect(subject).identity else None


def record(action: str, subject=None, *, before: dict | None = None, after: dict | None = None,
           entry: Entry | int | None = None, actor: User | str | None = None) -> AuditEvent:
    """Record an event of the current transaction; it joins the chain when the transaction commits.

    ``subject`` is a model row (its id is read at the commit, so a new row may be named) or a
    ``(type, id)`` pair; ``actor`` defaults to the signed-in user, or to whoever :func:`acting_as`
    names, or to "system". Given both ``before`` and ``after``, only the fields that differ are kept.
    """
    if before is not None and after is not None:
        before, after = changed(before, after)
    actor_id, actor_label = _actor(actor)
    event_row = AuditEvent(
        actor_id=actor_id, actor_label=actor_label[:255], action=action,
        before=json.loads(json.dumps(plain(before))) if before else None,
        after=json.loads(json.dumps(plain(after))) if after else None)
    staged(db.session()).append((event_row, subject, entry))
    return event_row


def staged(session: Session) -> list[tuple[AuditEvent, object, Entry | int | None]]:
    """The events recorded in this transaction, not yet in the chain (a savepoint rolled back drops its own)."""
    return pending(session, STAGED)


def _append_staged(session: Session) -> None:
    """Before a commit: the transaction's events join the chain, in the order they were recorded.

    Done last, so the append lock is held only while the commit writes, and no row is locked after
    it: a request that holds a row and waits for the chain can never be waiting on one that holds
    the chain and waits for that row. A savepoint's release is no commit: its events wait for the real one.
    """
    if not outermost(session):
        return
    session.flush()  # the last changes first, and the settings they create, with their ids
    events, session.info[STAGED] = session.info.get(STAGED), []
    if not events:
        return
    seq, prev_hash = _head(session)
    at = utcnow()
    for event_row, subject, entry in events:
        event_row.subject_type, event_row.subject_id = _subject(subject)
        event_row.entry_id = entry.id if isinstance(entry, Entry) else entry
        seq += 1
        event_row.seq, event_row.at, event_row.prev_hash = seq, at, prev_hash
        event_row.hash = prev_hash = event_row.computed_hash()
    # Core, not the unit of work: the events are only ever inserted, and this runs in every change's commit.
    columns = AuditEvent.__table__.columns.keys()
    session.execute(db.insert(AuditEvent.__table__),
                    [{name: getattr(event_row, name) for name in columns} for event_row, _subject, _entry in events])


# -- plain edits, recorded by mapper events during the flush -------------------------------------

# Bookkeeping, not content: the lost-update counter moves with every save (contest.models.versioned).
NOT_RECORDED = frozenset({"version"})


def _columns(row) -> dict:
    """The row's loaded column values, its id and bookkeeping left out (the event's subject says it)."""
    state = inspect(row)
    return {attr.key: getattr(row, attr.key) for attr in state.mapper.column_attrs
            if attr.key not in state.unloaded and attr.key not in NOT_RECORDED
            and not any(column.primary_key for column in attr.columns)}


def _keep_previous_value(target, value, oldvalue, initiator) -> None:
    """Registered with ``active_history``, so a setting changed after a commit still knows its old value."""


def _record_created(mapper, connection, row) -> None:
    after = {key: value for key, value in _columns(row).items() if value is not None}
    record(f"{EDITED_IN_PLACE[type(row)]}.created", row, after=after, entry=getattr(row, "entry_id", None))


def _record_updated(mapper, connection, row) -> None:
    state = inspect(row)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes() and attr.key not in NOT_RECORDED:
            before[attr.key] = history.deleted[0] if history.deleted else None
            after[attr.key] = history.added[0] if history.added else None
    if plain(before) != plain(after):
        record(f"{EDITED_IN_PLACE[type(row)]}.updated", row, before=before, after=after,
               entry=getattr(row, "entry_id", None))


def _record_deleted(mapper, connection, row) -> None:
    """Also for rows removed from a collection (a criterion from its rubric), deleted as orphans."""
    record(f"{EDITED_IN_PLACE[type(row)]}.deleted", row, before=_columns(row), entry=getattr(row, "entry_id", None))


def init_app(app) -> None:
    if event.contains(Session, "before_commit", _append_staged):
        return
    event.listen(Session, "before_commit", _append_staged)
    listen_pending()  # a transaction rolled back (or closed uncommitted), or a savepoint, leaves no event
    for model in EDITED_IN_PLACE:
        event.listen(model, "after_insert", _record_created)
        event.listen(model, "before_update", _record_updated)
        event.listen(model, "before_delete", _record_deleted)
        for attr in inspect(model).column_attrs:
            event.listen(attr.class_attribute, "set", _keep_previous_value, active_history=True)


# -- reading the log ---------------------------------------------------------------------------

def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    thing, _dot, change = action.partition(".")
    if thing in THING_LABELS and change in CHANGE_LABELS:
        return f"{THING_LABELS[thing]}: {CHANGE_LABELS[change]}"
    return action


def events(*, actor: str | None = None, entry_id: int | None = None, action: str | None = None):
    """The log, newest first, narrowed to one person (their actor label), one entry, one action."""
    query = db.select(AuditEvent).order_by(AuditEvent.seq.desc())
    if actor:
        query = query.where(AuditEvent.actor_label == actor)
    if entry_id is not None:
        query = query.where(AuditEvent.entry_id == entry_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return query


def actors() -> list[tuple[str, str]]:
    """(actor label, how it is shown) for everyone in the log: a person's name and email, or who else."""
    labels = db.session.scalars(db.select(AuditEvent.actor_label).distinct()).all()
    people = {user.email: user for user in db.session.scalars(db.select(User).where(User.email.in_(labels)))}
    return sorted(((label, f"{people[label].full_name} · {label}" if label in people
                    else str(ACTOR_LABELS.get(label, label))) for label in labels), key=lambda pair: pair[1].casefold())


def actions() -> list[tuple[str, str]]:
    """(action code, label) for every action in the log."""
    codes = db.session.scalars(db.select(AuditEvent.action).distinct()).all()
    return sorted(((code, str(action_label(code))) for code in codes), key=lambda pair: pair[1].casefold())


def people_of(rows: list[AuditEvent]) -> dict[int, User]:
    """The people who made these events, loaded at once."""
    ids = {row.actor_id for row in rows if row.actor_id is not None}
    return {user.id: user for user in db.session.scalars(db.select(User).where(User.id.in_(ids)))} if ids else {}


def entries_of(rows: list[AuditEvent]) -> dict[int, Entry]:
    ids = {row.entry_id for row in rows if row.entry_id is not None}
    return {entry.id: entry for entry in db.session.scalars(db.select(Entry).where(Entry.id.in_(ids)))} if ids else {}


# -- verification --------------------------------------------------------------------------------

@dataclass
class Break:
    """Where the chain first goes wrong, and how."""

    seq: int
    kind: str  # edited | deleted | reordered
    message: str


@dataclass
class Verification:
    """How many events in a row are intact, the hash of the last of them, and the first break."""

    checked: int
    last_hash: str
    problem: Break | None


def verify(batch: int = 1000) -> Verification:
    """Recompute the chain in order, stopping at the first break."""
    previous_seq, previous_hash, checked = 0, GENESIS, 0
    query = db.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    for row in db.session.scalars(query):
        problem = _check(row, previous_seq, previous_hash)
        if problem:
            return Verification(checked, previous_hash, problem)
        previous_seq, previous_hash, checked = row.seq, row.hash, checked + 1
        db.session.expunge(row)
    return Verification(checked, previous_hash, None)


def _check(row: AuditEvent, previous_seq: int, previous_hash: str) -> Break | None:
    if row.seq != previous_seq + 1:
        return Break(row.seq, "deleted", f"gap between seq {previous_seq} and seq {row.seq}: "
                                         f"{row.seq - previous_seq - 1} event(s) missing")
    if row.computed_hash() != row.hash:
        return Break(row.seq, "edited", f"hash mismatch at seq {row.seq}: its content changed after it was written")
    if row.prev_hash != previous_hash:
        written_after = db.session.scalar(db.select(AuditEvent.seq).where(AuditEvent.hash == row.prev_hash))
        if written_after is not None:
            return Break(row.seq, "reordered", f"seq {row.seq} was written after the event now at seq "
                                               f"{written_after}, not after seq {previous_seq}")
        return Break(row.seq, "deleted", f"prev_hash mismatch at seq {row.seq}: the event before it "
                                         f"(seq {previous_seq}) was deleted or replaced")
    return None
