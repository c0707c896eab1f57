"""The JSON API: tokens issued and revoked from the pages, each role's view, marks submitted, pages, errors."""
from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from contest.extensions import db
from contest.models import (
    ApiToken, Assignment, AuditEvent, Category, Conflict, ConflictSource, ContestJudge, Entry, EntryAuthor,
    EntryStatus, Role, ScoringRound, SheetStatus, utcnow,
)
from contest.services import api_tokens, attachments, prizes, results
from tests.conftest import PDF_BYTES, POSTGRES, run_at_once

# The keys of a person or a file: none of them may appear anywhere in what a judge's token reads.
IDENTITY_KEYS = {"authors", "author", "full_name", "name_of_author", "email", "organization", "region", "files",
                 "original_name", "sha256", "size", "content_type", "lead_author", "lead_author_id", "user_id"}


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token_for(user, scopes=("read", "score")) -> str:
    _token, secret = api_tokens.issue(user, "script", list(scopes), by=user)
    db.session.commit()
    return secret


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(keys_of(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_of(v) for v in value)) if value else set()
    return set()


@pytest.fixture
def sign_in(client):
    """Signed in through the session, as Flask-Login reads it (the sign-in form is tested elsewhere)."""

    def do(user):
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True

    return do


@pytest.fixture
def scene(make_season, make_user):
    """One contest with an open round: a judge assigned to two entries (one of them conflicted), an
    entry of someone else's queue, and a participant whose names must never reach the judge."""
    contest = make_season().contests[0]
    now = utcnow()
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=now - timedelta(days=1),
                                closes_at=now + timedelta(days=5)))
    judge, other_judge = make_user(Role.JUDGE, full_name="Judge Jura"), make_user(Role.JUDGE, full_name="Judge Other")
    organizer = make_user(Role.ORGANIZER, full_name="Org Olim")
    author = make_user(full_name="Author Anvar", organization="Samarkand Lyceum 7", region="bukhara")
    entries = []
    for n in range(5):
        entry = Entry(contest=contest, lead_author=author, field=contest.fields[0], status=EntryStatus.SUBMITTED,
                      summary=f"Summary {n}", description=f"Description {n}")
        entry.set_title(f"Solar dryer {n}")
        entry.authors.append(EntryAuthor.from_user(author, 0))
        entry.authors.append(EntryAuthor(position=1, full_name="Co Author Dilnoza", category=Category.STUDENT,
                                         organization="Nukus Polytechnic", region="karakalpakstan"))
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()
    attachments.add(entries[0], io.BytesIO(PDF_BYTES), "anvar-dryer-report.pdf")
    for j in (judge, other_judge):
        db.session.add(ContestJudge(contest=contest, judge=j))
    mine = Assignment(judge=judge, entry=entries[0])
    conflicted = Assignment(judge=judge, entry=entries[1])
    theirs = Assignment(judge=other_judge, entry=entries[2])
    db.session.add_all([mine, conflicted, theirs])
    db.session.add(Conflict(judge=judge, entry=entries[1], source=ConflictSource.MANUAL, reason="Relative"))
    db.session.commit()
    return {"contest": contest, "judge": judge, "other_judge": other_judge, "organizer": organizer,
            "author": author, "entries": entries, "mine": mine, "conflicted": conflicted, "theirs": theirs}


# --------------------------------------------------------------------------- tokens from the pages

def test_a_judge_issues_a_token_shown_once_and_stored_only_as_its_hash(client, sign_in, scene):
    sign_in(scene["judge"])
    response = client.post("/tokens/", data={"name": "My tablet app", "scopes": ["read", "score"]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'class="token-secret"[^>]*>(cjp_[A-Za-z0-9_-]+)<', response.get_data(as_text=True)).group(1)
    token = db.session.scalars(db.select(ApiToken)).one()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps([token.name, token.shown_prefix, token.scopes, token.token_hash])
    assert token.owner_id == scene["judge"].id and token.scope_list == ["read", "score"]
    assert secret not in client.get("/tokens/").get_data(as_text=True)  # shown once only
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.get_json() == {"user_id": scene["judge"].id, "role": "judge", "token_name": "My tablet app",
                             "scopes": ["read", "score"]}
    assert db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.seq)).all()[-1] == "api_token.issued"


