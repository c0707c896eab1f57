"""``flask mail send`` (cron, or by hand: send what is due, here and now) and ``flask mail reminders``."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from contest.extensions import db
from contest.mail import sending
from contest.services import audit, notices


@click.group("mail")
def mail_group() -> None:
    """The outbox."""


@mail_group.command("send")
@with_appcontext
def send_command() -> None:
    """Send every queued message that is due (needs MAIL_SERVER); a message is never sent twice."""
    outcome = sending.deliver()
    click.echo(f"{outcome.sent} sent, {outcome.retried} to retry later, {outcome.failed} failed, "
               f"{outcome.interrupted} interrupted by an earlier sender")


@mail_group.command("reminders")
@with_appcontext
def reminders_command() -> None:
    """Hold the reminders now due (3 days and 1 day before a scoring window closes) for an organizer's send.

    Run it hourly from cron (``flask worker`` also does it on every sweep); it never makes the same reminder twice.
    """
    with audit.acting_as("cli"):
        made = notices.queue_reminders()
    db.session.commit()
    click.echo(f"{made} reminders held in the outbox")


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_group)
