"""Entries: a piece of work submitted to one contest by up to five authors, with files."""
from __future__ import annotations

import enum
import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from contest.models.people import CATEGORY_LABELS, REGIONS, Category, User
from contest.models.seasons import Contest, ContestField
from contest.models.types import UTCDateTime, utcnow

MAX_AUTHORS = 5
_CODE = re.compile(r"e?[\s-]*0*(\d{1,9})", re.IGNORECASE)  # Entry.code as people type it


class EntryStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    EntryStatus.DRAFT: _l("Draft"),
    EntryStatus.SUBMITTED: _l("Submitted"),
    EntryStatus.WITHDRAWN: _l("Withdrawn"),
}


def title_key(title: str) -> str:
    """The form of a title used to spot the same work submitted twice."""
    return re.sub(r"\W+", " ", title.casefold()).strip()


class Entry(db.Model):
    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    lead_author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("contest_fields.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    title_key: Mapped[str] = mapped_column(String(300), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EntryStatus] = mapped_column(
        db.Enum(EntryStatus, native_enum=False, length=20, validate_strings=True),
        default=EntryStatus.DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    judges_needed: Mapped[int | None] = mapped_column()  # overrides the contest's judges per entry

    contest: Mapped[Contest] = relationship()
    field: Mapped[ContestField | None] = relationship()
    lead_author: Mapped[User] = relationship()
    authors: Mapped[list["EntryAuthor"]] = relationship(
        back_populates="entry", order_by="EntryAuthor.position", cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="entry", order_by="Attachment.id", cascade="all, delete-orphan")

    def set_title(self, title: str) -> None:
        self.title = title.strip()
        self.title_key = title_key(title)

    @property
    def code(self) -> str:
        """A neutral reference that says nothing about the authors."""
        return self.code_of(self.id)

    @staticmethod
    def code_of(entry_id: int) -> str:
        return f"E-{entry_id:05d}"

    @staticmethod
    def id_from_code(text: str | None) -> int | None:
        """The id a typed code means: E-00028, e-28, e28, E 28, 00028 or 28; None for anything else,
        and for a number too long to be an id (more than nine digits)."""
        found = _CODE.fullmatch((text or "").strip())
        return int(found.group(1)) if found else None

    @property
    def attachments_size(self) -> int:
        return sum(a.size for a in self.attachments)

    def is_authored_by(self, user: User) -> bool:
        return any(a.user_id == user.id for a in self.authors)

    def can_be_edited_by(self, user: User) -> bool:
        return user.is_authenticated and user.id == self.lead_author_id

    def can_be_viewed_by(self, user: User) -> bool:
        return user.is_authenticated and (user.is_staff or self.is_authored_by(user))


class EntryAuthor(db.Model):
    """One author of an entry: a registered participant, or a named person without an account."""

    __tablename__ = "entry_authors"
    __table_args__ = (UniqueConstraint("entry_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # 0 is the lead author
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    category: Mapped[Category] = mapped_column(
        db.Enum(Category, native_enum=False, length=20, validate_strings=True))
    organization: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(40))

    entry: Mapped[Entry] = relationship(back_populates="authors")
    user: Mapped[User | None] = relationship()

    @property
    def category_label(self):
        return CATEGORY_LABELS[self.category]

    @property
    def region_label(self):
        return REGIONS.get(self.region or "", "")

    @classmethod
    def from_user(cls, user: User, position: int) -> "EntryAuthor":
        return cls(user=user, position=position, full_name=user.full_name, email=user.email,
                   category=user.category, organization=user.organization or "", region=user.region)


class Attachment(db.Model):
    """A file of an entry, stored outside static/ under a generated name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))  # shown to authors and staff only
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="attachments")
