"""A real SMTP server for the tests (aiosmtpd, on a free local port), and what it received."""
from __future__ import annotations

import asyncio
import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: keeps every message it accepted. ``refuse`` answers the next DATA commands
    with these replies instead (e.g. "451 try later"); ``delay`` waits before each answer."""

    def __init__(self):
        self.received: list[EmailMessage] = []
        self.refuse: list[str] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            if self.refuse:
                return self.refuse.pop(0)
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]

    def one_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert len(found) == 1, f"{len(found)} messages to {address}: {[m['Subject'] for m in self.received]}"
        return found[0]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The one link to ``path`` (…/auth/set-password/…) in the message's text, as a path the test client opens."""
    found = re.findall(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s<>]+)", text_of(message))
    assert len(set(found)) == 1, found
    return found[0]


class SMTPServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def settings(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_SECURITY": "none",
                "MAIL_FROM": "Contest <contest@example.uz>", "PUBLIC_URL": "http://contest.example.uz"}
