"""Prizes of a season: fixed prizes (the cars), internship places abroad, winners' preferences,
and the committed allocations that make a published prize list reproducible.

Who wins is never stored: it is recomputed from the published rankings by the winners engine.
Only what people decide is stored (the catalogue, the rule's settings, the preferences), and a
committed allocation keeps its exact engine input and answer.
"""
from __future__ import annotations

import json
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from contest.models.people import User
from contest.models.seasons import Contest, Season
from contest.models.types import UTCDateTime, utcnow
from contest.models.versioned import Versioned

SHARE_RULES = {
    "proportional": _l("In proportion to each contest's submitted entries (largest remainder)"),
    "equal": _l("Equally between the contests (largest remainder)"),
}


class PrizeSettings(Versioned, db.Model):
    """The internship rule of a season and the preferences deadline; one row per season."""

    __tablename__ = "prize_settings"
    __table_args__ = (CheckConstraint("internship_places >= 0", name="places_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), unique=True)
    internship_places: Mapped[int] = mapped_column(default=10)
    share_rule: Mapped[str] = mapped_column(String(20), default="proportional")
    preferences_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    season: Mapped[Season] = relationship()

    def accepts_preferences(self, now: datetime | None = None) -> bool:
        """Preferences may change until the deadline; with no deadline set, not yet at all."""
        return self.preferences_close_at is not None and (now or utcnow()) < self.preferences_close_at


class FixedPrize(Versioned, db.Model):
    """A prize paid before any internship: the electric car for a contest's first place."""

    __tablename__ = "fixed_prizes"
    __table_args__ = (CheckConstraint("cost >= 0", name="cost_not_negative"),
                      CheckConstraint("place >= 1", name="place_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    place: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(120))
    cost: Mapped[int] = mapped_column(BigInteger)

    contest: Mapped[Contest] = relationship()

    @property
    def key(self) -> str:
        return f"prize-{self.id}"


class InternshipCountry(Versioned, db.Model):
    """A destination: what one person costs (travel, stay, stipend) and how many places it has."""

    __tablename__ = "internship_countries"
    __table_args__ = (UniqueConstraint("season_id", "code"),
                      CheckConstraint("cost >= 0", name="cost_not_negative"),
                      CheckConstraint("capacity >= 0", name="capacity_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(80))
    cost: Mapped[int] = mapped_column(BigInteger)
    capacity: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)


class InternshipPreference(db.Model):
    """One accepted country of one winner, at a position (0 is the first choice).

    ``person`` is the winners engine's id: ``u<user id>`` for an author with an account,
    ``a<entry author id>`` for a named co-author without one (entered by organizers).
    """

    __tablename__ = "internship_preferences"
    # Named: the naming convention would give both the name of their first column.
    __table_args__ = (UniqueConstraint("season_id", "person", "position",
                                       name="uq_internship_preferences_person_position"),
                      UniqueConstraint("season_id", "person", "country_id",
                                       name="uq_internship_preferences_person_country"))

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    person: Mapped[str] = mapped_column(String(20))
    country_id: Mapped[int] = mapped_column(ForeignKey("internship_countries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    country: Mapped[InternshipCountry] = relationship()


class AllocationSnapshot(db.Model):
    """A committed allocation: the exact engine inputs and answers, never overwritten."""

    __tablename__ = "allocation_snapshots"
    __table_args__ = (UniqueConstraint("season_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    selection_json: Mapped[str] = mapped_column(Text)  # winners engine input and answer, with names
    instance_json: Mapped[str] = mapped_column(Text)   # allocation engine input
    result_json: Mapped[str] = mapped_column(Text)     # allocation engine answer
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    committed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    committed_by: Mapped[User | None] = relationship()

    @property
    def selection(self) -> dict:
        return json.loads(self.selection_json)

    @property
    def instance(self) -> dict:
        return json.loads(self.instance_json)

    @property
    def result(self) -> dict:
        return json.loads(self.result_json)

    @classmethod
    def latest(cls, season_id: int) -> AllocationSnapshot | None:
        return db.session.scalar(db.select(cls).where(cls.season_id == season_id)
                                 .order_by(cls.version.desc()).limit(1))
