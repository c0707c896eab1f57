"""The authorization matrix: every route, as every kind of caller, on every kind of id, against one policy table.

The route list is read from ``app.url_map`` (static files aside); a route that is missing from
:data:`POLICY`, or a policy for a route that is gone, fails :func:`test_every_route_has_a_policy`
by name. Each route is then requested (GET, or POST with ``confirm`` and CSRF off, as TestConfig
has it) as each caller in :data:`CALLERS`, on each kind of id its URL takes (see :func:`seed`),
and the answer must be what the table says.

The policy the table encodes, as the app does it today:
- allowed: 2xx or 3xx that is not the sign-in page; a request that gets past the access check but
  is refused on its content (an empty form, a confirmation page listing why not now) answers 422,
  and counts as allowed too;
- anonymous, on any page behind sign-in: a redirect to the sign-in page;
- a signed-in caller of a role the page is not for (a judge on an organizer page, an organizer
  on the judges' queue): 403;
- a resource the caller may not know about (someone else's entry or file, an assignment that is
  not theirs or that they are conflicted with, any unknown id): 404, so that the answer does not
  confirm it exists;
- an entry the caller may see but not change (organizers on a participant's entry pages that
  edit, submit or withdraw): 403.
Organizers and admins are one role set, as ``staff_required`` has it; judges never see an entry
through the organizer's pages, and organizers never see one through the judges' (blind review).

State: all cases share one seeded database per test process, and every write to it is counted
(INSERT, UPDATE or DELETE statements). A request that wrote (a POST that withdrew, removed,
committed or signed out, or a hole this test is there to find) is followed by emptying the
database and seeding it afresh, so every case runs on the untouched scene; the ids of a reseeded
scene are read anew. A GET that writes fails its case ("no writes on GET").
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from pypdf import PdfWriter
from sqlalchemy import event

from contest import create_app
from contest.api.auth import API_PREFIX
from contest.extensions import db
from contest.jobs import queue as jobs
from contest.models import (
    ApiToken, Assignment, Category, Certificate, CertificateKind, ContestJudge, Entry, EntryAuthor, EntryStatus, Mark,
    OutboxMessage, Role, SheetStatus, User, utcnow,
)
from contest.models.judging import FINAL_ROUND, Conflict, ConflictSource, ScoringRound
from contest.services import (
    accounts, api_tokens, attachments, certificates, judge_assignment, notices, prizes, results, seasons,
)
from tests.conftest import config_for_tests, database_of_its_own

# --------------------------------------------------------------------------- callers and ids

ANONYMOUS, OWNER, NOT_OWNER = "anonymous", "participant A", "participant B"
ASSIGNED, UNASSIGNED, CONFLICTED = "assigned judge", "unassigned judge", "conflicted judge"
ORGANIZER, ADMIN = "organizer", "admin"
CALLERS = (ANONYMOUS, OWNER, NOT_OWNER, ASSIGNED, UNASSIGNED, CONFLICTED, ORGANIZER, ADMIN)
SIGNED_IN = frozenset(CALLERS) - {ANONYMOUS}
PARTICIPANTS = frozenset({OWNER, NOT_OWNER})
JUDGES = frozenset({ASSIGNED, UNASSIGNED, CONFLICTED})
STAFF = frozenset({ORGANIZER, ADMIN})

# Kinds of id. For entries (and their files): participant A's entry ("own"), participant B's
# ("other"), the entry the assigned judge reviews ("assigned"), the one the conflicted judge holds
# a sheet on with a conflict on record ("conflicted"). For assignments: the assigned judge's sheet,
# the conflicted judge's sheet, and a sheet of a judge who is none of the callers ("other").
# Resources only organizers handle (seasons, contests, runs...) are "existing"; a judge's page is
# also tried on a participant's user id ("other"). Always "unknown".
OWN, OTHER, ASSIGNED_ID, CONFLICTED_ID, EXISTING, UNKNOWN = "own", "other", "assigned", "conflicted", "existing", \
    "unknown"
ENTRY_KINDS = (OWN, OTHER, ASSIGNED_ID, CONFLICTED_ID)
# A file of participant B's entry asked for under participant A's entry: no one's, so 404 to all.
OTHERS_FILE = "own entry, other's file"
NO_ID = "no id"
UNKNOWN_ID = 10**9 - 1

ALLOWED, LOGIN = "allowed", "sign-in page"


def one_blank_page() -> bytes:
    """A PDF the blind-copy sanitizer can read, so the judges' file route can answer with the file."""
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


