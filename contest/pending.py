"""What a transaction carries in ``Session.info`` until it commits: audit events to chain, jobs to start.

A list kept here belongs to the transaction. A SAVEPOINT rolled back (a refused change, see
``contest.actions.attempt``) drops what was added inside it, and the whole transaction's end
drops the rest, so a commit never chains an event or starts a job of a change that was undone.
SQLAlchemy fires ``before_commit``/``after_commit``/``after_rollback`` for a savepoint too:
:func:`outermost` tells the listeners that act on the real commit apart.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

MARKS = "pending_marks"   # Session.info key: {savepoint: {key: length of the list when it began}}
KEYS: set[str] = set()    # every Session.info key kept by pending()


def pending(session: Session, key: str) -> list:
    """The transaction's list under ``key`` (created empty)."""
    KEYS.add(key)
    return session.info.setdefault(key, [])


def outermost(session: Session) -> bool:
    """Whether a commit or rollback event is the whole transaction's, not a savepoint's."""
    return not session.in_nested_transaction()


def _remember(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        lengths = {key: len(session.info[key]) for key in KEYS if key in session.info}
        session.info.setdefault(MARKS, {})[transaction] = lengths


def _undo(session: Session, previous_transaction: SessionTransaction) -> None:
    """A savepoint rolled back: its lists shrink to what they held when it began."""
    if not previous_transaction.nested:
        return
    lengths = session.info.get(MARKS, {}).pop(previous_transaction, {})
    for key in KEYS:
        if key in session.info:
            del session.info[key][lengths.get(key, 0):]


def _forget(session: Session, transaction: SessionTransaction) -> None:
    """The whole transaction ended (committed, rolled back or closed): nothing is left pending."""
    if transaction.parent is None:
        for key in (*KEYS, MARKS):
            session.info.pop(key, None)


def listen() -> None:
    if event.contains(Session, "after_transaction_create", _remember):
        return
    event.listen(Session, "after_transaction_create", _remember)
    event.listen(Session, "after_soft_rollback", _undo)
    event.listen(Session, "after_transaction_end", _forget)
