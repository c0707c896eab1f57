"""The outbox for organizers: every message with its status, a preview, held bulk mail to send, failed mail to retry.

Pages only read. A preview never shows an account-opening link (``mail.preview``).
"""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from contest.actions import ActionForm, Confirmation, confirmation_page, confirmed, fingerprint, perform
from contest.auth.access import staff_required
from contest.downloads import send_download
from contest.extensions import db
from contest.mail import bp
from contest.mail.sending import email_of
from contest.models import MailStatus, OutboxMessage
from contest.services import mail
from contest.services.mail import FAILURE_TEXTS, KIND_LABELS

MESSAGES_LISTED = 200


@bp.app_template_filter("mail_kind")
def mail_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.get("/")
@staff_required
def outbox():
    shown = request.args.get("status", "")
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(MESSAGES_LISTED)
    if shown in {s.value for s in MailStatus}:
        query = query.where(OutboxMessage.status == MailStatus(shown))
    else:
        shown = ""
    return render_template("mail/outbox.html", messages=db.session.scalars(query).all(), shown=shown,
                           counts=mail.counts_by_status(), batches=mail.held_batches(),
                           configured=mail.mail_configured(), statuses=list(MailStatus), action=ActionForm(),
                           failure_texts=FAILURE_TEXTS)


@bp.get("/<int:message_id>")
@staff_required
def message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("mail/message.html", message=message, text=mail.preview(message.body_text),
                           failure_text=FAILURE_TEXTS.get(message.failure), action=ActionForm())


@bp.get("/<int:message_id>/message.eml")
@staff_required
def message_file(message_id: int):
    """The whole message (text and HTML) as a mail program opens it, the personal link hidden."""
    message = db.get_or_404(OutboxMessage, message_id)
    email = email_of(message, current_app.config["MAIL_FROM"], link=_("[personal link, hidden]"))
    return send_download(email.as_bytes(), "message/rfc822", f"message-{message.id}.eml")


@bp.post("/<int:message_id>/retry")
@staff_required
def retry(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    perform(lambda: mail.retry(message, current_user), (mail.MailError,), _("The message is queued again."), "info")
    return redirect(url_for("mail.message", message_id=message.id))


def _batch_or_404(batch: str) -> mail.HeldBatch:
    held = mail.held_batch(batch)
    if held is None:
        abort(404)
    return held


@bp.get("/batches/<batch>")
@staff_required
def batch(batch: str):
    """The held batch's confirmation page: what it says (a preview), and to how many people."""
    held = _batch_or_404(batch)
    confirmation = Confirmation(
        title=_("Send the held mail: %(kind)s", kind=mail_kind(held.kind)),
        action_url=url_for("mail.send_batch", batch=batch), submit_label=_("Send"),
        back_url=url_for("mail.message", message_id=held.first_id),
        consequences=[ngettext("%(num)d person receives this mail, each in their own language.",
                               "%(num)d people receive this mail, each in their own language.", held.recipients)],
        warnings=[] if mail.mail_configured() else [_("No mail server is configured: the messages wait in the "
                                                      "outbox until one is.")],
        seen=fingerprint(batch, held.recipients))
    return confirmation_page(confirmation)


@bp.post("/batches/<batch>/send")
@staff_required
def send_batch(batch: str):
    held = _batch_or_404(batch)
    if not confirmed(fingerprint(batch, held.recipients)):
        return redirect(url_for("mail.batch", batch=batch))
    perform(lambda: mail.send_batch(batch, current_user),
            (mail.MailError,), lambda count: ngettext("%(num)d message queued for sending.",
                                                      "%(num)d messages queued for sending.", count))
    return redirect(url_for("mail.outbox"))