A_PAGE = one_blank_page()


@dataclass(frozen=True)
class Policy:
    """Who may use a route. ``gate``: the roles past its role check (None: a public route);
    ``allowed``: caller -> kinds of id it may use; ``refused``: caller -> kinds answered 403
    (a resource the caller may see but not change). Every other case answers 404."""

    gate: frozenset[str] | None
    allowed: dict[str, frozenset[str]] = field(default_factory=dict)
    refused: dict[str, frozenset[str]] = field(default_factory=dict)
    anonymous: object = LOGIN  # what a caller without credentials gets: the sign-in page, or the API's 401

    def expected(self, caller: str, kind: str):
        if kind in self.allowed.get(caller, ()):
            return ALLOWED
        if self.gate is not None and caller == ANONYMOUS:
            return self.anonymous
        if self.gate is not None and caller not in self.gate:
            return 403
        return 403 if kind in self.refused.get(caller, ()) else 404


def may(callers, *kinds: str) -> dict[str, frozenset[str]]:
    return {caller: frozenset(kinds or (NO_ID,)) for caller in callers}


def public(*kinds: str) -> Policy:
    return Policy(None, may(CALLERS, *kinds))


def signed_in() -> Policy:
    return Policy(SIGNED_IN, may(SIGNED_IN))


def staff(*kinds: str) -> Policy:
    """An organizer's page: organizers and admins on any id that exists, 404 on one that does not."""
    return Policy(STAFF, may(STAFF, *kinds))


def for_role(callers: frozenset[str]) -> Policy:
    return Policy(callers, may(callers))


def api(gate: frozenset[str], allowed: dict[str, frozenset[str]] | None = None) -> Policy:
    """An API route: called with the caller's bearer token (no cookie); without one, 401. ``allowed``
    defaults to the whole gate on "no id"."""
    return Policy(gate, may(gate) if allowed is None else allowed, anonymous=401)


API_READERS = JUDGES | STAFF
TOKEN_ISSUERS = JUDGES | STAFF
AUTHOR_VIEWS = Policy(SIGNED_IN, {OWNER: frozenset({OWN}), NOT_OWNER: frozenset({OTHER}),
                                  **may(STAFF, *ENTRY_KINDS)})
AUTHOR_CHANGES = Policy(SIGNED_IN, {OWNER: frozenset({OWN}), NOT_OWNER: frozenset({OTHER})},
                        refused=may(STAFF, *ENTRY_KINDS, OTHERS_FILE))  # refused on the entry before the file
ASSIGNED_JUDGE_ONLY = Policy(SIGNED_IN, {ASSIGNED: frozenset({ASSIGNED_ID})})
# Only a judge with a finalist they are not conflicted with has a ballot; to anyone else it is 404.
BALLOT = Policy(SIGNED_IN, {ASSIGNED: frozenset({EXISTING})})

