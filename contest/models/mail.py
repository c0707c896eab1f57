"""The outbox: every mail the platform sends, written in the transaction of the change that caused it.

A row is the truth about one message: what it says (rendered once, in the recipient's language),
and how its delivery went. The sender (:mod:`contest.mail.sending`) claims a queued row, hands it
to the SMTP server and marks it sent, each step committed, so a sender that dies loses nothing and
never sends a message twice: a row it had claimed stays ``sending`` until the next sender finds it
silent and fails it as *interrupted*, for an organizer to check and, if need be, send again.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from contest.models.people import User
from contest.models.types import UTCDateTime, utcnow


class MailStatus(str, enum.Enum):
    HELD = "held"          # bulk mail waiting for an organizer's "send"
    QUEUED = "queued"      # waiting for the sender (now, or after a back-off)
    SENDING = "sending"    # claimed by a sender, being handed to the SMTP server
    SENT = "sent"          # the SMTP server accepted it
    FAILED = "failed"      # refused, given up after retries, or interrupted: an organizer decides

    @property
    def label(self):
        return MAIL_STATUS_LABELS[self]


MAIL_STATUS_LABELS = {
    MailStatus.HELD: _l("held"),
    MailStatus.QUEUED: _l("queued"),
    MailStatus.SENDING: _l("sending"),
    MailStatus.SENT: _l("sent"),
    MailStatus.FAILED: _l("failed"),
}


class MailFailure(str, enum.Enum):
    """Why a message failed, worded for organizers by the outbox page (the server's words are in ``last_error``)."""

    REFUSED = "refused"            # the server answered with a permanent error (5xx)
    GAVE_UP = "gave_up"            # temporary errors, MAIL_MAX_ATTEMPTS times
    INTERRUPTED = "interrupted"    # the sender stopped while handing it over: it may have arrived


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # A link that opens an account (set-password, reset): kept apart from the bodies, which hold a mark
    # in its place, so that the outbox page never shows it; filled in at sending, forgotten once sent.
    secret_link: Mapped[str | None] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(
        db.Enum(MailStatus, native_enum=False, length=20, validate_strings=True), default=MailStatus.QUEUED)
    # Bulk mail is held in a batch ("results-7"); ``batch_group`` ("results-contest-3") names what a newer
    # batch replaces while this one is still held (a new publication of the same contest).
    batch: Mapped[str | None] = mapped_column(String(60), index=True)
    batch_group: Mapped[str | None] = mapped_column(String(60))
    # A message that must never go out twice however often it is asked for (a reminder): unique.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    failure: Mapped[MailFailure | None] = mapped_column(
        db.Enum(MailFailure, native_enum=False, length=20, validate_strings=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recipient: Mapped[User | None] = relationship()
