"""Sessions that stay out of pages shared by everyone.

A page a shared cache may keep must not carry a cookie, nor ``Vary: Cookie`` (every visitor's
cookie differs, so no copy would ever be shared). Other parts of the app read the session after
every view (Flask-Login's remember-me hook does), so the view alone cannot promise that: here,
for a response marked :func:`shared`, the session is not saved and no cookie is set. Nothing is
lost: whatever the session carried is still in the visitor's cookie for their next page.
"""
from __future__ import annotations

from flask import Flask, Response, g
from flask.sessions import SecureCookieSessionInterface, SessionMixin


def shared() -> None:
    """Mark the response of this request as the same for every visitor."""
    g.shared_page = True


class SharedPageSessions(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if g.get("shared_page"):
            response.headers.remove("Set-Cookie")
            return
        super().save_session(app, session, response)