# (endpoint, method) -> policy. A new route fails test_every_route_has_a_policy until it is here.
POLICY: dict[tuple[str, str], Policy] = {
    ("main.index", "GET"): public(),
    ("health.healthz", "GET"): public(),
    ("main.dashboard", "GET"): signed_in(),
    ("auth.login", "GET"): public(),
    ("auth.login", "POST"): public(),
    ("auth.register", "GET"): public(),
    ("auth.register", "POST"): public(),
    ("auth.logout", "POST"): signed_in(),
    ("auth.change_password", "GET"): signed_in(),
    ("auth.change_password", "POST"): signed_in(),
    ("auth.set_password", "GET"): public(EXISTING),   # the invitation token is the credential
    ("auth.set_password", "POST"): public(EXISTING),
    ("auth.set_language", "POST"): public(EXISTING),
    ("auth.forgot_password", "GET"): public(),
    ("auth.forgot_password", "POST"): public(),
    ("auth.reset_password", "GET"): public(EXISTING),   # the signed reset link is the credential
    ("auth.reset_password", "POST"): public(EXISTING),

    ("submissions.my_entries", "GET"): for_role(PARTICIPANTS),
    ("submissions.new_entry", "GET"): Policy(PARTICIPANTS, may(PARTICIPANTS, EXISTING)),
    ("submissions.new_entry", "POST"): Policy(PARTICIPANTS, may(PARTICIPANTS, EXISTING)),
    ("submissions.show", "GET"): AUTHOR_VIEWS,
    ("submissions.download", "GET"): AUTHOR_VIEWS,
    ("submissions.edit", "GET"): AUTHOR_CHANGES,
    ("submissions.edit", "POST"): AUTHOR_CHANGES,
    ("submissions.upload", "POST"): AUTHOR_CHANGES,
    ("submissions.delete_attachment", "POST"): AUTHOR_CHANGES,
    ("submissions.submit", "POST"): AUTHOR_CHANGES,
    ("submissions.confirm_withdraw", "GET"): AUTHOR_CHANGES,
    ("submissions.withdraw", "POST"): AUTHOR_CHANGES,

    ("judging.queue", "GET"): for_role(JUDGES),
    ("judging.declarations", "GET"): for_role(JUDGES),
    ("judging.declarations", "POST"): for_role(JUDGES),
    ("judging.entry", "GET"): ASSIGNED_JUDGE_ONLY,
    ("judging.file", "GET"): ASSIGNED_JUDGE_ONLY,
    ("judging.save_scores", "POST"): ASSIGNED_JUDGE_ONLY,
    ("judging.discard_revision", "POST"): ASSIGNED_JUDGE_ONLY,
    ("judging.declare_conflict", "POST"): ASSIGNED_JUDGE_ONLY,
    ("judging.ballot", "GET"): BALLOT,
    ("judging.save_ballot", "POST"): BALLOT,
    ("judging.discard_ballot_revision", "POST"): BALLOT,

    ("organizer.overview", "GET"): staff(),
    ("organizer.audit_log", "GET"): staff(),
    ("organizer.new_season", "GET"): staff(),
    ("organizer.new_season", "POST"): staff(),
    ("organizer.season", "GET"): staff(EXISTING),
    ("organizer.season", "POST"): staff(EXISTING),
    ("organizer.contest", "GET"): staff(EXISTING),
    ("organizer.contest", "POST"): staff(EXISTING),
    ("organizer.criterion", "GET"): staff(EXISTING),
    ("organizer.criterion", "POST"): staff(EXISTING),
    ("organizer.delete_criterion", "POST"): staff(EXISTING),
    ("organizer.entries", "GET"): staff(),
    ("organizer.entry", "GET"): staff(*ENTRY_KINDS),
    ("organizer.entry_judges", "POST"): staff(*ENTRY_KINDS),
    ("organizer.judges", "GET"): staff(),
    ("organizer.judges", "POST"): staff(),
    ("organizer.judge", "GET"): staff(EXISTING),
    ("organizer.judge", "POST"): staff(EXISTING),
    ("organizer.reissue_invite", "POST"): staff(EXISTING),
    ("organizer.panel", "GET"): staff(EXISTING),
    ("organizer.panel", "POST"): staff(EXISTING),
    ("organizer.panel_loads", "POST"): staff(EXISTING),
    ("organizer.judges_per_entry", "POST"): staff(EXISTING),
    ("organizer.scoring_round", "POST"): staff(EXISTING),
    ("organizer.remove_panel_member", "POST"): staff(EXISTING),
    ("organizer.contest_conflicts", "GET"): staff(EXISTING),
    ("organizer.contest_conflicts", "POST"): staff(EXISTING),
    ("organizer.detect_conflicts", "POST"): staff(EXISTING),
    ("organizer.confirm_detect_conflicts", "GET"): staff(EXISTING),
    ("organizer.assignment", "GET"): staff(EXISTING),
    ("organizer.assignment", "POST"): staff(EXISTING),
    ("organizer.start_assignment_run", "POST"): staff(EXISTING),
    ("organizer.assignment_run", "GET"): staff(EXISTING),
    ("organizer.confirm_assignment_run", "GET"): staff(EXISTING),
    ("organizer.commit_assignment_run", "POST"): staff(EXISTING),
    ("organizer.remove_assignment", "POST"): staff(ASSIGNED_ID, CONFLICTED_ID, OTHER),

    ("imports.index", "GET"): staff(),
    ("imports.template", "GET"): staff(EXISTING),
    ("imports.upload", "GET"): staff(EXISTING),
    ("imports.upload", "POST"): staff(EXISTING),

    ("results.contest", "GET"): staff(EXISTING),
    ("results.breakdown", "GET"): staff(*ENTRY_KINDS),
    ("results.confirm_publish", "GET"): staff(EXISTING),
    ("results.publish", "POST"): staff(EXISTING),
    ("results.confirm_final_round", "GET"): staff(EXISTING),
    ("results.final_round", "POST"): staff(EXISTING),
    ("results.snapshot", "GET"): staff(EXISTING),

    ("prizes.index", "GET"): staff(),
    ("prizes.catalogue", "GET"): staff(EXISTING),
    ("prizes.catalogue", "POST"): staff(EXISTING),
    ("prizes.add_country", "POST"): staff(EXISTING),
    ("prizes.remove_country", "POST"): staff(EXISTING),
    ("prizes.budget", "GET"): staff(EXISTING),
    ("prizes.apply_what_if", "POST"): staff(EXISTING),
    ("prizes.confirm_commit", "GET"): staff(EXISTING),
    ("prizes.commit", "POST"): staff(EXISTING),
    ("prizes.workbook", "GET"): staff(EXISTING),
    ("prizes.prepare_workbook", "POST"): staff(EXISTING),
    ("results.compute_ranking", "POST"): staff(EXISTING),
    ("jobs.index", "GET"): staff(),
    ("jobs.job", "GET"): staff(EXISTING),
    ("jobs.status", "GET"): staff(EXISTING),
    ("jobs.retry", "POST"): staff(EXISTING),
    ("jobs.download", "GET"): staff(EXISTING),
    ("mail.outbox", "GET"): staff(),
    ("mail.message", "GET"): staff(EXISTING),
    ("mail.message_file", "GET"): staff(EXISTING),
    ("mail.retry", "POST"): staff(EXISTING),
    ("mail.batch", "GET"): staff(EXISTING),
    ("mail.send_batch", "POST"): staff(EXISTING),
    # With four entries ranked, both participants win an internship place.
    ("prizes.mine", "GET"): for_role(PARTICIPANTS),
    ("prizes.mine", "POST"): for_role(PARTICIPANTS),
    # Organizers choose for a named co-author without an account ("existing"), not for anyone else.
    ("prizes.on_behalf", "GET"): staff(EXISTING),
    ("prizes.on_behalf", "POST"): staff(EXISTING),

    # The same page for everyone, its language in its address; a season that does not exist is 404.
    ("public.results", "GET"): public(EXISTING),
    ("certificates.verify", "GET"): public(EXISTING),  # the code on the paper is all it takes
    ("certificates.mine", "GET"): for_role(PARTICIPANTS),
    # Participant A's certificate ("own") and participant B's ("other"): each their own; staff any.
    ("certificates.download", "GET"): AUTHOR_VIEWS,
    ("certificates.season", "GET"): staff(EXISTING),
    ("certificates.issue", "POST"): staff(EXISTING),
    ("certificates.prepare_zip", "POST"): staff(EXISTING),
    # API tokens: judges and organizers each issue their own; a judge revokes their own token
    # (the assigned judge's is "assigned", the unassigned judge's "other"), organizers any.
    ("tokens.index", "GET"): for_role(TOKEN_ISSUERS),
    ("tokens.index", "POST"): for_role(TOKEN_ISSUERS),
    ("tokens.revoke", "POST"): Policy(TOKEN_ISSUERS, {ASSIGNED: frozenset({ASSIGNED_ID}),
                                                      UNASSIGNED: frozenset({OTHER}),
                                                      **may(STAFF, ASSIGNED_ID, OTHER)}),

    # The API, with bearer tokens. Participants hold a token here that no page would issue them
    # (it carries no scope): it names them (/me) and opens nothing else.
    ("api-docs.openapi_json", "GET"): public(),
    ("api.me", "GET"): api(SIGNED_IN),
    ("api.seasons", "GET"): api(API_READERS),
    ("api.season", "GET"): api(API_READERS, may(API_READERS, EXISTING)),
    ("api.contests", "GET"): api(API_READERS),
    ("api.contest", "GET"): api(API_READERS, may(API_READERS, EXISTING)),
    ("api.entries", "GET"): api(API_READERS),
    ("api.entry", "GET"): api(API_READERS, {ASSIGNED: frozenset({ASSIGNED_ID}), **may(STAFF, *ENTRY_KINDS)}),
    ("api.assignments", "GET"): api(JUDGES),
    ("api.assignment", "GET"): api(JUDGES, {ASSIGNED: frozenset({ASSIGNED_ID})}),
    ("api.save_sheet", "PUT"): api(JUDGES, {ASSIGNED: frozenset({ASSIGNED_ID})}),
    ("api.ranking", "GET"): api(STAFF, may(STAFF, EXISTING)),
    ("api.awards", "GET"): api(STAFF, may(STAFF, EXISTING)),
}


