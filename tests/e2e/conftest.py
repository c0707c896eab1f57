"""A real browser (Debian's Chromium driven by Playwright) against a live server."""
from __future__ import annotations

import os
import shutil
import threading
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from contest import create_app
from contest.config import TestConfig
from contest.extensions import db
from contest.models import Role, User, utcnow
from contest.services import seasons

PASSWORD = "journey-pass-1"  # every account a journey's setup makes with person()
LAPTOP = {"width": 1280, "height": 900}

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server_setup():
    """Override in a test module to add rows: called as setup(season) in the server's app context."""


@pytest.fixture
def live_server(tmp_path, live_server_setup):
    """The app on a free port, with its own SQLite file and an open season."""
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e2e.db'}", UPLOAD_FOLDER=str(tmp_path / "up"),
                  WTF_CSRF_ENABLED=True)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        now = utcnow()
        season = seasons.create_season(now.year, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=20),
                                       fields=["Energy", "IT and software"])
        if live_server_setup is not None:
            live_server_setup(season)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; `make test` installs Debian's chromium package")
        pytest.skip("chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def person(email: str, role: Role, name: str, **profile) -> User:
    """An account for a journey's setup, signed in with PASSWORD."""
    user = User(email=email, role=role, full_name=name, password_hash=generate_password_hash(PASSWORD), **profile)
    db.session.add(user)
    return user


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """The login form, filled in as a person would."""
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def browse(browser, live_server):
    """browse(email, viewport=LAPTOP, password=PASSWORD, phone=False): a signed-in page in a browser context
    of its own (its own cookies, so several people can be signed in at once; a phone has touch); all closed
    after the test."""
    contexts = []

    def open_as(email: str, viewport: dict = LAPTOP, password: str = PASSWORD, phone: bool = False):
        context = browser.new_context(locale="en-US", viewport=viewport, is_mobile=phone, has_touch=phone)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, live_server, email, password)
        return page

    yield open_as
    for context in contexts:
        context.close()
