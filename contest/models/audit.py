"""The audit log: every change made by organizers and judges, appended to a hash chain."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import DDL, JSON, Integer, String, event
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


# PostgreSQL: the chain's head, read once its append lock is held, in one statement. The lock must be
# held before the head is read: a plain statement reads what was committed when it began, before it
# waited for the lock, so it could miss the event the previous holder appended; a VOLATILE function
# takes a fresh snapshot for each query it runs. (migrations/versions/a4f1c9e2d730 creates it too.)
CHAIN_HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint) RETURNS TABLE (seq integer, hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT e.seq, e.hash FROM audit_events AS e ORDER BY e.seq DESC LIMIT 1;
END
$$
"""
event.listen(AuditEvent.__table__, "after_create", DDL(CHAIN_HEAD_FUNCTION).execute_if(dialect="postgresql"))
event.listen(AuditEvent.__table__, "before_drop",
             DDL("DROP FUNCTION IF EXISTS audit_chain_head(bigint)").execute_if(dialect="postgresql"))
