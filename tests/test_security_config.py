"""Configuration that refuses to be unsafe: the secret key, cookie flags, security headers and proxy trust."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import generate_password_hash

from contest import PROJECT_ROOT, create_app
from contest.config import DEVELOPMENT_SECRET_KEY
from contest.extensions import db
from contest.models import Entry, Role, User, utcnow
from contest.services import seasons
from contest.security import CONTENT_SECURITY_POLICY, UnsafeConfiguration
from tests.conftest import PASSWORD, POSTGRES, config_for_tests, upload

REAL_KEY = "4f9c1e0b7d2a68e3c5b1f0a9d8e7c6b5a4f3e2d1c0b9a8f7"
HTTPS = "https://contest.example.uz"


def production(**settings) -> dict:
    return config_for_tests(**{"CONTEST_ENV": "production", "SECRET_KEY": REAL_KEY, **settings})


# --- the secret key ------------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "reason"), [
    (DEVELOPMENT_SECRET_KEY, "SECRET_KEY is unset or the public development value"),
    ("", "SECRET_KEY is empty"),
    (None, "SECRET_KEY is empty"),
    ("short-but-not-empty", "SECRET_KEY has 19 characters, fewer than 32"),
])
def test_production_refuses_to_start_without_a_real_secret_key(key, reason):
    with pytest.raises(UnsafeConfiguration) as refusal:
        create_app(production(SECRET_KEY=key))
    message = str(refusal.value)
    assert message.startswith(reason) and "\n" not in message
    assert "secrets.token_hex" in message  # and says how to make one


@pytest.mark.parametrize("environment", ["development", "testing"])
def test_development_and_testing_start_with_the_public_key(environment):
    app = create_app(config_for_tests(CONTEST_ENV=environment, SECRET_KEY=DEVELOPMENT_SECRET_KEY))
    assert app.secret_key == DEVELOPMENT_SECRET_KEY
    assert not app.config["SESSION_COOKIE_SECURE"]  # plain-HTTP localhost keeps its session


def test_an_unknown_environment_is_refused_rather_than_guessed():
    with pytest.raises(UnsafeConfiguration, match="CONTEST_ENV is 'prod'; it must be one of production"):
        create_app(config_for_tests(CONTEST_ENV="prod"))


def flask_command(tmp_path, *args, **environment) -> subprocess.CompletedProcess:
    """`flask ...` as a shell runs it: the settings come from the environment alone."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CONTEST_ENV", "FLASK_DEBUG")}
    env.update(FLASK_APP="run.py", DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
               UPLOAD_FOLDER=str(tmp_path / "uploads"), **environment)
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_flask_commands_work_in_development_and_refuse_an_unconfigured_server(tmp_path):
    development = flask_command(tmp_path, "routes", CONTEST_ENV="development")
    assert development.returncode == 0, development.stderr
    assert "organizer.overview" in development.stdout

    unconfigured = flask_command(tmp_path, "routes")
    assert unconfigured.returncode != 0
    last_line = unconfigured.stderr.strip().splitlines()[-1]
    assert last_line.startswith("The app refuses to start: SECRET_KEY is unset or the public "
                                "development value"), unconfigured.stderr
    assert "Traceback" not in unconfigured.stderr


# --- the finding: a cookie signed with the public key ----------------------------------------------

@pytest.fixture
def deployed(app, tmp_path):
    """deployed(**config): another app on this test's database, configured as a server would be."""
    database = {} if POSTGRES else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'deployed.db'}"}
    built = []

    def build(config: dict) -> Flask:
        server = create_app({**config, **database, "UPLOAD_FOLDER": str(tmp_path / "uploads")})
        with server.app_context():
            db.create_all()
        built.append(server)
        return server

    yield build
    for server in built:
        with server.app_context():
            db.engine.dispose()


def add_organizer(server: Flask) -> tuple[int, int]:
    """The demo's organizer, and a season for the overview to show."""
    with server.app_context():
        seasons.create_season(2026, opens_at=utcnow() - timedelta(days=1), closes_at=utcnow() + timedelta(days=9),
                              fields=["Energy"])
        organizer = User(email="org@example.uz", role=Role.ORGANIZER, full_name="Demo Organizer",
                         password_hash=generate_password_hash(PASSWORD))
        db.session.add(organizer)
        db.session.commit()
        return organizer.id, organizer.session_version


def cookie_signed_with(key: str, organizer: tuple[int, int]) -> str:
    """What an attacker who read the public key can make: a session naming the organizer."""
    forger = Flask("forger")
    forger.secret_key = key
    user_id, session_version = organizer
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
        {"_user_id": f"{user_id}.{session_version}", "_fresh": True})


def organizer_page_with_cookie(server: Flask, cookie: str):
    client = server.test_client()
    client.set_cookie("session", cookie)
    return client.get("/organizer/")