def test_an_organizer_token_reads_only_and_a_nameless_token_is_refused_with_what_was_typed(client, sign_in, scene):
    sign_in(scene["organizer"])
    refused = client.post("/tokens/", data={"name": "", "scopes": ["read"]})
    assert refused.status_code == 422 and "Give the token a name." in refused.get_data(as_text=True)
    beyond = client.post("/tokens/", data={"name": "Results board", "scopes": ["read", "score"]})
    assert beyond.status_code == 422 and db.session.scalars(db.select(ApiToken)).all() == []
    assert client.post("/tokens/", data={"name": "Results board", "scopes": ["read"]}).status_code == 200
    assert db.session.scalars(db.select(ApiToken)).one().scope_list == ["read"]
    # Nor does the service grant more than the role allows, whatever it is asked.
    token, _secret = api_tokens.issue(scene["organizer"], "direct", ["read", "score"], by=scene["organizer"])
    assert token.scopes == "read" and not token.allows("score")


def test_organizers_revoke_any_token_and_judges_only_their_own(client, sign_in, scene):
    judges_secret = token_for(scene["judge"])
    other_secret = token_for(scene["other_judge"])
    judges_token, others_token = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id)).all()
    sign_in(scene["judge"])
    page = client.get("/tokens/").get_data(as_text=True)
    assert "Judge Other" not in page and others_token.shown_prefix not in page
    assert client.post(f"/tokens/{others_token.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(other_secret)).status_code == 200
    sign_in(scene["organizer"])
    assert others_token.shown_prefix in client.get("/tokens/").get_data(as_text=True)
    assert client.post(f"/tokens/{judges_token.id}/revoke").status_code == 302
    gone = client.get("/api/v1/me", headers=bearer(judges_secret))
    assert gone.status_code == 401 and gone.get_json()["code"] == 401
    assert gone.headers["WWW-Authenticate"].startswith("Bearer")


def test_participants_have_no_token_page_and_a_deactivated_owner_s_token_stops(client, sign_in, scene):
    sign_in(scene["author"])
    assert client.get("/tokens/").status_code == 403
    secret = token_for(scene["judge"])
    scene["judge"].active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_session_cookie_never_opens_the_api_and_a_token_never_opens_a_page(client, sign_in, scene):
    sign_in(scene["organizer"])
    assert client.get("/tokens/").status_code == 200  # the cookie is good for the pages
    refused = client.get("/api/v1/seasons")
    assert refused.status_code == 401 and refused.is_json
    client.post("/auth/logout")
    secret = token_for(scene["organizer"])
    page = client.get("/organizer/", headers=bearer(secret))
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"]


# --------------------------------------------------------------------------- what each role sees

def test_a_judge_token_sees_its_queue_blind_and_nothing_else(client, scene):
    secret = token_for(scene["judge"])
    listed = client.get("/api/v1/entries", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listed["items"]] == [scene["entries"][0].id]  # not the conflicted, not others'
    queue = client.get("/api/v1/assignments", headers=bearer(secret)).get_json()
    assert [item["id"] for item in queue["items"]] == [scene["mine"].id]
    detail = client.get(f"/api/v1/assignments/{scene['mine'].id}", headers=bearer(secret))
    entry = client.get(f"/api/v1/entries/{scene['entries'][0].id}", headers=bearer(secret))
    for response in (detail, entry):
        assert response.status_code == 200
    bodies = [listed, queue, detail.get_json(), entry.get_json()]
    assert not keys_of(bodies) & IDENTITY_KEYS
    text = json.dumps(bodies)
    for identity in ("Author Anvar", "Samarkand Lyceum 7", "bukhara", "Co Author Dilnoza", "Nukus Polytechnic",
                     "karakalpakstan", "anvar-dryer-report", scene["author"].email):
        assert identity not in text
    for hidden in (scene["entries"][1].id, scene["entries"][2].id, 10**6):
        assert client.get(f"/api/v1/entries/{hidden}", headers=bearer(secret)).status_code == 404
    for hidden in (scene["conflicted"].id, scene["theirs"].id):
        assert client.get(f"/api/v1/assignments/{hidden}", headers=bearer(secret)).status_code == 404
    contest_id = scene["contest"].id
    assert client.get(f"/api/v1/contests/{contest_id}/ranking", headers=bearer(secret)).status_code == 403
    assert client.get(f"/api/v1/seasons/{scene['contest'].season_id}/awards",
                      headers=bearer(secret)).status_code == 403


def test_an_organizer_token_sees_every_entry_with_its_authors_and_files(client, scene):
    secret = token_for(scene["organizer"])
    listed = client.get("/api/v1/entries", headers=bearer(secret)).get_json()
    assert listed["total"] == 5
    first = listed["items"][0]
    assert [a["full_name"] for a in first["authors"]] == ["Author Anvar", "Co Author Dilnoza"]
    assert first["files"][0]["original_name"] == "anvar-dryer-report.pdf"
    assert client.get("/api/v1/assignments", headers=bearer(secret)).status_code == 403  # a judge's queue only
    contest = client.get(f"/api/v1/contests/{scene['contest'].id}", headers=bearer(secret)).get_json()
    assert [c["id"] for c in contest["criteria"]] == [c.id for c in scene["contest"].criteria]
    assert contest["scoring_rounds"][0]["number"] == 1


def test_lists_come_in_pages_with_total_and_links(client, scene):
    secret = token_for(scene["organizer"])
    first = client.get("/api/v1/entries?per_page=2", headers=bearer(secret)).get_json()
    assert (first["total"], first["page"], len(first["items"])) == (5, 1, 2)
    assert first["links"]["prev"] is None and first["links"]["last"].endswith("page=3&per_page=2")
    second = client.get(first["links"]["next"], headers=bearer(secret)).get_json()
    third = client.get(second["links"]["next"], headers=bearer(secret)).get_json()
    assert third["links"]["next"] is None and len(third["items"]) == 1
    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert ids == sorted(e.id for e in scene["entries"])
    narrowed = client.get(f"/api/v1/entries?contest_id={scene['contest'].id}&status=draft&per_page=2",
                          headers=bearer(secret)).get_json()
    assert narrowed["total"] == 0 and narrowed["items"] == []
    assert "status=draft" in narrowed["links"]["self"]
    beyond = client.get("/api/v1/entries?page=9", headers=bearer(secret)).get_json()
    assert beyond["items"] == [] and beyond["total"] == 5


# --------------------------------------------------------------------------- marks through the API

def sheet_body(contest, values, submit=False, **extra):
    return {"marks": [{"criterion_id": c.id, "value": v, "comment": f"on {c.id}"}
                      for c, v in zip(contest.criteria, values)], "submit": submit, **extra}


def test_a_judge_saves_a_draft_submits_then_revises_through_the_scoring_service(client, scene):
    secret, contest, sheet = token_for(scene["judge"]), scene["contest"], scene["mine"]
    url = f"/api/v1/assignments/{sheet.id}/sheet"
    n = len(contest.criteria)
    draft = client.put(url, json=sheet_body(contest, ["7"]), headers=bearer(secret))
    assert draft.status_code == 200 and draft.get_json()["state"] == "draft"
    version = draft.get_json()["sheet_version"]
    submitted = client.put(url, json=sheet_body(contest, ["8,5"] * n, submit=True, seen=version),
                           headers=bearer(secret))
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["state"] == "submitted"
    stored = db.session.get(Assignment, sheet.id)
    assert stored.status is SheetStatus.SUBMITTED and {m.value for m in stored.marks} == {Decimal("8.5")}
    # A stale read is refused, whatever it sends.
    stale = client.put(url, json=sheet_body(contest, ["1"] * n, seen=version), headers=bearer(secret))
    assert stale.status_code == 409 and stale.get_json()["code"] == 409
    revising = client.put(url, json=sheet_body(contest, ["9"] * n), headers=bearer(secret)).get_json()
    assert revising["state"] == "revising"
    assert {m["value"] for m in revising["sheet"]["marks"]} == {"8.5"}  # the submitted values still count
    assert {m["value"] for m in revising["revision"]["marks"]} == {"9"}
    actions = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)).all()
    sheet_events = [e for e in actions if e.action.startswith(("sheet.", "revision."))]
    assert [e.action for e in sheet_events] == ["sheet.saved", "sheet.submitted", "revision.saved"]
    assert {e.actor_id for e in sheet_events} == {scene["judge"].id}


