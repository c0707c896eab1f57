"""Fixtures: a fresh database per test (in-memory SQLite, or TEST_DATABASE_URL), factories, sign-in."""
from __future__ import annotations

import functools
import io
import os
import random
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from contest import create_app
from contest.config import TestConfig
from contest.extensions import db
from contest.passwords import Passwords
from contest.models import (
    Assignment, Category, ContestJudge, Entry, EntryAuthor, EntryStatus, Mark, Role, SheetStatus, User, utcnow,
)
from contest.services import seasons

POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
PASSWORD = "correct horse"

# A minimal real PDF and PNG, so the content sniffing sees the genuine signatures.
PDF_BYTES = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                          "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a10000000049454e44ae426082")


# Each test process works in a PostgreSQL schema of its own, so that runs started at the same
# time against the one `test` database (a developer's and CI's, say) cannot collide.
PG_SCHEMA = f"pytest_{os.getpid()}"


def config_for_tests(**overrides) -> dict:
    """TestConfig as a dict, pointed at this process's schema when on PostgreSQL."""
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    if POSTGRES:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                               "connect_args": {"options": f"-csearch_path={PG_SCHEMA}"}}
    config.update(overrides)
    return config


def private_schema(name: str) -> None:
    """(Re)create an empty PostgreSQL schema."""
    engine = create_engine(os.environ["TEST_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()


def drop_schema(name: str) -> None:
    engine = create_engine(os.environ["TEST_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def _postgres_schema():
    """On PostgreSQL the schema is built once; each test then starts from empty tables."""
    if not POSTGRES:
        yield
        return
    private_schema(PG_SCHEMA)
    app = create_app(config_for_tests())
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield
    drop_schema(PG_SCHEMA)


# Every database test starts at this instant, whatever the real clock says, so a run at any minute
# of any day gives the same answer: a window built "five days from now" can never meet a time a
# test looks for or forbids, and a fixed date in a test stays in the past or the future it was
# written for. The clock ticks on from there, so durations stay real.
TEST_NOW = datetime(2026, 9, 15, 6, 0, tzinfo=timezone.utc)  # 11:00 in Tashkent


@pytest.fixture
def frozen_clock():
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


@contextmanager
def database_of_its_own(tmp_path_factory, name: str):
    """An app whose database belongs to one test module (a SQLite file, or a PostgreSQL schema), for a
    scene seeded once and read by many tests; yields inside its app context."""
    folder = tmp_path_factory.mktemp(name)
    schema = f"pytest_{name}_{os.getpid()}"
    if POSTGRES:
        private_schema(schema)
        overrides = {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}}}
    else:
        overrides = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / (name + '.db')}"}
    app = create_app(config_for_tests(UPLOAD_FOLDER=str(folder / "uploads"), **overrides))
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
    if POSTGRES:
        drop_schema(schema)


@pytest.fixture
def app(tmp_path, _postgres_schema, frozen_clock):
    app = create_app(config_for_tests(UPLOAD_FOLDER=str(tmp_path / "uploads")))
    with app.app_context():
        if POSTGRES:
            _truncate_all()
        else:
            db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


def _truncate_all() -> None:
    db.session.remove()
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context, as in production: a fresh `g` and a fresh session.

    Without this, requests would share the test's app context, and with it the signed-in user
    cached in `g` and the session's identity map, hiding real bugs.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def smtp(app):
    """A real SMTP server (aiosmtpd) the app sends to; ``smtp.inbox`` holds what it received."""
    from tests.mail_server import SMTPServer

    with SMTPServer() as server:
        app.config.update(server.settings())
        yield server


@pytest.fixture
def client(app):
    app.test_client_class = RequestIsolatingClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = iter(range(1, 10**9))


@functools.cache
def _password_hash(password: str) -> str:
    """Made as the tests' app makes hashes (argon2id, cheap test parameters), once per password."""
    return Passwords(TestConfig.PASSWORD_HASH_PROFILE).hash(password)


@pytest.fixture
def make_user(app):
    def make(role: Role = Role.PARTICIPANT, *, email: str | None = None, password: str = PASSWORD, **profile) -> User:
        n = next(_counter)
        defaults = {"full_name": f"Person {n}", "organization": f"Organization {n}", "region": "samarkand",
                    "category": Category.STUDENT if role is Role.PARTICIPANT else None}
        user = User(email=email or f"user{n}@example.uz", role=role, **{**defaults, **profile})
        user.password_hash = _password_hash(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_season(app):
    def make(year: int = 2026, *, opens_in: timedelta = -timedelta(days=1), closes_in: timedelta = timedelta(days=10),
             fields=("Energy", "IT")):
        now = utcnow()
        season = seasons.create_season(year, opens_at=now + opens_in, closes_at=now + closes_in, fields=fields)
        db.session.commit()
        return season

    return make


@pytest.fixture
def login(client):
    def do(user: User, password: str = PASSWORD, remember: bool = False):
        client.post("/auth/logout")
        response = client.post("/auth/login", data={"email": user.email, "password": password,
                                                    "remember": "y" if remember else ""})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def entry_form():
    """Form data for the entry page; co-author rows are filled from dicts."""

    def build(title="Solar micro-grid", field_id=None, summary="Short summary", description="Long description",
              co_authors=()):
        data = {"title": title, "summary": summary, "description": description,
                "field_id": "" if field_id is None else str(field_id)}
        for i, row in enumerate(co_authors):
            for key, value in row.items():
                data[f"co_authors-{i}-{key}"] = value
        return data

    return build


def upload(client, entry_id: int, content: bytes = PDF_BYTES, name: str = "report.pdf"):
    return client.post(f"/entries/{entry_id}/attachments", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", follow_redirects=True)


# --- shared scenes -----------------------------------------------------------------------------

@pytest.fixture
def organizer(make_user, login):
    user = make_user(Role.ORGANIZER, full_name="Org")
    login(user)
    return user


def submitted_entries(contest, make_user, count: int) -> list[Entry]:
    """``count`` submitted entries in the contest's first field, each by an author of its own."""
    made = []
    for n in range(count):
        author = make_user(full_name=f"Author {n}")
        entry = Entry(contest=contest, lead_author=author, field=contest.fields[0], status=EntryStatus.SUBMITTED)
        entry.set_title(f"Entry {n}")
        entry.authors.append(EntryAuthor.from_user(author, 0))
        db.session.add(entry)
        made.append(entry)
    db.session.commit()
    return made


def scored_contest(make_season, make_user, entries: int, judges: int, noise: float = 1.0):
    """A contest of ``entries`` submitted entries, each scored by 3 of ``judges`` judges (quality
    rising with the entry's number, each mark off by up to ``noise``), with comments on entry 1."""
    contest = make_season().contests[0]
    rng = random.Random(7)
    panel = [make_user(Role.JUDGE, full_name=f"Judge {i}") for i in range(judges)]
    for judge in panel:
        db.session.add(ContestJudge(contest=contest, judge=judge))
    made = submitted_entries(contest, make_user, entries)
    for n, entry in enumerate(made):
        quality = 2 + n * 7.2 / entries
        for j in range(3):
            judge = panel[(n + j) % judges]
            sheet = Assignment(judge=judge, entry=entry, status=SheetStatus.SUBMITTED, submitted_at=utcnow(),
                               overall_comment="Strong prototype." if n == 1 and j == 0 else "")
            for criterion in contest.criteria:
                value = max(1, min(10, round(quality + rng.uniform(-noise, noise))))
                sheet.marks.append(Mark(criterion=criterion, value=Decimal(value),
                                        comment="Clear novelty." if n == 1 and j == 0 else ""))
            db.session.add(sheet)
    db.session.commit()
    return contest, panel, made


@pytest.fixture
def scored(make_season, make_user):
    """A contest of 12 entries, 6 judges, 3 sheets an entry, with comments on entry 1."""
    return scored_contest(make_season, make_user, 12, 6)


@pytest.fixture
def finalist_ready(make_season, make_user):
    """A contest large enough for a finalist round: 100 entries, 3 sheets each (300, so 30 extra
    reviews at 10 %: the prize zone of 10 finalists before a panel of 3), 12 judges."""
    return scored_contest(make_season, make_user, 100, 12)


def run_at_once(*calls: Callable[[], object], timeout: float = 60) -> list[threading.Thread]:
    """Start every call on a thread of its own, then wait for them all: a race, as concurrent requests make one.
    Returns the threads, so a test can check that none is still stuck."""
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return threads
