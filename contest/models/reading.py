"""Reading the rows a page names, in one statement rather than one ``session.get`` per id."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy.orm.attributes import set_committed_value

from contest.extensions import db

Row = TypeVar("Row")


def by_id(model: type[Row], ids: Iterable[int], *options) -> dict[int, Row]:
    """The rows of ``model`` with these ids, keyed by id (a missing id is simply absent). Always one
    statement, even for no ids, so that a page runs as many statements whatever its data."""
    return {row.id: row for row in db.session.scalars(
        db.select(model).where(model.id.in_(set(ids))).options(*options))}



def fact(row: object, attribute: str, read: Callable[[], bool]) -> bool:
    """A fact about ``row`` (a ``query_expression``) as the statement that read the row read it; if that
    statement did not, ``read()`` asks now, once: the answer is kept with the row until the row expires.
    Pages read the fact with their rows (a loader option), so that a list asks no question per row."""
    value = getattr(row, attribute)
    if value is None:
        value = bool(read())
        set_committed_value(row, attribute, value)
    return value