def test_the_scoring_rules_refuse_bad_marks_and_closed_windows_and_read_only_tokens(client, scene):
    contest, sheet = scene["contest"], scene["mine"]
    secret = token_for(scene["judge"])
    url = f"/api/v1/assignments/{sheet.id}/sheet"
    n = len(contest.criteria)
    wrong = client.put(url, json=sheet_body(contest, ["11"] + ["5"] * (n - 1), submit=True), headers=bearer(secret))
    assert wrong.status_code == 422
    body = wrong.get_json()
    assert body["code"] == 422 and body["errors"]["json"]["marks"][str(contest.criteria[0].id)]
    missing = client.put(url, json=sheet_body(contest, ["5"], submit=True), headers=bearer(secret))
    assert missing.status_code == 422 and "Every criterion needs a score" in missing.get_json()["message"]
    outsider = client.put(url, json={"marks": [{"criterion_id": 10**6, "value": "5"}]}, headers=bearer(secret))
    assert outsider.status_code == 422 and outsider.get_json()["errors"]["json"]["marks"]["0"]
    unknown_key = client.put(url, json={"marks": [], "author": "x"}, headers=bearer(secret))
    assert unknown_key.status_code == 422 and "author" in unknown_key.get_json()["errors"]["json"]
    assert db.session.get(Assignment, sheet.id).marks == []  # nothing refused was kept
    reader = token_for(scene["judge"], scopes=("read",))
    assert client.put(url, json=sheet_body(contest, ["5"]), headers=bearer(reader)).status_code == 403
    assert client.put(f"/api/v1/assignments/{scene['conflicted'].id}/sheet", json=sheet_body(contest, ["5"]),
                      headers=bearer(secret)).status_code == 404
    scoring_round = db.session.scalars(db.select(ScoringRound)).one()
    scoring_round.closes_at = utcnow() - timedelta(minutes=1)
    scoring_round.opens_at = utcnow() - timedelta(days=2)
    db.session.commit()
    closed = client.put(url, json=sheet_body(contest, ["5"]), headers=bearer(secret))
    assert closed.status_code == 409 and "closed" in closed.get_json()["message"]
    assert db.session.get(Assignment, sheet.id).marks == []


