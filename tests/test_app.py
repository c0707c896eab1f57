"""The application as a whole: error pages, CSRF, languages, migrations, demo data."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from jinja2 import nodes
from sqlalchemy import inspect, text

from contest import PROJECT_ROOT, create_app
from contest.extensions import db
from contest.models import (
    REGIONS, Assignment, AssignmentRun, Entry, EntryStatus, ResultSnapshot, Role, RunStatus, Season, SheetStatus, User,
)
from tests.conftest import POSTGRES, config_for_tests, drop_schema, private_schema


def test_front_page_shows_the_season_and_its_contests(client, make_season):
    make_season()
    html = client.get("/").get_data(as_text=True)
    for text_ in ("The Best Idea", "The Best Project", "The Best Invention", "15\u00a0000\u00a0000\u00a0000\u00a0UZS"):
        assert text_ in html


def test_404_page_is_in_the_site_style(client):
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "Page not found" in html and 'class="site-header"' in html


def test_500_page_never_shows_a_stack_trace(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_api_errors_are_json(client):
    response = client.get("/api/nothing-here", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_every_post_needs_a_csrf_token(tmp_path, make_user):
    app = create_app(config_for_tests(WTF_CSRF_ENABLED=True, UPLOAD_FOLDER=str(tmp_path)))
    with app.app_context():
        if not POSTGRES:
            db.create_all()
        make_user(email="csrf@example.uz")
        client = app.test_client()
        response = client.post("/auth/login", data={"email": "csrf@example.uz", "password": "correct horse"})
        assert response.status_code == 400 and "The form expired" in response.get_data(as_text=True)
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/auth/login", data={"email": "csrf@example.uz", "password": "correct horse",
                                                    "csrf_token": token})
        assert response.status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_language_switch_is_remembered(client):
    client.post("/auth/language/ru", data={"next": "/"})
    assert 'lang="ru"' in client.get("/").get_data(as_text=True)
    response = client.post("/auth/language/en", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_accept_language_picks_the_locale(client):
    html = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert 'lang="ru"' in html


@pytest.mark.parametrize("locale, phrase", [("ru", "Вход"), ("uz", "Kirish")])
def test_translations_are_served(client, locale, phrase):
    client.post(f"/auth/language/{locale}")
    assert phrase in client.get("/auth/login").get_data(as_text=True)


def test_one_english_word_with_two_meanings_gets_each_its_own_translation(client):
    """'Sign in' is the page (Вход) and the button (Войти): contexts keep them apart."""
    client.post("/auth/language/ru")
    html = client.get("/auth/login").get_data(as_text=True)
    assert "<h1>Вход</h1>" in html and 'value="Войти"' in html


def _visible_text(template: str) -> list[str]:
    """Words a user would read that sit outside {{ _() }}: each one is a hard-coded string."""
    source = re.sub(r"{#.*?#}", " ", template, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    source = re.sub(r"<[^>]*>", " ", source, flags=re.S)
    return re.findall(r"[^\W\d_]{2,}", source)


def test_no_user_facing_string_is_hard_coded_in_templates():
    offenders = {}
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        words = _visible_text(path.read_text(encoding="utf-8"))
        if words:
            offenders[str(path.relative_to(PROJECT_ROOT))] = words
    assert offenders == {}


def test_attributes_shown_to_users_are_translated_too():
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        for match in re.finditer(r'(?:placeholder|aria-label|title)="([^"{]*[A-Za-z][^"]*)"', path.read_text()):
            pytest.fail(f"{path.name}: untranslated attribute {match.group(0)}")


def test_no_template_rebinds_the_translation_function(app):
    """`{% set _ = ... %}` (or a loop or macro variable named `_`) hides gettext from the rest of the
    template: the next `_("...")` fails with a 500, as the organizer's Entries list once did."""
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        tree = app.jinja_env.parse(path.read_text(encoding="utf-8"))
        rebinding = [n.lineno for n in tree.find_all(nodes.Name) if n.name == "_" and n.ctx in ("store", "param")]
        assert not rebinding, f"{path.relative_to(PROJECT_ROOT)} assigns to _ on line(s) {rebinding}"


def _migrated_engine_url(tmp_path: Path) -> tuple[str, dict]:
    if POSTGRES:
        schema = f"migrations_{os.getpid()}"  # private: the tests' own tables stay untouched
        private_schema(schema)
        return os.environ["TEST_DATABASE_URL"], {"connect_args": {"options": f"-csearch_path={schema}"},
                                                 "pool_pre_ping": True}
    return f"sqlite:///{tmp_path / 'migrated.db'}", {}


