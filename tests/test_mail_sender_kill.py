"""A sender process (`flask mail send`) killed with SIGKILL in the middle of a batch: nothing is lost and
nothing is sent twice.

Twenty messages wait in the outbox. A real SMTP server (aiosmtpd, answering each message after a short
pause) receives them from a sender started here as its own process, which is killed once five have
arrived. Then every message the server holds is marked sent, or is the one the sender had claimed
when it died (it may have arrived: the server had it, the sender never heard back); every other
message is still queued. A second sender sends the rest, fails the interrupted one for organizers
to check, and sends nothing a second time.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter

from contest import PROJECT_ROOT
from contest.extensions import db
from contest.models import MailFailure, MailStatus, OutboxMessage, Role, User
from contest.services import mail
from tests.conftest import POSTGRES, database_of_its_own
from tests.mail_server import SMTPServer

MESSAGES = 20


def sender_environment(app, server: SMTPServer) -> dict[str, str]:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if POSTGRES:
        schema = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"].split("=", 1)[1]
        url = f"{url}?options=-csearch_path%3D{schema}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "TEST_", "JOBS_"))}
    env.update(CONTEST_ENV="production", SECRET_KEY=secrets.token_hex(32), DATABASE_URL=url, FLASK_APP="run.py",
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(server.port), MAIL_SECURITY="none",
               MAIL_FROM="contest@example.uz", MAIL_CLAIM_STALE_SECONDS="1", JOBS_RUNNER="inline")
    return env


def sender(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "mail", "send"], cwd=PROJECT_ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def received_ids(server: SMTPServer) -> Counter:
    return Counter(int(m["Message-ID"].strip("<>").split("@")[0].removeprefix("outbox-"))
                   for m in server.inbox.received)


def statuses() -> dict[int, OutboxMessage]:
    db.session.expire_all()
    return {m.id: m for m in db.session.scalars(db.select(OutboxMessage))}


def test_a_sender_killed_mid_batch_loses_nothing_and_sends_nothing_twice(tmp_path_factory, tmp_path):
    with database_of_its_own(tmp_path_factory, "mail_kill") as app, SMTPServer() as server:
        for n in range(MESSAGES):
            user = User(email=f"p{n}@example.uz", full_name=f"Person {n}", role=Role.PARTICIPANT)
            db.session.add(user)
            mail.compose("reset", user, secret_link=f"http://contest.example.uz/auth/reset/t{n}", minutes=60)
        db.session.commit()
        server.inbox.delay = 0.15
        env = sender_environment(app, server)

        with open(tmp_path / "sender-1.log", "wb") as log:
            first = sender(env, log)
            deadline = time.monotonic() + 120
            while len(server.inbox.received) < 5:
                assert first.poll() is None, (tmp_path / "sender-1.log").read_text()
                assert time.monotonic() < deadline, "the sender sent nothing in two minutes"
                time.sleep(0.02)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        time.sleep(0.5)                       # the server finishes the message it was answering

        rows, got = statuses(), received_ids(server)
        assert max(got.values()) == 1
        sent = {i for i, m in rows.items() if m.status is MailStatus.SENT}
        claimed = {i for i, m in rows.items() if m.status is MailStatus.SENDING}
        queued = {i for i, m in rows.items() if m.status is MailStatus.QUEUED}
        assert 5 <= len(sent | claimed) < MESSAGES and len(claimed) <= 1 and sent | claimed | queued == set(rows)
        assert sent <= set(got) <= sent | claimed          # what arrived is marked sent, or was in hand
        assert not set(got) & queued                         # what is still queued never left

        time.sleep(1.2)                       # the dead sender's claim goes stale (MAIL_CLAIM_STALE_SECONDS)
        with open(tmp_path / "sender-2.log", "wb") as log:
            assert sender(env, log).wait(timeout=180) == 0, (tmp_path / "sender-2.log").read_text()

        rows, got = statuses(), received_ids(server)
        assert max(got.values()) == 1, "a message was sent twice"
        assert {i for i, m in rows.items() if m.status is MailStatus.SENT} == sent | queued
        assert {i for i, m in rows.items() if m.status is MailStatus.FAILED} == claimed
        assert all(rows[i].failure is MailFailure.INTERRUPTED for i in claimed)
        assert sent | queued <= set(got) <= set(rows)        # every message arrived, or waits for an organizer
        assert all(rows[i].secret_link is None for i in sent | queued)
