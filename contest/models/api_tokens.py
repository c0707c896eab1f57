"""API tokens: a bearer credential for /api/v1, owned by one account and acting with its role.

Only the token's SHA-256 is stored; the token itself is shown once, when it is issued. A token
never does more than its owner's role allows today: it carries scopes that narrow the role, and
stops working when its owner is deactivated or it is revoked.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from contest.models.people import Role, User, hash_token
from contest.models.types import UTCDateTime, utcnow

TOKEN_PREFIX = "cjp_"  # says what a leaked string is, so a secret scanner can spot it

SCOPE_READ, SCOPE_SCORE = "read", "score"
SCOPE_LABELS = {
    SCOPE_READ: _l("Read seasons, contests, entries and results"),
    SCOPE_SCORE: _l("Save and submit my marks"),
}
# What each role may grant its tokens: the judge's pages read and score, the organizers' pages read.
ROLE_SCOPES = {
    Role.JUDGE: (SCOPE_READ, SCOPE_SCORE),
    Role.ORGANIZER: (SCOPE_READ,),
    Role.ADMIN: (SCOPE_READ,),
}


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    shown_prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to recognise it in a list
    scopes: Mapped[str] = mapped_column(String(80))        # space-separated
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @classmethod
    def make(cls, owner: User, name: str, scopes: list[str], by: User) -> tuple["ApiToken", str]:
        """A new token and its secret, which is never stored and cannot be shown again."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(owner=owner, name=name, token_hash=hash_token(secret), shown_prefix=secret[:10],
                    scopes=" ".join(s for s in ROLE_SCOPES.get(owner.role, ()) if s in scopes), created_by=by)
        return token, secret

    @classmethod
    def by_secret(cls, secret: str) -> "ApiToken | None":
        """The live token this secret is, or None (unknown, revoked, or its owner deactivated)."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
            return None
        token = db.session.scalar(db.select(cls).where(cls.token_hash == hash_token(secret)))
        return token if token is not None and token.is_live else None

    @property
    def scope_list(self) -> list[str]:
        """The scopes granted, less any the owner's role no longer allows."""
        return [s for s in self.scopes.split() if s in ROLE_SCOPES.get(self.owner.role, ())]

    def allows(self, scope: str) -> bool:
        return scope in self.scope_list

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.owner.is_active

    def can_be_revoked_by(self, user: User) -> bool:
        """Organizers revoke any token; anyone else only their own."""
        return user.is_authenticated and (user.is_staff or user.id == self.owner_id)

    @staticmethod
    def can_be_issued_by(user: User) -> bool:
        """Judges issue tokens for themselves, organizers for themselves; participants have no API."""
        return user.is_authenticated and user.role in ROLE_SCOPES