# --------------------------------------------------------------------------- the scene

@dataclass
class Scene:
    users: dict[str, int]                 # caller -> user id
    ids: dict[str, dict[str, object]]     # URL argument -> kind of id -> value
    tokens: dict[str, str]                # caller -> the secret of their API token


def seed() -> Scene:
    """One open contest: four entries, judges around them in both rounds, a dry run, a published ranking."""
    now = utcnow()
    people = {}
    for caller, role in ((OWNER, Role.PARTICIPANT), (NOT_OWNER, Role.PARTICIPANT), ("author", Role.PARTICIPANT),
                         (ASSIGNED, Role.JUDGE), (UNASSIGNED, Role.JUDGE), (CONFLICTED, Role.JUDGE),
                         ("panel judge", Role.JUDGE), (ORGANIZER, Role.ORGANIZER), (ADMIN, Role.ADMIN)):
        name = caller.replace(" ", "-")
        people[caller] = User(email=f"{name}@example.uz", full_name=caller.title(), role=role,
                              organization=f"{name} school", region="samarkand",
                              category=Category.STUDENT if role is Role.PARTICIPANT else None,
                              password_hash=None)  # callers are signed in through the session
    db.session.add_all(people.values())
    season = seasons.create_season(2026, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10),
                                   fields=("Energy", "IT"))
    contest = season.contests[0]
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=now - timedelta(days=1),
                                closes_at=now + timedelta(days=5)))
    panel = {caller: ContestJudge(contest=contest, judge=people[caller])
             for caller in (ASSIGNED, UNASSIGNED, CONFLICTED, "panel judge")}
    db.session.add_all(panel.values())

    entries = {}
    for kind, author in ((OWN, OWNER), (OTHER, NOT_OWNER), (ASSIGNED_ID, "author"), (CONFLICTED_ID, "author")):
        entry = Entry(contest=contest, lead_author=people[author], field=contest.fields[0],
                      status=EntryStatus.SUBMITTED)
        entry.set_title(f"Entry {kind}")
        entry.authors.append(EntryAuthor.from_user(people[author], 0))
        if kind == OWN:  # a co-author without an account, whose prize choices organizers enter
            entry.authors.append(EntryAuthor(position=1, full_name="Named Co-author", category=Category.STUDENT,
                                             organization="own school", region="samarkand"))
        db.session.add(entry)
        db.session.flush()
        attachments.add(entry, io.BytesIO(A_PAGE), "report.pdf")
        entries[kind] = entry
    sheets = {ASSIGNED_ID: Assignment(judge=people[ASSIGNED], entry=entries[ASSIGNED_ID]),
              CONFLICTED_ID: Assignment(judge=people[CONFLICTED], entry=entries[CONFLICTED_ID]),
              OTHER: Assignment(judge=people["panel judge"], entry=entries[ASSIGNED_ID])}
    db.session.add_all(sheets.values())
    # The final round: each of these two judges has one finalist on a ballot.
    db.session.add_all([ScoringRound(contest=contest, number=FINAL_ROUND, opens_at=now - timedelta(hours=1),
                                     closes_at=now + timedelta(days=5)),
                        Assignment(judge=people[ASSIGNED], entry=entries[ASSIGNED_ID], round=FINAL_ROUND),
                        Assignment(judge=people[CONFLICTED], entry=entries[CONFLICTED_ID], round=FINAL_ROUND)])
    db.session.add(Conflict(judge=people[CONFLICTED], entry=entries[CONFLICTED_ID], source=ConflictSource.MANUAL,
                            reason="Same family"))
    # The panel judge has scored every entry, so the contest can be ranked and published.
    for place, entry in enumerate(entries.values()):
        sheet = sheets[OTHER] if entry is entries[ASSIGNED_ID] else Assignment(judge=people["panel judge"],
                                                                                entry=entry)
        sheet.status, sheet.submitted_at = SheetStatus.SUBMITTED, now
        sheet.marks = [Mark(criterion=criterion, value=Decimal(9 - place)) for criterion in contest.criteria]
        db.session.add(sheet)
    db.session.flush()
    run = judge_assignment.start_run(contest, people[ORGANIZER])
    snapshot = results.publish(contest, people[ORGANIZER], "mean")
    export = jobs.enqueue("season_workbook", season_id=season.id, locale="en", created_by=people[ORGANIZER])
    co_author = prizes.person_key(entries[OWN].authors[1])
    assert prizes.select_winners(season, prizes.catalogue(season)).includes(co_author)
    token = people[UNASSIGNED].issue_invite(timedelta(hours=72))
    notices.judge_invited(people[UNASSIGNED], token)       # a message in the outbox, queued (no mail server)
    held = f"results-{snapshot.id}"                        # the publication's results mail, held for a send
    certificates.issue(season, people[ORGANIZER])
    prizes.commit(season, people[ORGANIZER])
    secrets, api_tokens_of = {}, {}
    for caller in SIGNED_IN:
        user = people[caller]
        if ApiToken.can_be_issued_by(user):
            api_tokens_of[caller], secrets[caller] = api_tokens.issue(user, caller, ["read", "score"], by=user)
        else:  # no page issues a participant a token; made here to show it opens nothing
            api_tokens_of[caller], secrets[caller] = ApiToken.make(user, caller, ["read", "score"], by=user)
            db.session.add(api_tokens_of[caller])
    db.session.commit()
    message = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).first()
    reset_token = accounts.reset_token(people[OWNER])
    issued = {kind: db.session.scalar(db.select(Certificate).where(
        Certificate.entry_id == entries[kind].id, Certificate.kind == CertificateKind.PARTICIPATION,
        Certificate.user_id.is_not(None))) for kind in (OWN, OTHER)}

    def known(value, unknown=UNKNOWN_ID):
        return {EXISTING: value, UNKNOWN: unknown}

    return Scene(
        tokens=secrets,
        users={caller: people[caller].id for caller in CALLERS if caller != ANONYMOUS},
        ids={
            "entry_id": {**{kind: entry.id for kind, entry in entries.items()}, UNKNOWN: UNKNOWN_ID},
            "attachment_id": {**{kind: entry.attachments[0].id for kind, entry in entries.items()},
                              OTHERS_FILE: entries[OTHER].attachments[0].id, UNKNOWN: UNKNOWN_ID},
            "assignment_id": {**{kind: sheet.id for kind, sheet in sheets.items()}, UNKNOWN: UNKNOWN_ID},
            "number": {EXISTING: 1},
            "contest_id": known(contest.id),
            "season_id": known(season.id),
            "criterion_id": known(contest.criteria[0].id),
            "judge_id": {**known(people[UNASSIGNED].id), OTHER: people[OWNER].id},  # other: not a judge
            "member_id": known(panel[UNASSIGNED].id),
            "run_id": known(run.id),
            "job_id": known(export.id),
            "snapshot_id": known(snapshot.id),
            "country_id": known(prizes.countries(season)[0].id),
            "person": known(co_author, f"a{UNKNOWN_ID}"),
            "kind": {EXISTING: "participants"},
            "token": known(token, "not-a-token"),
            "reset_token": known(reset_token, "not-a-token"),
            "message_id": known(message.id),
            "batch": known(held, "results-0"),
            "code": {EXISTING: "ru"},
            "lang": {EXISTING: "ru"},
            "year": known(season.year, 1999),
            "certificate_id": {OWN: issued[OWN].id, OTHER: issued[OTHER].id, UNKNOWN: UNKNOWN_ID},
            "certificate_code": known(issued[OWN].code, "0000-0000-0000-0000"),
            "token_id": {ASSIGNED_ID: api_tokens_of[ASSIGNED].id, OTHER: api_tokens_of[UNASSIGNED].id,
                         UNKNOWN: UNKNOWN_ID},
        })


