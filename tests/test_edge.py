"""One commit per request, at the edge: views never commit, GETs never write, a refusal undoes only itself."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import abort
from sqlalchemy import event

from contest.actions import attempt
from contest.edge import WriteOnSafeRequest
from contest.extensions import db
from contest.jobs import queue
from contest.models import AuditEvent, Criterion, Job, Role, Season, User
from contest.services import audit, seasons
from contest.services.seasons import SeasonError
from tests import job_kinds  # noqa: F401 - the job kind "test_steps"
from tests.conftest import POSTGRES

CONTEST = Path(__file__).resolve().parent.parent / "contest"
# The request's edge commits; the command line, the job runner and the mail sender are edges of their own.
OWN_EDGES = {"edge.py", "cli.py", "jobs/worker.py", "jobs/runner.py", "mail/sending.py", "mail/commands.py"}


def _view_and_service_modules() -> list[Path]:
    views = [*CONTEST.glob("*/views.py"), CONTEST / "organizer" / "panel.py", CONTEST / "actions.py",
             CONTEST / "errors.py", *CONTEST.glob("api/*.py"), *CONTEST.glob("services/*.py")]
    return sorted(path for path in views if str(path.relative_to(CONTEST)) not in OWN_EDGES)


def test_no_view_or_service_commits_or_rolls_back():
    hand_written = [f"{path.relative_to(CONTEST)}:{number}"
                    for path in _view_and_service_modules()
                    for number, line in enumerate(path.read_text().splitlines(), 1)
                    if re.search(r"session\.(commit|rollback)\(", line)]
    assert len(_view_and_service_modules()) > 30 and hand_written == []


def _person(email: str) -> User:
    user = User(email=email, full_name="Edge Case", role=Role.ORGANIZER, password_hash="x")
    db.session.add(user)
    return user


def _people(email: str) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(User.id)).where(User.email == email))


@pytest.fixture
def routes(app):
    """Views that write, and answer as a view may: a redirect, an error status, an exception."""
    def writes(status: int):
        _person(f"s{status}@example.uz")
        db.session.flush()
        return "", status

    def writes_then_fails():
        _person("fails@example.uz")
        db.session.flush()
        abort(409)

    def writes_then_refuses():
        _person("kept@example.uz")
        try:
            attempt(lambda: (_person("refused@example.uz"), db.session.flush(), abort(422)))
        except Exception:  # noqa: BLE001 - the view answers the refusal itself
            pass
        return "", 303

    app.add_url_rule("/_edge/writes/<int:status>", "writes", writes, methods=["GET", "POST", "PUT", "DELETE"])
    app.add_url_rule("/_edge/fails", "fails", writes_then_fails, methods=["POST"])
    app.add_url_rule("/_edge/refuses", "refuses", writes_then_refuses, methods=["POST"])
    return app


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_change_answered_without_error_is_committed_once_at_the_end(client, routes, method):
    assert getattr(client, method)("/_edge/writes/302").status_code == 302
    assert _people("s302@example.uz") == 1


@pytest.mark.parametrize("status", [400, 409, 422, 500])
def test_a_change_answered_with_an_error_status_is_rolled_back(client, routes, status):
    assert client.post(f"/_edge/writes/{status}").status_code == status
    assert _people(f"s{status}@example.uz") == 0


def test_a_change_that_raises_is_rolled_back(client, routes):
    assert client.post("/_edge/fails").status_code == 409
    assert _people("fails@example.uz") == 0


def test_a_refused_part_is_undone_alone_and_the_rest_is_committed(client, routes):
    assert client.post("/_edge/refuses").status_code == 303
    assert _people("kept@example.uz") == 1 and _people("refused@example.uz") == 0


def test_a_get_that_writes_fails_loudly_in_testing(client, routes):
    with pytest.raises(WriteOnSafeRequest, match="GET /_edge/writes/200 writes User"):
        client.get("/_edge/writes/200")
    assert _people("s200@example.uz") == 0


def test_a_get_that_runs_an_update_fails_loudly_in_testing(client, app):
    def updates():
        db.session.execute(db.update(User).values(full_name="x"))
        return "done"

    app.add_url_rule("/_edge/updates", "updates", updates)
    with pytest.raises(WriteOnSafeRequest, match="runs UPDATE"):
        client.get("/_edge/updates")


@pytest.fixture
def transaction_ends(app):
    """How the request's transactions ended at the database: "commit" or "rollback", in order."""
    ends: list[str] = []
    listeners = {"commit": lambda _connection: ends.append("commit"),
                 "rollback": lambda _connection: ends.append("rollback")}
    for name, listener in listeners.items():
        event.listen(db.engine, name, listener)
    yield ends
    for name, listener in listeners.items():
        event.remove(db.engine, name, listener)


