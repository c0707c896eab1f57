"""Mail: the organizers' outbox pages (this blueprint), the sender (:mod:`contest.mail.sending`),
and ``flask mail send`` / ``flask mail reminders`` (:mod:`contest.mail.commands`).

What is written into the outbox, and when, is in :mod:`contest.services.mail` and
:mod:`contest.services.notices`.
"""
from flask import Blueprint

bp = Blueprint("mail", __name__)

from contest.mail import sending, views  # noqa: E402,F401  (routes attach to bp; the sender job registers)
