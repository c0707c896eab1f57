"""A season (one year, one budget) and its three contests, each with fields and a rubric."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, with_expression
from sqlalchemy.orm.attributes import set_committed_value

from contest.extensions import db
from contest.models.reading import fact
from contest.models.types import UTCDateTime, utcnow
from contest.models.versioned import Versioned

DEFAULT_BUDGET = 15_000_000_000  # soums a year for all prizes


class ContestKind(str, enum.Enum):
    IDEA = "idea"
    PROJECT = "project"
    INVENTION = "invention"

    @property
    def label(self):
        return CONTEST_LABELS[self]


CONTEST_LABELS = {
    ContestKind.IDEA: _l("The Best Idea"),
    ContestKind.PROJECT: _l("The Best Project"),
    ContestKind.INVENTION: _l("The Best Invention"),
}


class Season(Versioned, db.Model):
    __tablename__ = "seasons"
    __table_args__ = (CheckConstraint("budget >= 0", name="budget_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    budget: Mapped[int] = mapped_column(BigInteger, default=DEFAULT_BUDGET)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contests: Mapped[list["Contest"]] = relationship(
        back_populates="season", order_by="Contest.id", cascade="all, delete-orphan")

    @property
    def title(self):
        return _l("Season %(year)s", year=self.year)

    @classmethod
    def current(cls) -> "Season | None":
        return db.session.scalar(db.select(cls).order_by(cls.year.desc()).limit(1))


class Contest(Versioned, db.Model):
    __tablename__ = "contests"
    __table_args__ = (
        UniqueConstraint("season_id", "kind"),
        CheckConstraint("closes_at > opens_at", name="window_order"),
        CheckConstraint("max_entries_per_author >= 1", name="entry_limit_positive"),
        CheckConstraint("judges_per_entry >= 1", name="judges_per_entry_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContestKind] = mapped_column(
        db.Enum(ContestKind, native_enum=False, length=20, validate_strings=True))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    max_entries_per_author: Mapped[int] = mapped_column(default=2)
    judges_per_entry: Mapped[int] = mapped_column(default=3, server_default="3")

    season: Mapped[Season] = relationship(back_populates="contests")
    fields: Mapped[list["ContestField"]] = relationship(
        back_populates="contest", order_by="ContestField.name", cascade="all, delete-orphan")
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="contest", order_by="(Criterion.position, Criterion.id)", cascade="all, delete-orphan")

    # Whether a judge has marked against the rubric, when the statement that read the contest asked.
    marked: Mapped[bool | None] = query_expression()

    @property
    def title(self):
        return self.kind.label

    def accepts_changes(self, now: datetime | None = None) -> bool:
        """Drafts may be written until the window closes; after that nothing changes."""
        return (now or utcnow()) < self.closes_at

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_at <= now < self.closes_at

    @property
    def rubric_locked(self) -> bool:
        """A rubric is frozen once any judge has recorded a mark against it. Read with the contest by
        :meth:`with_rubric_lock`, else asked once; a change to the rubric asks again (:meth:`read_rubric_lock`)."""
        return fact(self, "marked", self._read_marked)

    @classmethod
    def _marks_exist(cls):
        from contest.models.judging import Mark

        return (db.select(Mark.id).join(Criterion, Criterion.id == Mark.criterion_id)
                .where(Criterion.contest_id == cls.id).exists())

    @classmethod
    def with_rubric_lock(cls):
        """The loader option that reads :attr:`rubric_locked` in the statement that reads the contest."""
        return with_expression(cls.marked, cls._marks_exist())

    def _read_marked(self) -> bool:
        return db.session.scalar(db.select(self._marks_exist()).where(Contest.id == self.id))

    def read_rubric_lock(self) -> bool:
        """Ask the database now, whatever was read with the row before: a change to the rubric must."""
        set_committed_value(self, "marked", None)
        return self.rubric_locked


class Worded:
    """Words an organizer types: ``name`` (and ``description``) is the primary wording, in Uzbek;
    ``<attribute>_ru`` and ``<attribute>_en`` are optional translations shown to readers of those
    languages, who see the primary wording where a translation is missing."""

    TRANSLATED_LANGUAGES = ("ru", "en")

    def in_language(self, attribute: str, locale: str | None = None) -> str:
        locale = locale or str(get_locale() or "")
        return getattr(self, f"{attribute}_{locale}", None) or getattr(self, attribute)

    @property
    def local_name(self) -> str:
        return self.in_language("name")

    @property
    def all_names(self) -> list[str]:
        """Every wording of the name, so that lookups by name match any language."""
        return [name for name in (self.name, *(getattr(self, f"name_{lang}") for lang in self.TRANSLATED_LANGUAGES))
                if name]


class ContestField(Worded, Versioned, db.Model):
    """An engineering field entries of a contest are filed under (energy, IT, ...)."""

    __tablename__ = "contest_fields"
    __table_args__ = (UniqueConstraint("contest_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120), default="", server_default="")
    name_en: Mapped[str] = mapped_column(String(120), default="", server_default="")

    contest: Mapped[Contest] = relationship(back_populates="fields")


class Criterion(Worded, Versioned, db.Model):
    __tablename__ = "criteria"
    __table_args__ = (
        CheckConstraint("scale_max > scale_min", name="scale_order"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120), default="", server_default="")
    name_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=10)
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="criteria")

    @property
    def local_description(self) -> str:
        return self.in_language("description")
