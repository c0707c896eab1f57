"""Certificates: a winner's and a participant's, each with a code anyone can verify."""
from __future__ import annotations

import enum
import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from contest.models.entries import Entry, EntryAuthor
from contest.models.people import User
from contest.models.types import UTCDateTime, utcnow

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4  # 16 symbols: 80 random bits
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CertificateKind(str, enum.Enum):
    WINNER = "winner"
    PARTICIPATION = "participation"

    @property
    def label(self):
        return CERTIFICATE_KIND_LABELS[self]


CERTIFICATE_KIND_LABELS = {
    CertificateKind.WINNER: _l("Winner's certificate"),
    CertificateKind.PARTICIPATION: _l("Certificate of participation"),
}


def new_code() -> str:
    """80 bits from the operating system's generator, as XXXX-XXXX-XXXX-XXXX."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return "-".join(symbols[i:i + CODE_GROUP_LENGTH] for i in range(0, len(symbols), CODE_GROUP_LENGTH))


def normalize_code(text: str | None) -> str | None:
    """A code as people type it (lower case, spaces, O for 0) in its stored form; None when it cannot be one."""
    symbols = re.sub(r"[\s-]+", "", (text or "").upper()).translate(_MISREAD)
    if len(symbols) != CODE_GROUPS * CODE_GROUP_LENGTH or any(s not in CODE_ALPHABET for s in symbols):
        return None
    return "-".join(symbols[i:i + CODE_GROUP_LENGTH] for i in range(0, len(symbols), CODE_GROUP_LENGTH))


class Certificate(db.Model):
    """What one certificate certifies, fixed when it was issued: who, which entry, and the place
    (0 for participation). Whether it still holds is read from the entry and the latest published
    ranking each time it is shown (see ``contest.services.certificates.standing``): a withdrawn
    entry or a place the published results no longer give revokes it, and its code stays."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("entry_author_id", "kind", "place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[CertificateKind] = mapped_column(
        db.Enum(CertificateKind, native_enum=False, length=20, validate_strings=True))
    place: Mapped[int] = mapped_column(default=0)  # the rank a winner's certificate certifies; 0: participation
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    # Kept when a co-author is taken off the entry: the certificate then reads as revoked.
    entry_author_id: Mapped[int | None] = mapped_column(ForeignKey("entry_authors.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    entry_title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(5))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    entry: Mapped[Entry] = relationship()
    entry_author: Mapped[EntryAuthor | None] = relationship()

    @property
    def is_winner(self) -> bool:
        return self.kind is CertificateKind.WINNER

    def can_be_downloaded_by(self, user: User) -> bool:
        """Its author, and the organizers (who also download them all at once)."""
        return user.is_authenticated and (user.is_staff or (self.user_id is not None and self.user_id == user.id))

    @classmethod
    def by_code(cls, text: str | None) -> Certificate | None:
        code = normalize_code(text)
        return db.session.scalar(db.select(cls).where(cls.code == code)) if code else None