# --------------------------------------------------------------------------- results

def test_organizers_read_the_published_ranking_and_the_committed_awards(client, scored, make_user):
    contest, _panel, entries = scored
    organizer = make_user(Role.ORGANIZER)
    secret = token_for(organizer)
    assert client.get(f"/api/v1/contests/{contest.id}/ranking", headers=bearer(secret)).status_code == 404
    snapshot = results.publish(contest, organizer, "mean")
    db.session.commit()
    ranking = client.get(f"/api/v1/contests/{contest.id}/ranking", headers=bearer(secret)).get_json()
    assert ranking["version"] == snapshot.version and len(ranking["ranking"]) == len(entries)
    best = ranking["ranking"][0]
    assert best["rank"] == 1 and best["entry_code"] == Entry.code_of(best["entry_id"]) and best["title"]
    season_id = contest.season_id
    assert client.get(f"/api/v1/seasons/{season_id}/awards", headers=bearer(secret)).status_code == 404
    prizes.commit(contest.season, organizer)
    db.session.commit()
    awards = client.get(f"/api/v1/seasons/{season_id}/awards", headers=bearer(secret)).get_json()
    assert awards["version"] == 1
    assert awards["prizes"] and awards["prizes"][0]["winners"]


# --------------------------------------------------------------------------- errors are JSON

