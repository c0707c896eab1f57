"""Published results: frozen, versioned snapshots of a contest's ranking."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from contest.extensions import db
from contest.models.people import User
from contest.models.seasons import Contest
from contest.models.types import UTCDateTime, utcnow


class ResultSnapshot(db.Model):
    """A ranking as published: the exact engine input and answer, never overwritten.

    Keeping the input lets anyone recompute the answer; keeping its hash lets
    ``flask results verify`` notice when the stored marks no longer match it.
    """

    __tablename__ = "result_snapshots"
    __table_args__ = (UniqueConstraint("contest_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    method: Mapped[str] = mapped_column(String(20))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    instance_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    contest: Mapped[Contest] = relationship()
    published_by: Mapped[User | None] = relationship()

    @property
    def result(self) -> dict:
        return json.loads(self.result_json)

    @property
    def instance(self) -> dict:
        return json.loads(self.instance_json)

    @classmethod
    def latest(cls, contest_id: int) -> "ResultSnapshot | None":
        return db.session.scalar(db.select(cls).where(cls.contest_id == contest_id)
                                 .order_by(cls.version.desc()).limit(1))


class ContestRanking(db.Model):
    """A contest's ranking by one method as last computed, every server's and page's copy.

    Ranking a national contest takes seconds, so it is computed once, by the ranking job, and
    stored here. A change of what it is computed from (a submitted sheet or ballot, the panel,
    the rubric, an entry submitted or withdrawn) makes it ``stale`` and bumps ``generation`` in
    the same transaction (``contest.services.stored_rankings``); the job stores its answer only
    if no change came in while it computed (the generation it read is still the row's).
    """

    __tablename__ = "contest_rankings"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    # The method the instance names, "" when it names none (the engine's default, as publishing
    # without a method stores it).
    method: Mapped[str] = mapped_column(String(20), primary_key=True)
    stale: Mapped[bool] = mapped_column(default=True)
    generation: Mapped[int] = mapped_column(default=0)        # changes of the inputs so far
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recompute_queued: Mapped[bool] = mapped_column(default=False)   # a ranking job is queued or running for it
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    inputs_hash: Mapped[str | None] = mapped_column(String(64))
    instance_json: Mapped[str | None] = deferred(mapped_column(Text))
    result_json: Mapped[str | None] = deferred(mapped_column(Text))
    problems_json: Mapped[str | None] = mapped_column(Text)    # nothing to rank: the engine's problems

    contest: Mapped[Contest] = relationship()

    @property
    def computed(self) -> bool:
        return self.computed_at is not None