def emptied_and_seeded() -> Scene:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    return seed()


# --------------------------------------------------------------------------- routes and requests

@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str
    arguments: tuple[str, ...]

    def __str__(self):
        return f"{self.method} {self.rule}"


def routes_of(app: Flask) -> list[Route]:
    return sorted((Route(rule.endpoint, method, rule.rule, tuple(sorted(rule.arguments)))
                   for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                   for method in sorted(rule.methods - {"HEAD", "OPTIONS"})),
                  key=lambda route: (route.endpoint, route.method, route.rule))


ROUTES = routes_of(create_app(config_for_tests()))


def kinds_of(route: Route, scene: Scene) -> list[str]:
    """The kinds of id a route is tried on: those of its most telling argument (an entry's over its
    contest's), or "no id"."""
    if not route.arguments:
        return [NO_ID]
    return list(max((scene.ids[name] for name in route.arguments), key=len))


def url_for_kind(route: Route, scene: Scene, kind: str) -> str:
    """The route's URL on ids of that kind; an argument with none of that kind takes its existing
    one (the contest of an entry), else the own one (the entry another's file is asked under)."""
    url = route.rule
    for name in route.arguments:
        values = scene.ids[name]
        value = next(values[k] for k in (kind, EXISTING, OWN, UNKNOWN) if k in values)
        url = url.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
    return url.replace("<any(participants, judges):kind>", str(scene.ids["kind"][EXISTING]))


