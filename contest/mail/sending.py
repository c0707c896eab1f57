"""Handing the outbox to the SMTP server: claim a message, send it, mark it sent, each step committed.

A sender (the ``mail_send`` job, or ``flask mail send``) works through the queued messages that
are due. Claiming is a conditional update (queued -> sending) committed before the server is
spoken to, and "sent" is committed as soon as the server accepts, so two senders never take the
same message and a sender killed at any point loses nothing: what it had not claimed is still
queued; what it had claimed stays ``sending`` until the next sender finds the claim stale and
fails it as *interrupted* (it may or may not have reached the server), for an organizer to check.
It is never sent again on its own, so nothing goes out twice.

A temporary refusal (4xx, a dropped connection) puts the message back in the queue after a
back-off; a permanent one (5xx), or too many tries, fails it for the outbox page.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import or_, update

from contest.extensions import db
from contest.jobs.registry import job_kind, periodic
from contest.jobs.runner import JobContext, worker_name
from contest.models import Job, JobStatus, MailFailure, MailStatus, OutboxMessage, utcnow
from contest.services import mail
from contest.services.mail import LINK_MARK, SENDER_KIND


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def email_of(message: OutboxMessage, sender: str, link: str | None = None) -> EmailMessage:
    """The message as it goes over SMTP: plain text and HTML, the personal link filled in (or ``link``)."""
    link = message.secret_link or "" if link is None else link
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = message.to_address
    email["Date"] = format_datetime(message.created_at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>"   # the same on every try: servers may spot a repeat
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text.replace(LINK_MARK, link))
    email.add_alternative(message.body_html.replace(LINK_MARK, str(escape(link))), subtype="html")
    email["Content-Language"] = message.locale   # after the parts: making them moves Content-* headers down
    return email


def connect(app: Flask) -> smtplib.SMTP:
    config = app.config
    security = config["MAIL_SECURITY"]
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if security == "ssl":
        server = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        server.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return server


def sweep_interrupted() -> int:
    """Fail the messages whose sender went silent while handing them over; flushes. Returns how many."""
    cutoff = utcnow() - _seconds(current_app.config["MAIL_CLAIM_STALE_SECONDS"])
    return db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == MailStatus.SENDING, OutboxMessage.claimed_at < cutoff).values(
        status=MailStatus.FAILED, failure=MailFailure.INTERRUPTED,
        last_error="the sender stopped after claiming this message (" + OutboxMessage.claimed_by + ")")
        .execution_options(synchronize_session=False)).rowcount


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


def _due():
    return (OutboxMessage.status == MailStatus.QUEUED,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= utcnow()))


def claim_next(worker: str) -> OutboxMessage | None:
    """The oldest due message, now ``sending`` on this worker (committed); None when none is due."""
    while True:
        candidate = db.session.scalar(db.select(OutboxMessage.id).where(*_due()).order_by(OutboxMessage.id).limit(1))
        if candidate is None:
            return None
        won = db.session.execute(update(OutboxMessage).where(
            OutboxMessage.id == candidate, OutboxMessage.status == MailStatus.QUEUED).values(
            status=MailStatus.SENDING, claimed_by=worker, claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()
        if won:
            return db.session.get(OutboxMessage, candidate)


def _settle(message_id: int, worker: str, **values) -> None:
    """Write a claimed message's outcome, if it is still this worker's claim; committed at once."""
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == MailStatus.SENDING,
        OutboxMessage.claimed_by == worker).values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def is_permanent(error: Exception) -> bool:
    """A 5xx answer: trying again will not help. Anything else (4xx, a dropped line) may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def deliver(progress=None) -> Delivery:
    """Send every due message; commits each step. Needs MAIL_SERVER (else sends nothing)."""
    app = current_app._get_current_object()
    outcome = Delivery(interrupted=sweep_interrupted())
    db.session.commit()
    if not mail.mail_configured():
        return outcome
    worker, server = worker_name(), None
    max_attempts = app.config["MAIL_MAX_ATTEMPTS"]
    try:
        while (message := claim_next(worker)) is not None:
            try:
                server = server or connect(app)
                server.send_message(email_of(message, app.config["MAIL_FROM"]))
            except (smtplib.SMTPException, OSError) as error:
                server = _close(server)
                detail = f"{type(error).__name__}: {error}"[:2000]
                if is_permanent(error) or message.attempts >= max_attempts:
                    failure = MailFailure.REFUSED if is_permanent(error) else MailFailure.GAVE_UP
                    _settle(message.id, worker, status=MailStatus.FAILED, failure=failure, last_error=detail)
                    outcome.failed += 1
                else:
                    _settle(message.id, worker, status=MailStatus.QUEUED, last_error=detail, claimed_by=None,
                            next_attempt_at=utcnow() + mail.backoff(message.attempts))
                    outcome.retried += 1
                continue
            _settle(message.id, worker, status=MailStatus.SENT, sent_at=utcnow(), secret_link=None, last_error=None)
            outcome.sent += 1
            if progress is not None:
                progress(outcome.sent, outcome.sent)
    finally:
        _close(server)
    return outcome


def _close(server: smtplib.SMTP | None) -> None:
    if server is not None:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()
    return None


@job_kind(SENDER_KIND, _l("Sending mail"))
def send_job(context: JobContext) -> dict:
    return deliver(context.progress).as_dict()


@periodic
def wake_for_due_mail() -> None:
    """Between requests (retries after a back-off): queue a sender when mail is due and none is waiting."""
    if not mail.mail_configured():
        return
    due = db.session.scalar(db.select(OutboxMessage.id).where(*_due()).limit(1))
    waiting = db.session.scalar(db.select(Job.id).where(Job.kind == SENDER_KIND, Job.status == JobStatus.QUEUED)
                                .limit(1))
    stale = db.session.scalar(db.select(OutboxMessage.id).where(
        OutboxMessage.status == MailStatus.SENDING,
        OutboxMessage.claimed_at < utcnow() - _seconds(current_app.config["MAIL_CLAIM_STALE_SECONDS"])).limit(1))
    if (due is not None or stale is not None) and waiting is None:
        mail.wake_sender()
