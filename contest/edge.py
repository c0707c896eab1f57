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


class ContestFlask(Flask):
    """Flask, with each view's work committed or rolled back as one transaction."""

    def dispatch_request(self):  # type: ignore[override]
        return process(super().dispatch_request)


class WriteOnSafeRequest(RuntimeError):
    """A GET (or HEAD, OPTIONS) tried to write: a bug, never shown to a user as a refusal."""


def process(view: Callable[[], object]) -> Response:
    """Run the view; commit its changes if the method may change data and the answer is no error.

    A safe method's transaction is left alone: it wrote nothing, and the app context's end closes it.
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
    if not current_app.config.get("SAFE_REQUESTS_WRITE_NOTHING"):
        return current_app.make_response(view())
    db.session.info[READ_ONLY] = request.method
    try:
        return current_app.make_response(view())
    finally:
        db.session.info.pop(READ_ONLY, None)


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


def init_app(app: Flask) -> None:
    if app.config.get("SAFE_REQUESTS_WRITE_NOTHING") and not event.contains(Session, "before_flush", _refuse_flush):
        event.listen(Session, "before_flush", _refuse_flush)
        event.listen(Session, "do_orm_execute", _refuse_statement)
