"""Rows organizers edit from forms, guarded against lost updates by a version counter."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.attributes import flag_modified


class Versioned:
    """SQLAlchemy's optimistic concurrency: every UPDATE of the row adds one to ``version`` and
    matches only the version it read (``WHERE version = :read``), so a save racing another one
    that committed first raises ``StaleDataError`` instead of silently writing over it.

    Forms carry the version they were read at; :mod:`contest.services.versions` refuses a save
    made from an older one and names what changed.
    """

    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}

    def touch(self, attribute: str) -> None:
        """Count a change made to the rows this one stands for (a contest's fields) as a change of
        this row, so its version moves too; ``attribute`` is any loaded column of it."""
        flag_modified(self, attribute)