def client_of(app: Flask, scene: Scene, caller: str):
    """A client signed in as the caller, through the session Flask-Login reads (no password hashing)."""
    client = app.test_client()
    if caller != ANONYMOUS:
        with client.session_transaction() as session:
            session["_user_id"] = db.session.get(User, scene.users[caller]).get_id()
            session["_fresh"] = True
    return client


def outcome(route: Route, response):
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/auth/login" in location and route.endpoint != "auth.login":
        return LOGIN
    if response.status_code < 400 or response.status_code == 422:
        return ALLOWED
    return response.status_code


def request_as(app: Flask, scene: Scene, route: Route, caller: str, kind: str):
    url = url_for_kind(route, scene, kind)
    if route.rule.startswith(f"{API_PREFIX}/") and route.endpoint.startswith("api."):
        return api_request_as(app, scene, route, caller, url)
    client = client_of(app, scene, caller)
    if route.method == "GET":
        return outcome(route, client.get(url))
    return outcome(route, client.post(url, data={"confirm": "yes"}))


def api_request_as(app: Flask, scene: Scene, route: Route, caller: str, url: str):
    """An API call with the caller's bearer token and no cookie; a PUT sends an empty draft."""
    headers = {"Authorization": f"Bearer {scene.tokens[caller]}"} if caller != ANONYMOUS else {}
    response = app.test_client().open(url, method=route.method, headers=headers,
                                      json={"marks": []} if route.method == "PUT" else None)
    assert response.is_json, f"{route} answered {response.content_type}, not JSON"
    return outcome(route, response)