def test_every_error_is_json_with_its_code(app, client, scene):
    secret = token_for(scene["judge"])
    cases = [
        (client.get("/api/v1/seasons"), 401),
        (client.get("/api/v1/seasons", headers={"Authorization": "Bearer cjp_not-a-token"}), 401),
        (client.get("/api/v1/contests/1/ranking", headers=bearer(secret)), 403),
        (client.get("/api/v1/assignments/999999", headers=bearer(secret)), 404),
        (client.get("/api/v1/no-such-thing", headers=bearer(secret)), 404),
        (client.delete("/api/v1/seasons", headers=bearer(secret)), 405),
        (client.get("/api/v1/entries?per_page=0", headers=bearer(secret)), 422),
        (client.put(f"/api/v1/assignments/{scene['mine'].id}/sheet", data="{not json",
                    content_type="application/json", headers=bearer(secret)), 400),
    ]
    for response, code in cases:
        assert response.status_code == code, (response.request.path, response.get_data(as_text=True)[:200])
        assert response.is_json and response.get_json()["code"] == code
        assert "<html" not in response.get_data(as_text=True).lower()


def test_an_unexpected_failure_is_a_json_500_and_pages_keep_their_html_errors(client, scene, monkeypatch):
    secret = token_for(scene["judge"])

    def broken(judge):
        raise RuntimeError("the queue query failed")

    monkeypatch.setattr("contest.services.judge_queue.queue", broken)
    failed = client.get("/api/v1/assignments", headers=bearer(secret))
    assert failed.status_code == 500 and failed.get_json()["code"] == 500
    assert "RuntimeError" not in failed.get_data(as_text=True)
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_api_is_rate_limited_per_token_with_a_json_429(app, client, scene):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    secret, other = token_for(scene["judge"]), token_for(scene["organizer"])
    answers = [client.get("/api/v1/me", headers=bearer(secret)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/api/v1/me", headers=bearer(secret))
    assert limited.get_json()["code"] == 429 and int(limited.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200  # a budget per token
    # Made-up tokens buy no fresh budget: without a live token, the address's budget counts.
    made_up = [client.get("/api/v1/me", headers=bearer(f"cjp_made-up-{n}")).status_code for n in range(4)]
    assert made_up == [401, 401, 401, 429]


def test_the_openapi_document_is_served_and_names_the_bearer_scheme(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "/api/v1/assignments/{assignment_id}/sheet" in document["paths"]
    blind = document["components"]["schemas"]["BlindEntry"]["properties"]
    assert not set(blind) & IDENTITY_KEYS


@pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (the second pass of make test): real row locks")
def test_two_saves_from_the_same_read_race_and_only_one_goes_through(app, scene):
    secret, contest, sheet = token_for(scene["judge"]), scene["contest"], scene["mine"]
    url = f"/api/v1/assignments/{sheet.id}/sheet"
    seen = app.test_client().get(f"/api/v1/assignments/{sheet.id}", headers=bearer(secret)).get_json()
    statuses: list[int] = []
    # Built before the threads start: this session's objects are not theirs to load.
    bodies = {value: sheet_body(contest, [value], seen=seen["sheet_version"]) for value in ("3", "4")}

    def save(value: str) -> None:
        with app.app_context():
            response = app.test_client().put(url, json=bodies[value], headers=bearer(secret))
            statuses.append(response.status_code)
            db.session.remove()

    run_at_once(lambda: save("3"), lambda: save("4"))
    assert sorted(statuses) == [200, 409]
    db.session.expire_all()  # what the two requests committed, not what this session read before
    assert len(db.session.get(Assignment, sheet.id).marks) == 1
