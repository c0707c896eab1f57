"""The audit log: every change made by organizers and judges, appended to a hash chain."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db
from contest.models.types import UTCDateTime

GENESIS = "0" * 64  # the prev_hash of the first event


class AuditEvent(db.Model):
    """One change: who made it, when, what it was, and the changed fields before and after.

    ``hash`` is the SHA-256 of the row's content and ``prev_hash``, the hash of the event before it,
    so editing, deleting or reordering a row breaks the chain at that row (``flask audit verify``).
    People and entries are referred to by plain ids, not foreign keys: a cascade must never rewrite
    a recorded event, and an event outlives the row it describes.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column()
    actor_label: Mapped[str] = mapped_column(String(255), index=True)  # the person filter
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column()
    entry_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def content(self) -> dict:
        """What the hash covers. Not ``seq``: the order is fixed by ``prev_hash``, so a row moved
        elsewhere keeps a valid hash and is named as reordered by where its link points."""
        return {
            "at": self.at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
            "actor_id": self.actor_id, "actor_label": self.actor_label, "action": self.action,
            "subject_type": self.subject_type, "subject_id": self.subject_id, "entry_id": self.entry_id,
            "before": self.before, "after": self.after, "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        canonical = json.dumps(self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
