"""Published results: frozen, versioned snapshots of a contest's ranking."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class RankingAnswer(db.Model):
    """The scoring engine's answer to one exact input, computed by a background job.

    A national-size ranking takes tens of seconds: too long for a request. A job computes it
    once and every server reads it here, by the hash of the input (a changed mark changes the
    hash, so a stale answer is never found).
    """

    __tablename__ = "ranking_answers"

    inputs_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    result_json: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
