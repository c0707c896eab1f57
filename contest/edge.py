"""One commit per request, at the edge, as Indico's request handler does it.

Views change data through services that only flush. After a view returns, for a method that may
change something (POST, PUT, PATCH, DELETE) with an answer that is not an error, the request's
transaction commits once; an exception or an error status (a refused form's 422 included) rolls it
back. A change refused in the middle of a request is undone alone by the SAVEPOINT
around it (``contest.actions.attempt``), so the page can still answer with what was typed.

A GET or HEAD changes nothing. With ``SAFE_REQUESTS_WRITE_NOTHING`` (on in tests) a safe request
that would write fails loudly at its first flush, so every page test and the crawl prove it.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from contest.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY = "read_only_request"  # Session.info key: the safe method being served, while its view runs
WROTE = "wrote"                   # Session.info key: the transaction flushed a change or ran a DML statement


class ContestFlask(Flask):
    """Flask, with each view's work committed or rolled back as one transaction."""

    def dispatch_request(self):  # type: ignore[override]
        return process(super().dispatch_request)


class WriteOnSafeRequest(RuntimeError):
    """A GET (or HEAD, OPTIONS) tried to write: a bug, never shown to a user as a refusal."""


def process(view: Callable[[], object]) -> Response:
    """Run the view; commit its changes if the method may change data and the answer is no error.

    A safe method's transaction wrote nothing: it ends as :func:`_end_read` says.
    """
    if request.method in SAFE_METHODS:
        return _read_only(view)
    try:
        response = current_app.make_response(view())
        if response.status_code >= 400:
            db.session.rollback()
        else:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return response


def _read_only(view: Callable[[], object]) -> Response:
    guarded = current_app.config.get("SAFE_REQUESTS_WRITE_NOTHING")
    if guarded:
        db.session.info[READ_ONLY] = request.method
    try:
        response = current_app.make_response(view())
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if guarded:
            db.session.info.pop(READ_ONLY, None)
    _end_read(db.session)
    return response


def _end_read(session: Session) -> None:
    """End a safe request's transaction with a COMMIT, which keeps the same data as a ROLLBACK since it wrote
    nothing, and keeps the statements psycopg prepared on the connection: psycopg forgets them at every
    ROLLBACK (one could have undone the DDL they name), so PostgreSQL would plan each page's statements
    again on every request. A view that wrote after all (a bug, which the tests' guard fails loudly) is
    rolled back."""
    if session.info.pop(WROTE, False) or session.new or session.dirty or session.deleted:
        session.rollback()
    else:
        session.commit()


def abandon() -> None:
    """Roll back what the request began, for an error met outside its view (the error page reads on)."""
    db.session.rollback()


def _changes(session: Session) -> list[str]:
    touched = [*session.new, *session.deleted, *(row for row in session.dirty if session.is_modified(row))]
    return sorted({type(row).__name__ for row in touched})


def _refuse_flush(session: Session, flush_context, instances) -> None:
    method = session.info.get(READ_ONLY)
    if method and (changed := _changes(session)):
        raise WriteOnSafeRequest(f"{method} {request.path} writes {', '.join(changed)}: a safe request changes nothing")


def _refuse_statement(state: ORMExecuteState) -> None:
    method = state.session.info.get(READ_ONLY)
    if method and (state.is_insert or state.is_update or state.is_delete):
        raise WriteOnSafeRequest(f"{method} {request.path} runs {state.statement}: a safe request changes nothing")


def _note_flush(session: Session, _flush_context) -> None:
    session.info[WROTE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
    if app.config.get("SAFE_REQUESTS_WRITE_NOTHING") and not event.contains(Session, "before_flush", _refuse_flush):
        event.listen(Session, "before_flush", _refuse_flush)
        event.listen(Session, "do_orm_execute", _refuse_statement)