def test_a_get_that_wrote_nothing_ends_with_a_commit(client, app, transaction_ends):
    """A COMMIT of a transaction that wrote nothing keeps what a ROLLBACK would, and on PostgreSQL it keeps
    the statements psycopg prepared on the connection, which it forgets at every ROLLBACK."""
    app.add_url_rule("/_edge/reads", "reads", lambda: str(db.session.scalar(db.select(db.func.count(User.id)))))
    app.add_url_rule("/_edge/prepared", "prepared",
                     lambda: str(db.session.scalar(db.text("SELECT count(*) FROM pg_prepared_statements"))))
    for _ in range(6):  # psycopg prepares a statement at its sixth run on a connection
        assert client.get("/_edge/reads").status_code == 200
    assert transaction_ends == ["commit"] * 6
    if POSTGRES:
        assert client.get("/_edge/prepared").get_data(as_text=True) == "1"


def test_a_get_that_fails_or_writes_where_nothing_guards_it_is_rolled_back(client, app, routes, transaction_ends):
    def reads_then_fails():
        db.session.scalar(db.select(db.func.count(User.id)))
        abort(404)

    app.add_url_rule("/_edge/missing", "missing", reads_then_fails)
    app.config["SAFE_REQUESTS_WRITE_NOTHING"] = False  # as in production, where a GET that writes is a bug
    assert client.get("/_edge/writes/200").status_code == 200
    assert transaction_ends == ["rollback"] and _people("s200@example.uz") == 0
    transaction_ends.clear()
    assert client.get("/_edge/missing").status_code == 404
    assert transaction_ends == ["rollback"]


def test_a_refused_change_leaves_nothing_and_the_page_keeps_what_was_typed(client, organizer, monkeypatch):
    """The service writes its season, contests and audit event, then refuses: none of it stays."""
    real = seasons.create_season

    def create_then_refuse(*args, **kwargs):
        real(*args, **kwargs)
        assert db.session.scalar(db.select(db.func.count(Season.id))) == 1 and audit.staged(db.session())
        raise SeasonError("season_exists", year=2031)

    monkeypatch.setattr(seasons, "create_season", create_then_refuse)
    before = db.session.scalar(db.select(db.func.count(AuditEvent.seq)))
    response = client.post("/organizer/seasons/new", data={
        "year": "2031", "budget": "123456", "opens_at": "2031-02-01T09:00", "closes_at": "2031-04-30T18:00",
        "fields": "Solar ovens\nWind"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "already exists" in html
    assert 'value="123 456"' in html and "Solar ovens" in html and "2031-04-30T18:00" in html
    assert db.session.scalar(db.select(db.func.count(Season.id))) == 0
    assert db.session.scalar(db.select(db.func.count(AuditEvent.seq))) == before


def test_a_refused_button_that_redirects_commits_nothing_of_its_change(client, organizer, make_season, monkeypatch):
    """A refusal answered with a redirect (a 302 the edge commits) still undoes the service's writes."""
    criterion = make_season().contests[0].criteria[0]
    real = seasons.delete_criterion

    def delete_then_refuse(*args, **kwargs):
        real(*args, **kwargs)
        raise SeasonError("rubric_frozen", contest="The Best Idea")

    monkeypatch.setattr(seasons, "delete_criterion", delete_then_refuse)
    before = db.session.scalar(db.select(db.func.count(AuditEvent.seq)))
    response = client.post(f"/organizer/criteria/{criterion.id}/delete", follow_redirects=True)
    assert response.status_code == 200 and "Scoring has started for The Best Idea" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Criterion, criterion.id) is not None
    assert db.session.scalar(db.select(db.func.count(AuditEvent.seq))) == before


def test_a_savepoint_rolled_back_drops_its_own_audit_events_and_jobs_only(app):
    with app.test_request_context(method="POST"):
        audit.record("before.kept", ("test", None))
        kept = queue.enqueue("test_steps", steps=1, marker="kept@example.uz")
        with pytest.raises(SeasonError):
            attempt(lambda: (audit.record("inside.dropped", ("test", None)),
                             queue.enqueue("test_steps", steps=1, marker="dropped@example.uz"),
                             _raise(SeasonError("budget_negative"))))
        assert [event.action for event, _subject, _entry in audit.staged(db.session())] == ["before.kept"]
        assert db.session.info[queue.PENDING] == [kept.id]
        db.session.commit()
    assert [event.action for event in db.session.scalars(db.select(AuditEvent))] == ["before.kept"]
    assert db.session.scalars(db.select(Job.id)).all() == [kept.id]


def _raise(error: Exception):
    raise error


def test_a_refusal_no_view_answered_is_a_422_with_its_reasons_and_in_the_api_its_codes(client, app):
    def refuses():
        _person("unanswered@example.uz")
        db.session.flush()
        raise SeasonError("season_exists", year=2031)

    app.add_url_rule("/_edge/unanswered", "unanswered", refuses, methods=["POST"])
    app.add_url_rule("/api/v1/_edge/unanswered", "api_unanswered", refuses, methods=["POST"])
    page = client.post("/_edge/unanswered")
    assert page.status_code == 422 and "A season for 2031 already exists." in page.get_data(as_text=True)
    answer = client.post("/api/v1/_edge/unanswered")
    assert answer.status_code == 422 and answer.json["message"] == "A season for 2031 already exists."
    assert answer.json["refusals"] == [{"code": "season_exists", "year": 2031}]
    assert _people("unanswered@example.uz") == 0