# --------------------------------------------------------------------------- the tests

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Matrix:
    """The app, its scene, and how many statements have written to the scene since it was seeded."""

    app: Flask
    scene: Scene
    writes: int = 0

    def count_writes(self, conn, cursor, statement: str, *args) -> None:
        if statement.lstrip()[:6].upper() in WRITES:
            self.writes += 1

    def answer(self, route: Route, caller: str, kind: str):
        """The outcome, on a scene no earlier request has written to; a GET that writes is an outcome too."""
        if self.writes:
            self.scene, self.writes = emptied_and_seeded(), 0
        got = request_as(self.app, self.scene, route, caller, kind)
        return "wrote on GET" if route.method == "GET" and self.writes else got


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """The scene in a database of this module's own (a SQLite file, or a PostgreSQL schema)."""
    with database_of_its_own(tmp_path_factory, "matrix") as app:
        matrix = Matrix(app, seed())
        event.listen(db.engine, "before_cursor_execute", matrix.count_writes)
        yield matrix
        event.remove(db.engine, "before_cursor_execute", matrix.count_writes)


def routes_without_policy(routes: list[Route]) -> list[str]:
    return sorted(f"{route} ({route.endpoint})" for route in routes if (route.endpoint, route.method) not in POLICY)


def test_every_route_has_a_policy():
    missing = routes_without_policy(ROUTES)
    assert not missing, ("routes without a policy; say who may use them in POLICY "
                         f"(tests/test_authorization_matrix.py): {', '.join(missing)}")
    served = {(route.endpoint, route.method) for route in ROUTES}
    gone = sorted(f"{method} {endpoint}" for endpoint, method in POLICY.keys() - served)
    assert not gone, f"POLICY names routes the app no longer serves: {', '.join(gone)}"


def test_a_route_added_later_is_named_until_it_has_a_policy():
    app = create_app(config_for_tests())
    app.add_url_rule("/organizer/audit", "organizer.audit", lambda: "", methods=["GET", "POST"])
    assert routes_without_policy(routes_of(app)) == ["GET /organizer/audit (organizer.audit)",
                                                     "POST /organizer/audit (organizer.audit)"]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_each_caller_as_the_policy_says(matrix, route):
    policy = POLICY.get((route.endpoint, route.method))
    if policy is None:
        pytest.fail(f"{route} ({route.endpoint}) has no policy; see test_every_route_has_a_policy")
    wrong = []
    for caller in CALLERS:
        for kind in kinds_of(route, matrix.scene):
            expected = policy.expected(caller, kind)
            got = matrix.answer(route, caller, kind)
            if got != expected:
                wrong.append(f"{caller} on {kind}: expected {expected}, got {got}")
    assert not wrong, f"{route} ({route.endpoint}):\n  " + "\n  ".join(wrong)
