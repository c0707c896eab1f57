"""A real browser (Debian's Chromium driven by Playwright) against a live server."""
from __future__ import annotations

import os
import shutil
import threading
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from contest import PROJECT_ROOT, create_app
from contest.config import TestConfig
from contest.extensions import db
from contest.models import FixedPrize, InternshipCountry, PrizeSettings, Role, Season, User, utcnow
from contest.services import seasons
from contest.services.demo import build_demo_season

PASSWORD = "journey-pass-1"  # every account a journey's setup makes with person()
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe-core's rules for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SERIOUS = ("serious", "critical")

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


def replace_with_demo_season(season, entries: int = 45, judges: int = 12) -> Season:
    """A small demo season instead of the empty one: a judged contest, a published ranking, winners who
    chose countries, so every page has rows to show."""
    for catalogue_rows in (InternshipCountry, FixedPrize, PrizeSettings):  # no ORM cascade holds them to the season
        db.session.execute(db.delete(catalogue_rows).where(catalogue_rows.season_id == season.id))
    db.session.delete(season)  # the demo brings its own season of the same year
    db.session.flush()
    build_demo_season(entries=entries, judges=judges)
    return db.session.scalar(db.select(Season))


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """The login form, filled in as a person would."""
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def browse(browser, live_server):
    """browse(email, viewport=LAPTOP, password=PASSWORD, phone=False, audit=False): a signed-in page (email
    None: a visitor's) in a browser context of its own (its own cookies, so several people can be signed in
    at once; a phone has touch); all closed after the test. audit=True: a context for accessibility_faults(),
    which does not enforce the pages' Content-Security-Policy (see there)."""
    contexts = []

    def open_as(email: str | None, viewport: dict = LAPTOP, password: str = PASSWORD, phone: bool = False,
                audit: bool = False):
        context = browser.new_context(locale="en-US", viewport=viewport, is_mobile=phone, has_touch=phone,
                                      bypass_csp=audit)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if email is not None:
            sign_in(page, live_server, email, password)
        return page

    yield open_as
    for context in contexts:
        context.close()


def accessibility_faults(page, impacts: tuple[str, ...] = SERIOUS) -> list[str]:
    """axe-core's WCAG 2.x A and AA violations of the page as it stands, one line per rule: its id, impact,
    the CSS selectors of the offending elements, and axe's help text. Only the given impacts count.

    axe.min.js is injected with page.add_script_tag, which writes it into an inline <script>: the app's
    Content-Security-Policy (scripts from the site only) refuses that, so call this only on a page whose
    context was opened with Playwright's bypass_csp (browse(..., audit=True)). Such a context is for the audit
    alone: journeys that prove the policy holds (test_security_headers_journey, test_charts_journey) keep it.
    """
    if not AXE_JS.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing; `make static-deps` installs it")
        pytest.skip("axe-core is not installed (make static-deps installs it)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "resultTypes: ['violations']})", WCAG_AA)
    return [f"{v['id']} ({v['impact']}) at {', '.join(' '.join(n['target']) for n in v['nodes'])}: {v['help']}"
            for v in result["violations"] if v["impact"] in impacts]