def test_a_cookie_signed_with_the_public_key_no_longer_opens_organizer_pages(deployed):
    laptop = deployed(config_for_tests(CONTEST_ENV="development", SECRET_KEY=DEVELOPMENT_SECRET_KEY))
    forged = cookie_signed_with(DEVELOPMENT_SECRET_KEY, add_organizer(laptop))
    # The forgery is real: where the public key is allowed, it opens the organizer's overview.
    opened = organizer_page_with_cookie(laptop, forged)
    assert opened.status_code == 200 and "Demo Organizer" in opened.get_data(as_text=True)

    refused = organizer_page_with_cookie(deployed(production()), forged)
    assert refused.status_code == 302 and "/auth/login" in refused.headers["Location"]


# --- cookies ----------------------------------------------------------------------------------------

def set_cookie_attributes(response, name: str) -> set[str]:
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))
    return {attribute.strip() for attribute in header.split(";")[1:]}


def test_production_cookies_are_secure_httponly_and_same_site_lax(deployed):
    server = deployed(production())
    add_organizer(server)
    response = server.test_client().post("/auth/login", base_url=HTTPS,
                                         data={"email": "org@example.uz", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    for cookie in ("session", "remember_token"):
        assert {"Secure", "HttpOnly", "SameSite=Lax"} <= set_cookie_attributes(response, cookie), cookie


def test_outside_production_cookies_are_httponly_and_lax_over_plain_http(client, make_user):
    user = make_user()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    for cookie in ("session", "remember_token"):
        attributes = set_cookie_attributes(response, cookie)
        assert {"HttpOnly", "SameSite=Lax"} <= attributes and "Secure" not in attributes, cookie


# --- headers on every response ----------------------------------------------------------------------

EVERY_RESPONSE = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    assert {name: response.headers.get(name) for name in EVERY_RESPONSE} == EVERY_RESPONSE, response.status


def test_the_policy_forbids_inline_script_and_framing():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_pages_errors_and_static_files_carry_the_security_headers(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer with the 500 page, as a server would
    responses = {
        200: client.get("/auth/login"),
        302: client.get("/organizer/"),
        308: client.get("/organizer"),  # the router's own redirect to the trailing slash
        404: client.get("/no-such-page"),
        405: client.delete("/auth/login"),
        500: client.get("/boom"),
    }
    for status, response in responses.items():
        assert response.status_code == status
        assert_security_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS
    stylesheet = client.get("/static/site.css")
    assert stylesheet.status_code == 200
    assert_security_headers(stylesheet)


def test_entry_file_downloads_carry_the_security_headers(client, make_season, make_user, login, entry_form):
    contest = make_season().contests[0]
    login(make_user())
    client.post(f"/entries/new/{contest.id}", data=entry_form(field_id=contest.fields[0].id))
    entry = db.session.scalars(db.select(Entry)).one()
    upload(client, entry.id)
    download = client.get(f"/entries/{entry.id}/attachments/{entry.attachments[0].id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert_security_headers(download)


def test_hsts_only_over_https(client):
    assert client.get("/auth/login", base_url=HTTPS).headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


# --- proxies --------------------------------------------------------------------------------------

def what_the_app_sees(headers: dict, **settings) -> dict:
    app = create_app(config_for_tests(**settings))
    app.add_url_rule("/seen", "seen", lambda: {"address": request.remote_addr, "scheme": request.scheme})
    response = app.test_client().get("/seen", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    return {**response.get_json(), "hsts": "Strict-Transport-Security" in response.headers}


def test_by_default_forwarded_headers_are_ignored():
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert what_the_app_sees(spoofed) == {"address": "10.0.0.2", "scheme": "http", "hsts": False}
    assert what_the_app_sees(spoofed, PROXY_HOPS=0) == what_the_app_sees(spoofed)


def test_one_configured_proxy_is_believed_for_its_own_hop_only():
    # The client wrote the first address; the proxy appended the one it saw, the only one to believe.
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"}
    assert what_the_app_sees(forwarded, PROXY_HOPS=1) == {"address": "203.0.113.9", "scheme": "https", "hsts": True}


# --- templates -------------------------------------------------------------------------------------

INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_needs_an_inline_script_or_style():
    """Pages only: mail (templates/mail) is read in mail programs, which take no stylesheet and no policy."""
    templates = sorted(path for path in (PROJECT_ROOT / "templates").rglob("*.html")
                       if "mail" not in path.relative_to(PROJECT_ROOT / "templates").parts[:1])
    found = [f"{path.relative_to(PROJECT_ROOT)}: {kind}" for path in templates
             for kind, pattern in INLINE.items() if pattern.search(path.read_text())]
    assert found == []
