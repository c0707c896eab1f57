"""Settings that keep a deployment safe by default: a real secret key, cookies only over HTTPS,
security headers on every response, and proxy headers believed only from the configured proxies."""
from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from contest.config import DEVELOPMENT_SECRET_KEY

ENVIRONMENTS = ("production", "development", "testing")
RELAXED_ENVIRONMENTS = ("development", "testing")  # plain-HTTP localhost, the public development key
SECRET_KEY_MIN_LENGTH = 32
NEW_KEY_HINT = "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"

# Scripts and styles come only from this site: the charts read their data from JSON blocks, and no
# template has an inline script, event handler or style attribute, so no 'unsafe-inline' is needed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "object-src 'none'",
    "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "same-origin",  # invitation and reset links carry tokens in their paths
}
STRICT_TRANSPORT_SECURITY = "max-age=31536000"  # a year; only ever sent over HTTPS


class UnsafeConfiguration(RuntimeError):
    """A production setting that would let strangers in; create_app refuses to build the app."""


def init_app(app: Flask) -> None:
    environment = app.config["CONTEST_ENV"]
    if environment not in ENVIRONMENTS:
        raise UnsafeConfiguration(f"CONTEST_ENV is {environment!r}; it must be one of {', '.join(ENVIRONMENTS)}")
    if environment not in RELAXED_ENVIRONMENTS:
        refuse_weak_secret_key(app.config.get("SECRET_KEY"))
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.after_request(add_security_headers)


def refuse_weak_secret_key(key: str | bytes | None) -> None:
    """Anyone who knows the key can sign a session cookie as any organizer."""
    advice = f"outside development the app will not start without a real one ({NEW_KEY_HINT})"
    if not key:
        raise UnsafeConfiguration(f"SECRET_KEY is empty: {advice}")
    if key == DEVELOPMENT_SECRET_KEY:
        raise UnsafeConfiguration(f"SECRET_KEY is unset or the public development value: {advice}")
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise UnsafeConfiguration(f"SECRET_KEY has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}: "
                                  f"{advice}")


def add_security_headers(response: Response) -> Response:
    """Every response, pages, errors, static files and downloads alike; a view may set a stricter one."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:  # behind a proxy, as ProxyFix reports it from X-Forwarded-Proto
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response