def test_migrations_build_the_schema_the_models_describe(tmp_path):
    url, engine_options = _migrated_engine_url(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                      "UPLOAD_FOLDER": str(tmp_path / "uploads"), "CONTEST_ENV": "testing"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"users", "seasons", "contests", "entries", "entry_authors", "attachments"} <= tables
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        db.engine.dispose()
    if POSTGRES:
        drop_schema(f"migrations_{os.getpid()}")


def test_seed_demo_builds_a_believable_season(runner, app):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "organizer@demo.uz" in result.output and "participant@demo.uz" in result.output
    season = db.session.scalars(db.select(Season)).one()
    assert season.budget == 15_000_000_000
    entries = db.session.scalars(db.select(Entry)).all()
    assert len(entries) == 300
    per_contest = {c.kind.value: sum(e.contest_id == c.id for e in entries) for c in season.contests}
    assert min(per_contest.values()) >= 90
    regions = {a.region for e in entries for a in e.authors}
    assert set(REGIONS) <= regions
    assert sum(e.status is EntryStatus.SUBMITTED for e in entries) >= 250
    assert all(e.attachments for e in entries)
    count = lambda role: db.session.scalar(db.select(db.func.count(User.id)).where(User.role == role))  # noqa: E731
    assert (count(Role.JUDGE), count(Role.ORGANIZER)) == (30, 1)
    demo = User.by_email("participant@demo.uz")
    assert demo.check_password("demo12345")
    # "The Best Idea" has gone through judging: assigned by the engine, mostly scored, published.
    idea = season.contests[0]
    idea_entries = [e for e in entries if e.contest_id == idea.id and e.status is EntryStatus.SUBMITTED]
    assignments = db.session.scalars(db.select(Assignment).join(Entry).where(Entry.contest_id == idea.id)).all()
    assert len(assignments) == 3 * len(idea_entries)
    assert sum(a.status is SheetStatus.SUBMITTED for a in assignments) > 0.8 * len(assignments)
    assert db.session.scalar(db.select(AssignmentRun.status)) is RunStatus.COMMITTED
    snapshot = ResultSnapshot.latest(idea.id)
    assert snapshot.version == 1 and len(snapshot.result["ranking"]) == len(idea_entries)
    assert not idea.accepts_changes() and season.contests[1].is_open()
    # Its winners have chosen countries, so the prize pages show a real allocation.
    from contest.models import AllocationSnapshot
    from contest.services import prizes
    state = prizes.compute(season)
    assert state.awards and len(prizes.preferences(season)) == len(state.selection.order)
    assert AllocationSnapshot.latest(season.id).version == 1  # committed, so winners see their internship
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 300


def test_the_migration_gives_older_seasons_the_default_prize_catalogue(tmp_path):
    """Seasons made before the catalogue came with the season get it from the migration, once."""
    url, engine_options = _migrated_engine_url(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
                      "UPLOAD_FOLDER": str(tmp_path / "uploads"), "CONTEST_ENV": "testing"})
    WHEN = datetime(2025, 3, 1)
    with app.app_context():
        upgrade(revision="a9ebff2f8d56")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO seasons (year, budget, created_at) VALUES (2025, 15000000000, :now)"),
                         {"now": WHEN})
            season_id = conn.execute(text("SELECT id FROM seasons")).scalar_one()
            for kind in ("IDEA", "PROJECT", "INVENTION"):
                conn.execute(text("INSERT INTO contests (season_id, kind, opens_at, closes_at, max_entries_per_author, "
                                  "judges_per_entry) VALUES (:season, :kind, :opens, :closes, 1, 3)"),
                             {"season": season_id, "kind": kind, "opens": WHEN, "closes": WHEN + timedelta(days=30)})
        upgrade()
        upgrade()  # a second run adds nothing
        with db.engine.connect() as conn:
            settings = conn.execute(text("SELECT season_id, internship_places FROM prize_settings")).all()
            prizes_made = conn.execute(text("SELECT name, cost FROM fixed_prizes ORDER BY contest_id")).all()
            countries = conn.execute(text("SELECT code FROM internship_countries ORDER BY position")).scalars().all()
        assert settings == [(season_id, 10)]
        assert prizes_made == [("Electric car: first place, The Best Idea", 450_000_000),
                               ("Electric car: first place, The Best Project", 450_000_000),
                               ("Electric car: first place, The Best Invention", 450_000_000)]
        assert countries == ["DE", "JP", "CN", "RU", "IT", "TR", "KR", "SG"]
        db.engine.dispose()
    if POSTGRES:
        drop_schema(f"migrations_{os.getpid()}")
