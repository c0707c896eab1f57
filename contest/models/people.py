"""People: every account is a User with one role; participants carry their profile."""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db
from contest.models.types import UTCDateTime, utcnow
from contest.passwords import passwords


class Role(str, enum.Enum):
    PARTICIPANT = "participant"
    JUDGE = "judge"
    ORGANIZER = "organizer"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PARTICIPANT: _l("Participant"),
    Role.JUDGE: _l("Judge"),
    Role.ORGANIZER: _l("Organizer"),
    Role.ADMIN: _l("Administrator"),
}


class Category(str, enum.Enum):
    """Who may take part: the contests are open to exactly these three groups."""

    STUDENT = "student"
    TEACHER = "teacher"
    ENGINEER = "engineer"

    @property
    def label(self):
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.STUDENT: _l("Student"),
    Category.TEACHER: _l("Teacher"),
    Category.ENGINEER: _l("Practicing engineer"),
}

# The 12 regions, the Republic of Karakalpakstan and Tashkent city, keyed by stable codes.
REGIONS = {
    "andijan": _l("Andijan region"),
    "bukhara": _l("Bukhara region"),
    "fergana": _l("Fergana region"),
    "jizzakh": _l("Jizzakh region"),
    "kashkadarya": _l("Kashkadarya region"),
    "khorezm": _l("Khorezm region"),
    "namangan": _l("Namangan region"),
    "navoi": _l("Navoi region"),
    "samarkand": _l("Samarkand region"),
    "surkhandarya": _l("Surkhandarya region"),
    "syrdarya": _l("Syrdarya region"),
    "tashkent_region": _l("Tashkent region"),
    "karakalpakstan": _l("Republic of Karakalpakstan"),
    "tashkent_city": _l("Tashkent city"),
}


def normalize_email(email: str) -> str:
    return email.strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str | None] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(db.Enum(Role, native_enum=False, length=20, validate_strings=True))
    category: Mapped[Category | None] = mapped_column(
        db.Enum(Category, native_enum=False, length=20, validate_strings=True))
    organization: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout and password change: every cookie issued before stops working.
    session_version: Mapped[int] = mapped_column(default=0)
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = passwords().hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and passwords().verify(self.password_hash, password)

    def end_sessions(self) -> None:
        self.session_version += 1

    def issue_invite(self, valid_for: timedelta) -> str:
        """A one-time set-password token; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        self.invite_token_hash = hash_token(token)
        self.invite_expires_at = utcnow() + valid_for
        return token

    def consume_invite(self) -> None:
        self.invite_token_hash = None
        self.invite_expires_at = None

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ORGANIZER, Role.ADMIN)

    @property
    def region_label(self):
        return REGIONS.get(self.region or "", "")

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        # Emails are stored lower-cased, so a plain comparison uses the unique index.
        return db.session.scalar(db.select(cls).where(cls.email == normalize_email(email)))

    @classmethod
    def authenticate(cls, email: str, password: str) -> "User | None":
        """The active account these credentials open; exactly one hash check, whether the email exists or not.

        A hash made before today's parameters is replaced (the caller commits), while the password is at hand.
        """
        user = cls.by_email(email)
        if user is None or not user.password_hash:
            passwords().verify(passwords().unknown_account_hash, password)
            return None
        if not user.check_password(password) or not user.is_active:
            return None
        if passwords().needs_upgrade(user.password_hash):
            user.set_password(password)
        return user

    @classmethod
    def by_invite(cls, token: str) -> "User | None":
        user = db.session.scalar(db.select(cls).where(cls.invite_token_hash == hash_token(token)))
        if user is None or user.invite_expires_at is None or user.invite_expires_at < utcnow():
            return None
        return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
