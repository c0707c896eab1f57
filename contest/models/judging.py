"""Judging: which judge reviews which entry, and the marks they give."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from contest.models.entries import Entry
from contest.models.people import User
from contest.models.seasons import Criterion
from contest.models.types import UTCDateTime, utcnow


class SheetStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Assignment(db.Model):
    """A judge asked to review an entry in a scoring round; its score sheet hangs off it."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("judge_id", "entry_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    status: Mapped[SheetStatus] = mapped_column(
        db.Enum(SheetStatus, native_enum=False, length=20, validate_strings=True), default=SheetStatus.DRAFT)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    judge: Mapped[User] = relationship()
    entry: Mapped[Entry] = relationship()
    marks: Mapped[list["Mark"]] = relationship(back_populates="assignment", cascade="all, delete-orphan")


class Mark(db.Model):
    """A judge's value on one rubric criterion for one assignment."""

    __tablename__ = "marks"
    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    comment: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[Assignment] = relationship(back_populates="marks")
    criterion: Mapped[Criterion] = relationship()
