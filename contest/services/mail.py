"""Writing mail into the outbox, in the transaction of the change that causes it.

A message is rendered here, once, in its recipient's language (their stored preference, else the
platform's default), in HTML from ``templates/mail/messages/<kind>.html`` and as plain text read
from that HTML, and added to the session; the caller's commit writes it with the change, or its
rollback drops both. A link that opens an account is kept apart from the bodies (see
``OutboxMessage.secret_link``).

Bulk mail (results, reminders, prizes) is *held* in a batch until an organizer sends it. Anything
else is *queued*, and a sender job is queued with it (when an SMTP server is configured) to start
once the transaction commits. Like every service, this flushes at most and never commits.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, update
from sqlalchemy.orm import Session

from contest.catalogue import Refusal
from contest.extensions import db
from contest.i18n import N_
from contest.models import Job, JobStatus, MailFailure, MailStatus, OutboxMessage, User, utcnow
from contest.services import audit

SENDER_KIND = "mail_send"
# Stands in the bodies for an account-opening link, which is filled in only when the mail is sent.
LINK_MARK = "SECRET-LINK-PLACEHOLDER"
_WAKING = "mail_sender_woken"   # Session.info: a sender job is queued for this transaction already

SUBJECTS = {   # msgids, translated in the recipient's language when the message is rendered
    "receipt": N_("Your entry %(code)s is received"),
    "invitation": N_("You are invited to judge the national engineering contests"),
    "welcome": N_("Your account for the national engineering contests"),
    "assignment": N_("Entries to score in %(contest)s"),
    "reminder": N_("Reminder: scoring in %(contest)s closes on %(closes)s"),
    "results": N_("The results of %(contest)s are published"),
    "prize": N_("You are among the winners of %(season)s"),
    "reset": N_("Resetting your password"),
}
KIND_LABELS = {
    "receipt": _l("Submission receipt"),
    "invitation": _l("Judge invitation"),
    "welcome": _l("Welcome after an import"),
    "assignment": _l("Assignment notice"),
    "reminder": _l("Scoring reminder"),
    "results": _l("Results published"),
    "prize": _l("Prize and country"),
    "reset": _l("Password reset"),
}
FAILURE_TEXTS = {
    MailFailure.REFUSED: _l("The mail server refused this message for good (its answer is below). Correct the "
                            "address or the server settings, then retry."),
    MailFailure.GAVE_UP: _l("The mail server could not take this message after several tries (the last answer "
                            "is below). Retry once the server is back."),
    MailFailure.INTERRUPTED: _l("The sender stopped while handing this message to the mail server, so it may or "
                                "may not have arrived. Ask the recipient before retrying, or it may arrive twice."),
}


class MailError(Refusal):
    """An outbox action refused; the message says why."""


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def recipient_locale(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail: under PUBLIC_URL when it is set, else on the request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or "http://localhost")
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, locale: str, context: Mapping[str, object]) -> Rendered:
    """The message in ``locale``: lazy strings in the context (contest titles...) are read in it too."""
    with force_locale(locale):
        subject = gettext(SUBJECTS[kind], **context)
        html = render_template(f"mail/messages/{kind}.html", subject=subject, **context)
    return Rendered(" ".join(subject.split()), plain_text(html), html)


class _PlainText(HTMLParser):
    """The text part of a mail, read from its HTML part: paragraphs, list items, and each link's address."""

    BLOCKS = {"p", "div", "ul", "ol", "h1", "h2", "h3", "table", "tr"}
    SKIPPED = {"head", "style", "script", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.links: list[tuple[str, int]] = []   # href, where the link's text starts

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            if href and "".join(self.parts[start:]).strip() != href:
                self.parts.append(f" <{href}>")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = (line.strip() for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def plain_text(html: str) -> str:
    reader = _PlainText()
    reader.feed(html)
    reader.close()
    return reader.text()


def compose(kind: str, user: User, *, secret_link: str | None = None, batch: str | None = None,
            batch_group: str | None = None, dedupe_key: str | None = None, **context) -> OutboxMessage:
    """Add one message for ``user`` to the session; held in ``batch`` when given, else queued for sending."""
    locale = recipient_locale(user)
    rendered = render(kind, locale, {"user": user, "link": LINK_MARK if secret_link else None, **context})
    message = OutboxMessage(kind=kind, recipient=user, to_address=user.email, locale=locale,
                            subject=rendered.subject[:300], body_text=rendered.text, body_html=rendered.html,
                            secret_link=secret_link, batch=batch, batch_group=batch_group, dedupe_key=dedupe_key,
                            status=MailStatus.HELD if batch else MailStatus.QUEUED, created_at=utcnow())
    db.session.add(message)
    if batch is None:
        wake_sender()
    return message


def hold_batch(kind: str, batch: str, group: str, people: Iterable[tuple[User, Mapping[str, object]]]) -> int:
    """Hold one message per (user, context) in ``batch``, replacing another still-held batch of the same
    ``group`` (an older publication of the contest that nobody sent); flushes. Returns how many."""
    db.session.execute(db.delete(OutboxMessage).where(
        OutboxMessage.batch_group == group, OutboxMessage.batch != batch, OutboxMessage.status == MailStatus.HELD)
        .execution_options(synchronize_session=False))
    count = 0
    for user, context in people:
        compose(kind, user, batch=batch, batch_group=group, **context)
        count += 1
    db.session.flush()
    return count


def wake_sender() -> None:
    """Queue a sender job to start after this transaction commits, unless one is waiting already.

    Without an SMTP server nothing is queued: the mail waits in the outbox, shown to organizers.
    """
    if not mail_configured() or db.session.info.get(_WAKING):
        return
    from contest.jobs import queue

    waiting = db.session.scalar(db.select(Job.id).where(Job.kind == SENDER_KIND, Job.status == JobStatus.QUEUED)
                                .limit(1))
    if waiting is None:
        queue.enqueue(SENDER_KIND)
    db.session.info[_WAKING] = True


def _forget_waking(session: Session) -> None:
    session.info.pop(_WAKING, None)


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _forget_waking):
        event.listen(Session, "after_commit", _forget_waking)
        event.listen(Session, "after_rollback", _forget_waking)


# --------------------------------------------------------------------------- the organizers' outbox


@dataclass(frozen=True)
class HeldBatch:
    batch: str
    kind: str
    recipients: int
    created_at: datetime
    first_id: int


def held_batches() -> list[HeldBatch]:
    rows = db.session.execute(
        db.select(OutboxMessage.batch, func.min(OutboxMessage.kind), func.count(OutboxMessage.id),
                  func.min(OutboxMessage.created_at), func.min(OutboxMessage.id))
        .where(OutboxMessage.status == MailStatus.HELD).group_by(OutboxMessage.batch)
        .order_by(func.min(OutboxMessage.id))).all()
    return [HeldBatch(*row) for row in rows]


def held_batch(batch: str) -> HeldBatch | None:
    return next((held for held in held_batches() if held.batch == batch), None)


def counts_by_status() -> dict[MailStatus, int]:
    rows = db.session.execute(db.select(OutboxMessage.status, func.count(OutboxMessage.id))
                              .group_by(OutboxMessage.status)).all()
    return {status: count for status, count in rows}


def send_batch(batch: str, by: User) -> int:
    """Release a held batch to the sender; flushes. Returns how many messages it holds."""
    released = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.batch == batch, OutboxMessage.status == MailStatus.HELD).values(
        status=MailStatus.QUEUED, next_attempt_at=None).execution_options(synchronize_session=False)).rowcount
    if not released:
        raise MailError("mail_batch_gone")
    audit.record("mail.batch_sent", ("mail", None), actor=by, after={"batch": batch, "messages": released})
    wake_sender()
    return released


def retry(message: OutboxMessage, by: User) -> None:
    """Queue a failed message again, now; flushes."""
    if message.status is not MailStatus.FAILED:
        raise MailError("mail_not_failed")
    audit.record("mail.retried", message, actor=by, after={"to": message.to_address, "attempts": message.attempts})
    message.status, message.failure, message.next_attempt_at = MailStatus.QUEUED, None, None
    message.claimed_by = message.claimed_at = None
    wake_sender()


def preview(body: str) -> str:
    """A body as organizers may read it: an account-opening link is never shown to them."""
    return body.replace(LINK_MARK, gettext("[personal link, hidden]"))


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next try after ``attempts`` failed ones: 1, 4, 16... base periods."""
    return timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"] * 4 ** max(0, attempts - 1))
